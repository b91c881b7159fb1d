import gzip
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import ROOT, VIETNEWS_DIR
from vnnews.inference import InferenceConfig, read_errors, read_records, run_inference
from vnnews.inference.runner import _chunks
from vnnews.ingest import Article, Line


@pytest.fixture
def records_file(tmp_path) -> Path:
    """40 VietNews records, one malformed line and one record without text."""
    path = tmp_path / "recs.jsonl"
    with gzip.open(VIETNEWS_DIR / "validation.jsonl.gz", "rt", encoding="utf-8") as f:
        lines = [line for _, line in zip(range(40), f, strict=False)]
    lines.insert(5, '{"id": "broken", "title": \n')
    lines.insert(9, '{"id": "empty", "title": "", "body": []}\n')
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _ids(path):
    return [r["id"] for r in read_records(path)]


def test_weak_job_writes_records_and_names_failures(tmp_path, raw_dir, records_file):
    out = tmp_path / "out.jsonl"
    result = run_inference([raw_dir, records_file], out, InferenceConfig(classifier="weak", chunk_size=7, progress=False))
    ids = _ids(out)
    assert len(ids) == len(set(ids)) == 45 and result.done == 45
    page = next(r for r in read_records(out) if r["id"] == "000_40151c7d04a83f24")
    assert page["title"] and page["body"] and page["label_source"] == "weak"
    assert {line["label"] for line in page["lines"]} >= {"title", "body", "navigation"}
    assert page["models"]["classifier"] == "weak" and page["summary"] is None
    errors = read_errors(result.errors_path)
    causes = {(e["line"], e["cause"].split(":")[0]) for e in errors}
    assert (6, "malformed JSON") in causes
    assert any(e["line"] == 10 and "no text left" in e["cause"] for e in errors)
    assert all(e["source"] == str(records_file) for e in errors) and result.failed == 2
    assert not out.with_name("out.jsonl.parts").exists()


def test_existing_output_needs_resume_or_overwrite(tmp_path, raw_dir):
    out = tmp_path / "out.parquet"
    config = InferenceConfig(classifier="weak", progress=False)
    run_inference([raw_dir], out, config)
    with pytest.raises(FileExistsError, match="--resume .* or --overwrite"):
        run_inference([raw_dir], out, config)
    assert len(_ids(out)) == 5  # the refused run left the earlier output alone
    again = run_inference([raw_dir], out, config, overwrite=True)
    assert again.done == 5 and len(_ids(out)) == 5


def test_resume_adds_only_new_articles(tmp_path, raw_dir, records_file):
    out = tmp_path / "outdir"
    config = InferenceConfig(classifier="weak", progress=False)
    first = run_inference([raw_dir], out, config)
    second = run_inference([raw_dir, records_file], out, config, resume=True)
    assert (first.done, second.done, second.skipped) == (5, 40, 5)
    ids = _ids(out)
    assert len(ids) == len(set(ids)) == 45


def test_articles_are_pulled_a_chunk_at_a_time():
    """Streaming: a chunk is processed before the next is read, so memory depends
    on the chunk size, not on the input (here: an endless input)."""
    pulled = 0

    def endless():
        nonlocal pulled
        for i in itertools.count():
            pulled += 1
            yield Article(str(i), "s", [Line("x")])

    class Bar:
        def update(self, n):
            pass

    counts = {"skipped": 0}
    chunks = _chunks(endless(), 50, {"3", "4"}, counts, Bar())
    first, _ = next(chunks)
    assert pulled == 52 and len(first) == 50 and counts["skipped"] == 2
    next(chunks)
    assert pulled == 102


def test_classify_and_summarize_with_tiny_models(tmp_path, raw_dir, trained_classifier, trained_summarizer):
    out = tmp_path / "out.jsonl"
    config = InferenceConfig(classifier=str(trained_classifier[0]), summarizer=str(trained_summarizer[0]), progress=False, generation={"max_new_tokens": 8, "num_beams": 1})
    result = run_inference([raw_dir], out, config)
    records = list(read_records(out))
    assert result.done == 5
    for rec in records:
        assert all(line["label"] and 0.0 < line["confidence"] <= 1.0 for line in rec["lines"])
        assert rec["label_source"] == "model"
        assert rec["models"]["classifier"] == str(trained_classifier[0])
        assert rec["models"]["classifier_revision"].startswith("sha256:")
        assert rec["timings"]["classify_s"] > 0 and rec["timings"]["segment_s"] > 0
        if rec["body"]:  # an untrained-for-long model may find no body: then no summary
            assert isinstance(rec["summary"], str) and rec["timings"]["summarize_s"] > 0
    assert result.stage_seconds["classify"] > 0


def test_summarize_only_over_a_saved_dataset_uses_its_labels(tmp_path, pages_dataset, trained_summarizer):
    out = tmp_path / "summaries.parquet"
    config = InferenceConfig(summarizer=str(trained_summarizer[0]), progress=False, generation={"max_new_tokens": 8, "num_beams": 1})
    run_inference([pages_dataset], out, config)
    records = list(read_records(out))
    assert len(records) == 62
    assert {r["label_source"] for r in records} == {"composed", "gold"}
    with_body = [r for r in records if r["body"]]
    assert with_body and all(isinstance(r["summary"], str) for r in with_body)
    assert all(r["title"] for r in records)


def _cli(*args):
    return [sys.executable, "-m", "vnnews", "infer", *map(str, args)]


def test_kill_9_at_any_moment_then_resume_writes_every_article_once(tmp_path, records_file, trained_summarizer):
    """A job killed with SIGKILL three times at random moments, then resumed to the
    end: every input article is in the output exactly once."""
    out = tmp_path / "out.jsonl"
    parts = tmp_path / "out.jsonl.parts"
    args = _cli(records_file, "--classifier", "weak", "--summarizer", trained_summarizer[0], "--output", out, "--chunk-size", 2, "--no-progress", "--resume")
    rng = random.Random(7)
    kills = 0
    for _ in range(3):
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        before = len(list(parts.glob("part-*"))) if parts.exists() else 0
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None and (len(list(parts.glob("part-*"))) if parts.exists() else 0) <= before:
            time.sleep(0.05)
        time.sleep(rng.uniform(0, 0.4))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 2, "the job finished before it could be killed: make it longer"
    assert parts.exists() and not out.exists()
    subprocess.run(args, check=True, capture_output=True, cwd=ROOT)
    ids = Counter(_ids(out))
    expected = {json.loads(line)["id"] for line in records_file.read_text(encoding="utf-8").splitlines() if line.startswith('{"id": "vietnews')}
    assert len(expected) == 40 and set(ids) == expected
    assert all(n == 1 for n in ids.values())
    assert not parts.exists()
    assert len(read_errors(tmp_path / "out.jsonl.errors.jsonl")) == 2


def test_two_cpu_processes_under_accelerate_launch(tmp_path, raw_dir, records_file):
    out = tmp_path / "out.jsonl"
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
              "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "vnnews", "infer", str(raw_dir), str(records_file),
              "--classifier", "weak", "--output", str(out), "--chunk-size", "4"]
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    proc = subprocess.run(launch, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "infer[0]: its share done" in proc.stderr and "infer[1]: its share done" in proc.stderr  # both processes worked
    ids = Counter(_ids(out))
    assert len(ids) == 45 and set(ids.values()) == {1}
    assert "45 done, 0 skipped (already done), 2 failed" in proc.stderr
    assert len(read_errors(tmp_path / "out.jsonl.errors.jsonl")) == 2
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["models"]["classifier"] == "weak"


def test_processes_2_starts_the_job_in_two_processes_itself(tmp_path, raw_dir, records_file):
    """`processes=2`: the command starts both processes (no launcher needed), each takes
    its share, the first merges: the records of the accelerate-launch test above, once each;
    a second run is refused by the first process alone (one line, not one per process)."""
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "vnnews", "infer", str(raw_dir), str(records_file), "--classifier", "weak", "--output", str(out), "--chunk-size", "4", "processes=2"]
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    proc = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "infer: 2 processes" in proc.stderr and "threads=" in proc.stderr and "segment_workers=0" in proc.stderr
    assert "infer[0]: its share done" in proc.stderr and "infer[1]: its share done" in proc.stderr
    ids = Counter(_ids(out))
    assert len(ids) == 45 and set(ids.values()) == {1}
    assert len(read_errors(tmp_path / "out.jsonl.errors.jsonl")) == 2
    again = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert again.returncode == 2 and again.stderr.count("exists: pass --resume") == 1, again.stderr[-2000:]


def test_processes_is_checked_and_left_to_the_command_line(tmp_path, raw_dir):
    from vnnews.inference.launch import child_overrides, resolve_processes

    with pytest.raises(ValueError, match="processes must be 'auto' or a number >= 1, got 0"):
        InferenceConfig(processes=0)
    with pytest.raises(ValueError, match="processes= is for the local engine; the Ray engine spreads the work with ray"):
        InferenceConfig(processes=2, engine="ray")
    with pytest.raises(ValueError, match="adapt=true fits each site on the job's pages in one process: leave processes at 1"):
        InferenceConfig(processes="auto", adapt=True)
    assert resolve_processes(3) == 3 and resolve_processes("auto", cores=5) in (5, max(1, __import__("torch").cuda.device_count()))
    assert child_overrides(InferenceConfig(), 2, cores=4) == ["processes=1", "threads=2", "segment_workers=0"]
    assert child_overrides(InferenceConfig(threads=3, segment_workers=1), 2, cores=4) == ["processes=1"]  # as the user set them
    with pytest.raises(ValueError, match="processes= is started by the command line"):
        run_inference([raw_dir], tmp_path / "out.jsonl", InferenceConfig(classifier="weak", processes=2, progress=False))
    assert not (tmp_path / "out.jsonl").exists()


def test_when_one_process_fails_the_others_are_stopped():
    """A process of the job that fails would leave the others waiting for it at the next
    barrier: the launcher stops them and returns the failure's status at once."""
    import time

    from vnnews.inference.launch import supervise

    started = time.monotonic()
    status = supervise([[sys.executable, "-c", "import time; time.sleep(60)"], [sys.executable, "-c", "import sys; sys.exit(3)"]])
    assert status == 3 and time.monotonic() - started < 30
    assert supervise([[sys.executable, "-c", "pass"], [sys.executable, "-c", "pass"]]) == 0


def test_the_page_labeller_labels_real_html_pages_in_a_batch_job(tmp_path, trained_classifier):
    out = tmp_path / "real.jsonl"
    pages = ROOT / "data" / "real" / "pages" / "kenh14.vn"
    result = run_inference([pages], out, InferenceConfig(classifier=str(trained_classifier[0]), progress=False, classify_batch_size=64))
    records = list(read_records(out))
    assert result.done == 2 and len(records) == 2
    for rec in records:
        assert rec["models"]["classifier"] == str(trained_classifier[0]) and rec["label_source"] == "model"
        assert all(line["label"] and 0.0 < line["confidence"] <= 1.0 for line in rec["lines"])
        assert sum(line["label"] == "title" for line in rec["lines"]) <= 1 or rec["title"]  # one title block at most


# ---------------------------------------------------------------- hostile input in a job (issue 21)
def test_a_gzip_bomb_beside_good_files_is_one_error_and_the_job_writes_the_rest(tmp_path, raw_dir):
    pages = tmp_path / "pages"
    pages.mkdir()
    for name in ("000_40151c7d04a83f24.txt", "001_e1cb3691e4f8cc6d.txt"):
        (pages / name).write_bytes((raw_dir / name).read_bytes())
    with gzip.open(pages / "bomb.txt.gz", "wb", compresslevel=9) as f:
        for _ in range(48):
            f.write(b"A" * (1 << 20))
    out = tmp_path / "out.jsonl"
    result = run_inference([pages], out, InferenceConfig(classifier="weak", progress=False, max_page_bytes=16 << 20))
    assert sorted(_ids(out)) == ["000_40151c7d04a83f24", "001_e1cb3691e4f8cc6d"] and result.failed == 1
    (error,) = read_errors(result.errors_path)
    assert error["source"] == str(pages / "bomb.txt.gz") and error["cause"].startswith("larger than max_page_bytes=16777216 bytes once decompressed")


def test_a_lone_surrogate_id_is_an_error_record_and_the_job_can_finish_and_resume(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": "a", "text": "Một"}\n{"id": "bad\\ud800", "text": "Hai"}\n{"id": "c", "text": "Ba"}\n', encoding="utf-8")
    out = tmp_path / "out.parquet"
    config = InferenceConfig(classifier="weak", progress=False)
    result = run_inference([path], out, config)
    assert _ids(out) == ["a", "c"] and result.failed == 1
    (error,) = read_errors(result.errors_path)
    assert error["id"] is None and error["line"] == 2 and "lone surrogate U+D800" in error["cause"]
    again = run_inference([path], out, config, resume=True)  # once failed at the same record, every time
    assert (again.done, again.skipped, again.failed) == (0, 2, 1) and _ids(out) == ["a", "c"]


def test_resume_with_a_setting_that_changes_records_is_refused_naming_it(tmp_path, raw_dir):
    out = tmp_path / "out.jsonl"
    run_inference([raw_dir], out, InferenceConfig(classifier="weak", progress=False, tone_style="new"))
    before = out.read_bytes()
    with pytest.raises(FileExistsError, match=r'tone_style="old" in this run, "new" in the job being resumed'):
        run_inference([raw_dir], out, InferenceConfig(classifier="weak", progress=False, tone_style="old"), resume=True)
    assert out.read_bytes() == before and not out.with_name("out.jsonl.parts").exists()
    again = run_inference([raw_dir], out, InferenceConfig(classifier="weak", progress=False, tone_style="new", chunk_size=2), resume=True)
    assert again.skipped == 5  # a setting that does not change records (chunk_size) may differ


# ---------------------------------------------------------------- the CPU half beside the models (issue 20)
def test_the_worker_pool_changes_no_record(tmp_path, raw_dir, trained_classifier):
    """Segmentation in worker processes, one chunk ahead of the models, against the
    main process doing it all in turn: the same records (one torch thread in both, so
    the sums add up in the same order)."""
    config = {"classifier": str(trained_classifier[0]), "progress": False, "threads": 1, "chunk_size": 2}
    pooled = run_inference([raw_dir], tmp_path / "pool.jsonl", InferenceConfig(**config, segment_workers=1))
    alone = run_inference([raw_dir], tmp_path / "alone.jsonl", InferenceConfig(**config, segment_workers=0))
    assert pooled.done == alone.done == 5
    strip = lambda r: {k: v for k, v in r.items() if k != "timings"}  # noqa: E731
    assert [strip(r) for r in read_records(tmp_path / "pool.jsonl")] == [strip(r) for r in read_records(tmp_path / "alone.jsonl")]
    timings = [r["timings"] for r in read_records(tmp_path / "pool.jsonl")]
    assert all(t["segment_s"] > 0 and t["classify_s"] > 0 for t in timings)


def test_a_killed_job_with_the_worker_pool_resumes_with_every_article_once(tmp_path, trained_classifier):
    pages = ROOT / "data" / "real" / "pages"
    out, parts = tmp_path / "out.jsonl", tmp_path / "out.jsonl.parts"
    args = _cli(pages, "--classifier", trained_classifier[0], "--output", out, "--chunk-size", 1, "--no-progress", "--resume", "segment_workers=1")
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and not (parts.exists() and list(parts.glob("part-*"))):
        time.sleep(0.05)
    assert proc.poll() is None, "the job ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert parts.exists() and not out.exists()
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    ids = Counter(_ids(out))
    assert len(ids) == 34 and set(ids.values()) == {1}
    assert " skipped (already done)" in done.stderr and not parts.exists()


def test_infer_makes_the_output_folders(tmp_path, raw_dir):
    out = tmp_path / "not" / "yet" / "x.parquet"
    result = run_inference([raw_dir], out, InferenceConfig(classifier="weak", progress=False))
    assert out.is_file() and result.done == 5


def test_a_parquet_bomb_beside_a_good_page_is_one_error_and_the_job_writes_the_page(tmp_path, raw_dir):
    """Issue 34: 200 rows of one dictionary-encoded 50 MB string in a 2.7 KB file."""
    from tests.ingest.test_hostile import _bomb_parquet

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "000_40151c7d04a83f24.txt").write_bytes((raw_dir / "000_40151c7d04a83f24.txt").read_bytes())
    _bomb_parquet(pages / "bomb.parquet")
    assert (pages / "bomb.parquet").stat().st_size < 10_000
    out = tmp_path / "out.jsonl"
    result = run_inference([pages], out, InferenceConfig(classifier="weak", progress=False))
    assert _ids(out) == ["000_40151c7d04a83f24"] and result.failed == 1
    (error,) = read_errors(result.errors_path)
    assert error["source"] == str(pages / "bomb.parquet") and "decompression bomb" in error["cause"]


def test_a_jsonl_job_never_imports_datasets(tmp_path, raw_dir):
    """`datasets` costs about 0.6 s of a command's start: only Parquet and saved-dataset
    outputs (and dataset inputs) need it, so the record types are built on first use."""
    script = (
        "import sys\n"
        "from vnnews.inference import InferenceConfig, run_inference\n"
        f"run_inference([{str(raw_dir)!r}], {str(tmp_path / 'out.jsonl')!r}, InferenceConfig(classifier='weak', progress=False))\n"
        "print('datasets' in sys.modules)\n"
        "from vnnews.inference import RECORD_FEATURES\n"
        "print('datasets' in sys.modules, 'lines' in RECORD_FEATURES)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["False", "True", "True"]


def test_the_processes_end_when_their_launcher_dies_without_clean_up():
    """SIGKILL on the command (the OOM killer): nothing in it can stop its processes, so each
    watches it and ends by itself (vnnews.lifecycle.watch_parent)."""
    import signal
    import time

    from vnnews.lifecycle import descendants, running

    child = "from vnnews.inference.launch import watch_launcher; watch_launcher(); import time; time.sleep(120)"
    launcher = (
        "import sys\n"
        "from vnnews.inference.launch import environments, supervise\n"
        f"sys.exit(supervise([[sys.executable, '-c', {child!r}]] * 2, environments(2)))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", launcher], cwd=ROOT)
    children: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(descendants(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        children = descendants(proc.pid)
        assert len(children) == 2
        time.sleep(3)  # both import vnnews and start watching
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 30
        while any(running(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(running(c) for c in children)
    finally:
        for c in children:
            if running(c):
                os.kill(c, signal.SIGKILL)


def test_a_long_cpu_job_in_one_process_is_told_about_processes():
    from vnnews.inference.launch import HINT_PAGES, processes_hint

    hint = processes_hint(HINT_PAGES, InferenceConfig(), accelerator=False, cores=4)
    assert hint and "processes=auto" in hint and "4-core" in hint
    assert processes_hint(HINT_PAGES - 1, InferenceConfig(), accelerator=False, cores=4) is None  # short: start-up would eat the gain
    assert processes_hint(HINT_PAGES, InferenceConfig(), accelerator=True, cores=4) is None  # a GPU job: its process feeds the device
    assert processes_hint(HINT_PAGES, InferenceConfig(processes=2), accelerator=False, cores=4) is None
    assert processes_hint(HINT_PAGES, InferenceConfig(), accelerator=False, cores=1) is None


def test_a_bad_processes_setting_is_one_line_and_an_earlier_output_survives(tmp_path, raw_dir, capsys):
    from vnnews.cli import main

    out = tmp_path / "out.jsonl"
    assert main(["infer", str(raw_dir), "--classifier", "weak", "-o", str(out), "--no-progress"]) == 0
    before = out.read_bytes()
    capsys.readouterr()
    for bad, message in (
        (["--processes", "two"], "vnnews: error: processes must be 'auto' or a number >= 1, got 'two'"),
        (["--processes", "2", "--adapt"], "vnnews: error: adapt=true fits each site on the job's pages in one process: leave processes at 1"),
        (["--processes", "2", "--engine", "ray"], "vnnews: error: processes= is for the local engine"),
    ):
        assert main(["infer", str(raw_dir), "--classifier", "weak", "-o", str(out), "--overwrite", *bad]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith(message) and "\n" not in err, err
        assert out.read_bytes() == before
