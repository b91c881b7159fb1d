"""Issue "No flag and no input loses data or stops a run": every reported case, through
the command a user types. Each asserts the refusal message (naming the path) and
that what was there before is intact."""

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import RAW_DIR
from vnnews.cli import main
from vnnews.inference import read_errors, read_records, run_inference
from vnnews.inference.stages import InferenceConfig, Models, RuleLabeller
from vnnews.outputs import output_lock


@pytest.fixture
def pages(tmp_path) -> Path:
    """A copy of the bundled pages plus a file of the user's that is not a page."""
    d = tmp_path / "pages"
    shutil.copytree(RAW_DIR, d)
    (d / "notes.md").write_text("my notes", encoding="utf-8")
    return d


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def err(capsys) -> str:
    return capsys.readouterr().err


def test_ingest_refuses_to_write_over_its_input(tmp_path, capsys):
    page = tmp_path / "p.txt"
    page.write_text("Tiêu đề\nMột đoạn văn.\n", encoding="utf-8")
    assert main(["ingest", str(page), "-o", str(page)]) == 2
    assert f"output {page} is also an input" in err(capsys)
    assert page.read_text(encoding="utf-8") == "Tiêu đề\nMột đoạn văn.\n"


def test_ingest_output_rules(tmp_path, pages, capsys):
    theirs = tmp_path / "theirs.jsonl"
    theirs.write_text("keep", encoding="utf-8")
    assert main(["ingest", str(pages), "-o", str(theirs)]) == 2
    assert "vnnews did not write" in err(capsys) and theirs.read_text() == "keep"
    assert main(["ingest", str(pages), "-o", str(tmp_path / "missing" / "a.jsonl")]) == 0  # its folders are made
    assert (tmp_path / "missing" / "a.jsonl").is_file()
    err(capsys)
    ours = tmp_path / "a.jsonl"
    assert main(["ingest", str(pages), "-o", str(ours)]) == 0
    first = ours.read_text(encoding="utf-8")
    assert main(["ingest", str(pages), "-o", str(ours)]) == 2
    assert "--overwrite" in err(capsys) and ours.read_text(encoding="utf-8") == first
    assert main(["ingest", str(pages), "-o", str(ours), "--overwrite"]) == 0
    assert ours.read_text(encoding="utf-8") == first


@pytest.mark.parametrize("flag", ["--overwrite", "--resume"])
def test_infer_into_its_input_directory_is_refused(pages, capsys, flag):
    before = snapshot(pages)
    assert main(["infer", str(pages), "--classifier", "weak", "-o", str(pages), flag, "--no-progress"]) == 2
    assert f"output {pages} is also an input" in err(capsys)
    assert snapshot(pages) == before
    assert main(["infer", str(pages), "--classifier", "weak", "-o", str(pages / "out.jsonl"), flag, "--no-progress"]) == 2
    assert "lies inside the input directory" in err(capsys)
    assert snapshot(pages) == before


def test_overwrite_never_removes_a_directory_vnnews_did_not_write(tmp_path, pages, capsys):
    some_dir = tmp_path / "some_dir"
    some_dir.mkdir()
    (some_dir / "important.txt").write_text("do not lose me", encoding="utf-8")
    assert main(["infer", str(pages), "--classifier", "weak", "-o", str(some_dir), "--overwrite", "--no-progress"]) == 2
    assert f"output {some_dir} is an existing directory that vnnews did not write" in err(capsys)
    assert (some_dir / "important.txt").read_text(encoding="utf-8") == "do not lose me"


def test_errors_path_is_checked_like_an_output(tmp_path, pages, capsys):
    out = str(tmp_path / "o.jsonl")
    page = pages / "002_25aafac0b17ae249.txt"
    before = page.read_bytes()
    assert main(["infer", str(pages), "--classifier", "weak", "-o", out, "--errors", str(page), "--no-progress"]) == 2
    assert f"errors file {page} lies inside the input directory" in err(capsys) and page.read_bytes() == before
    theirs = tmp_path / "errors.jsonl"
    theirs.write_text("their log\n", encoding="utf-8")
    for flags in ([], ["--overwrite"]):
        assert main(["infer", str(pages), "--classifier", "weak", "-o", out, "--errors", str(theirs), "--no-progress", *flags]) == 2
        assert f"errors file {theirs} is an existing file that vnnews did not write" in err(capsys)
        assert theirs.read_text(encoding="utf-8") == "their log\n"
    a_dir = tmp_path / "errdir"
    a_dir.mkdir()
    (a_dir / "x").write_text("x")
    assert main(["infer", str(pages), "--classifier", "weak", "-o", out, "--errors", str(a_dir), "--overwrite", "--no-progress"]) == 2
    assert (a_dir / "x").read_text() == "x"
    assert not Path(out).exists()


def test_kill_after_commit_before_parts_removed_gives_no_false_duplicates(tmp_path, pages, monkeypatch):
    """A real crash between the output's rename and the parts' removal, then --resume."""
    from vnnews.inference.store import PartStore

    out = tmp_path / "o.jsonl"
    config = InferenceConfig(classifier="weak", progress=False, chunk_size=2)

    def killed(self):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(PartStore, "remove", killed)
    with pytest.raises(KeyboardInterrupt):
        run_inference([pages], out, config)
    monkeypatch.undo()
    assert out.exists() and out.with_name("o.jsonl.parts").exists()
    result = run_inference([pages], out, config, resume=True)
    assert (result.done, result.skipped, result.failed) == (0, 5, 0)
    assert read_errors(result.errors_path) == []
    ids = [r["id"] for r in read_records(out)]
    assert len(ids) == len(set(ids)) == 5 and not out.with_name("o.jsonl.parts").exists()


def test_a_crash_while_swapping_a_saved_dataset_loses_nothing(tmp_path, pages, monkeypatch):
    out = tmp_path / "outdir"
    config = InferenceConfig(classifier="weak", progress=False)
    first = tmp_path / "first"
    first.mkdir()
    for name in sorted(p.name for p in pages.glob("00[0-2]*.txt")):
        shutil.copy(pages / name, first / name)
    run_inference([first], out, config)
    real_rename = os.rename

    def crash_on_second_rename(src, dst):
        if str(src).endswith(".outdir.tmp"):
            raise KeyboardInterrupt("killed between the renames")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", crash_on_second_rename)
    with pytest.raises(KeyboardInterrupt):
        run_inference([pages], out, config, resume=True)
    monkeypatch.undo()
    assert not out.exists() and (tmp_path / ".outdir.old").is_dir()  # the crash left the old one aside
    result = run_inference([pages], out, config, resume=True)
    ids = sorted(r["id"] for r in read_records(out))
    assert len(ids) == 5 and result.failed == 0 and not (tmp_path / ".outdir.old").exists()


def test_two_jobs_on_one_output_at_once(tmp_path, pages):
    out = tmp_path / "o.jsonl"
    with output_lock(out), pytest.raises(FileExistsError, match=f"another vnnews job \\(process {os.getpid()}\\) is writing output {out}"):
        run_inference([pages], out, InferenceConfig(classifier="weak", progress=False))
    assert not out.exists()
    assert run_inference([pages], out, InferenceConfig(classifier="weak", progress=False)).done == 5  # released


def test_pipeline_overwrite_refuses_a_directory_it_did_not_make(tmp_path, capsys):
    work = tmp_path / "work"
    work.mkdir()
    (work / "thesis.tex").write_text("years of work", encoding="utf-8")
    assert main(["pipeline", "--config", "configs/pipeline/tiny.yaml", f"work_dir={work}", "--overwrite"]) == 2
    assert f"working directory {work} is an existing directory that vnnews did not write" in err(capsys)
    assert (work / "thesis.tex").read_text(encoding="utf-8") == "years of work"


def test_failed_model_load_leaves_nothing_that_blocks_the_next_run(tmp_path, pages, capsys):
    out = tmp_path / "o.jsonl"
    assert main(["infer", str(pages), "--classifier", str(tmp_path / "no-such-model"), "-o", str(out), "--no-progress"]) == 2
    err(capsys)
    assert not out.with_name("o.jsonl.parts").exists()
    assert main(["infer", str(pages), "--classifier", "weak", "-o", str(out), "--no-progress"]) == 0


class _Failing(RuleLabeller):
    identity = {"id": "weak", "revision": None}

    def label(self, articles):
        raise RuntimeError("model broke")


def test_errors_of_a_failed_run_go_after_a_successful_resume(tmp_path, pages):
    out = tmp_path / "o.jsonl"
    config = InferenceConfig(classifier="weak", progress=False)
    failed = run_inference([pages], out, config, models=Models(classifier=_Failing()))
    assert failed.failed == 5 and len(read_errors(failed.errors_path)) == 5
    result = run_inference([pages], out, config, resume=True)
    assert result.done == 5 and read_errors(result.errors_path) == []


def test_resume_with_other_models_is_refused_naming_both(tmp_path, pages):
    out = tmp_path / "o.jsonl"
    config = InferenceConfig(classifier="weak", progress=False)
    run_inference([pages], out, config)
    before = out.read_bytes()

    class Other(RuleLabeller):
        identity = {"id": "runs/other-classifier", "revision": "sha256:abc"}

    with pytest.raises(FileExistsError, match=r"other models \(classifier weak\); this run has classifier runs/other-classifier@sha256:abc"):
        run_inference([pages], out, config, resume=True, models=Models(classifier=Other()))
    assert out.read_bytes() == before


def test_overwrite_keeps_the_old_output_until_the_new_one_is_complete(tmp_path, pages, monkeypatch):
    from vnnews.inference import stages

    out = tmp_path / "o.jsonl"
    config = InferenceConfig(classifier="weak", progress=False)
    run_inference([pages], out, config)
    before = out.read_bytes()

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed mid-job")

    monkeypatch.setattr(stages, "merge", killed)  # the end of the job, where parts become the output
    with pytest.raises(KeyboardInterrupt):
        run_inference([pages], out, config, overwrite=True)
    monkeypatch.undo()
    assert out.read_bytes() == before  # the earlier results survive a crash of the replacing job
    run_inference([pages], out, config, resume=True)  # continues the replacing job
    assert len(list(read_records(out))) == 5


def test_deeply_nested_json_line_is_reported_and_the_run_goes_on(tmp_path, pages, caplog):
    records = tmp_path / "recs.jsonl"
    good = json.dumps({"id": "ok", "title": "Tiêu đề", "body": ["Một câu."]}, ensure_ascii=False)
    records.write_text(good + "\n" + "[" * 100000 + "]" * 100000 + "\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    for flags in ([], ["--resume"]):
        assert main(["infer", str(records), "--classifier", "weak", "-o", str(out), "--no-progress", *flags]) == 0
    errors = read_errors(tmp_path / "o.jsonl.errors.jsonl")
    assert errors == [{"id": None, "source": str(records), "line": 2, "cause": "JSON nested too deeply to read"}]
    assert [r["id"] for r in read_records(out)] == ["ok"]
    assert main(["ingest", str(records), "-o", str(tmp_path / "i.jsonl")]) == 0
    assert f"skipped {records}:2: JSON nested too deeply" in caplog.text
    assert main(["build-dataset", str(records), "--out", str(tmp_path / "ds"), "num_proc=1"]) == 0
    assert "nested too deeply" in (tmp_path / "ds" / "errors.jsonl").read_text(encoding="utf-8")


def test_unreadable_subdirectory_is_reported_not_skipped(tmp_path, pages, monkeypatch):
    (pages / "locked").mkdir()
    shutil.copy(pages / "002_25aafac0b17ae249.txt", pages / "locked" / "x.txt")
    real_scandir = os.scandir

    def scandir(path="."):  # root reads any directory: deny this one the way chmod 000 does
        if isinstance(path, (str, os.PathLike)) and Path(path) == pages / "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = run_inference([pages], tmp_path / "o.jsonl", InferenceConfig(classifier="weak", progress=False))
    assert result.done == 5
    errors = read_errors(result.errors_path)
    assert errors == [{"id": None, "source": str(pages / "locked"), "line": None, "cause": "cannot read directory: Permission denied"}]


def test_a_fifo_named_like_a_page_is_skipped_with_an_error(tmp_path, pages):
    os.mkfifo(pages / "pipe.txt")
    result = run_inference([pages], tmp_path / "o.jsonl", InferenceConfig(classifier="weak", progress=False))
    assert result.done == 5
    assert read_errors(result.errors_path) == [{"id": None, "source": str(pages / "pipe.txt"), "line": None, "cause": "not a regular file (a FIFO): skipped"}]
    result = run_inference([pages / "pipe.txt", pages], tmp_path / "o2.jsonl", InferenceConfig(classifier="weak", progress=False))
    assert result.done == 5 and result.failed == 2  # named directly, and found in the directory: no hang either way
    assert len(read_errors(result.errors_path)) == 1  # the same report twice is listed once


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["classify_batch_size=0"], "classify_batch_size must be >= 1, got 0"),
        (["summarize_batch_size=-2"], "summarize_batch_size must be >= 1, got -2"),
        (["segment_workers=-1"], "segment_workers must be 'auto' or a number >= 0, got -1"),
        (["generation={num_beams: 0}"], "generation.num_beams: must be between 1 and 32, got 0"),
        (["generation={numbeams: 2}"], "generation.numbeams: unknown generation setting; did you mean num_beams"),
        (["generation={max_new_tokens: ten}"], "generation.max_new_tokens: expected int, got 'ten'"),
        (["generation={num_return_sequences: 3}"], "generation.num_return_sequences: not allowed"),
        (["device=cuda:7"], "device: 'cuda:7', but this machine has no CUDA device"),
        (["device=tpu"], "device: 'tpu' is not a device name"),
    ],
)
def test_bad_settings_are_one_line_errors_naming_the_key(tmp_path, pages, capsys, args, message):
    assert main(["infer", str(pages), "--classifier", "weak", "-o", str(tmp_path / "o.jsonl"), "--no-progress", *args]) == 2
    text = err(capsys)
    assert message in text and "Traceback" not in text and len(text.strip().splitlines()) == 1
    assert not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "port must be between 0 and 65535"),
        (["max_batch=0"], "max_batch must be >= 1"),
        (["summarize_batch_size=0"], "summarize_batch_size must be >= 1"),
        (["generation={num_beams: -1}"], "generation.num_beams: must be between 1 and 32, got -1"),
        (["device=cuda:7"], "cuda:7"),
    ],
)
def test_serve_refuses_bad_settings_in_one_line(capsys, args, message):
    assert main(["serve", "--classifier", "weak", *args]) == 2
    text = err(capsys)
    assert message in text and "Traceback" not in text


def test_push_with_the_network_down_is_one_line(tmp_path, capsys, monkeypatch):
    import subprocess
    import sys

    from vnnews.dataset import DatasetConfig, build_dataset

    build_dataset([RAW_DIR], tmp_path / "ds", DatasetConfig(num_proc=1))
    env = {**os.environ, "HF_ENDPOINT": "http://127.0.0.1:9", "HF_TOKEN": "hf_test", "HF_HUB_DISABLE_TELEMETRY": "1"}
    proc = subprocess.run([sys.executable, "-m", "vnnews", "push", "dataset", str(tmp_path / "ds"), "--repo-id", "org/x"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 2
    assert "vnnews: error: could not push to http://127.0.0.1:9" in proc.stderr and "Traceback" not in proc.stderr and "hf_test" not in proc.stderr


def test_a_mistyped_record_keeps_its_id_in_the_errors_file(tmp_path):
    records = tmp_path / "recs.jsonl"
    records.write_text('{"id": "a1", "text": 12345}\n{"id": "a2", "text": "Tin tức hôm nay."}\n', encoding="utf-8")
    result = run_inference([records], tmp_path / "o.jsonl", InferenceConfig(classifier="weak", progress=False))
    assert result.done == 1
    assert read_errors(result.errors_path) == [{"id": "a1", "source": str(records), "line": 1, "cause": "field 'text' must be a string, got int"}]
