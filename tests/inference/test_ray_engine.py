"""The Ray engine of ``vnnews infer`` on a local Ray instance the tests start
(2 CPUs, a small object store), against the local engine's own results."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from tests.conftest import ROOT
from tests.ingest.test_warc import _warc
from vnnews.cli import main
from vnnews.inference import InferenceConfig, read_errors, read_records, run_inference
from vnnews.inference.stages import RaySettings

from .test_runner import _cli, _ids, records_file  # noqa: F401 - the fixture is shared

ray = pytest.importorskip("ray", reason="the Ray engine needs vnnews[ray]")

TINY_GENERATION = {"max_new_tokens": 6, "num_beams": 1}


@pytest.fixture(scope="module")
def ray_cluster():
    """A Ray instance of this machine for the module's tests: 2 CPUs, 100 MiB of
    object store, no dashboard; shut down after."""
    from vnnews.lifecycle import descendants, reap

    before = set(descendants(os.getpid()))
    ray.init(num_cpus=2, object_store_memory=100 * 1024**2, include_dashboard=False, logging_level="WARNING")
    yield ray.get_runtime_context().gcs_address
    started = [p for p in descendants(os.getpid()) if p not in before]
    ray.shutdown()
    reap(started)  # Ray's agents may outlive its raylet for a while: none outlives the module


def _close(a, b):
    """Records equal but for their line confidences, within 0.01: the classifier
    counts a line's repetition among the pages of its batch (menus repeat across a
    site's pages), and the engines batch pages differently, as two local runs with
    different chunk sizes do. Labels, texts, summaries and every other field must
    be equal."""
    if a.keys() != b.keys():
        return False
    for key in a:
        left, right = (a[key], b[key])
        if key != "lines":
            if left != right:
                return False
            continue
        if [(x["text"], x["label"]) for x in left] != [(y["text"], y["label"]) for y in right]:
            return False
        if any((x["confidence"] is None) != (y["confidence"] is None) or (x["confidence"] is not None and abs(x["confidence"] - y["confidence"]) > 0.01) for x, y in zip(left, right, strict=True)):
            return False
    return True


def _error_keys(path):
    return sorted((e["id"] or "", e["source"], e["line"] or 0, e["cause"]) for e in read_errors(path))


def test_same_records_and_errors_as_the_local_engine(tmp_path, ray_cluster, raw_dir, records_file, trained_classifier, trained_summarizer, capsys):  # noqa: F811
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "latin1.jsonl").write_bytes(b'{"id": "x", "text": "caf\xe9"}\n')
    (bad / "empty.txt").write_text("   \n", encoding="utf-8")
    _warc(bad / "crawl.warc.gz")  # a Vietnamese page, a French one (not in languages), an image, a redirect
    inputs = [raw_dir, records_file, bad]
    models = {"classifier": str(trained_classifier[0]), "summarizer": str(trained_summarizer[0])}
    capsys.readouterr()
    local = run_inference(inputs, tmp_path / "local.jsonl", InferenceConfig(**models, chunk_size=4, progress=False, generation=TINY_GENERATION))
    local_cache = re.search(r"infer: line cache: ([\d,]+) of ([\d,]+) lines reused", capsys.readouterr().err)
    config = InferenceConfig(**models, chunk_size=4, progress=False, generation=TINY_GENERATION, engine="ray")
    result = run_inference(inputs, tmp_path / "ray.parquet", config)
    # the classify actor's line cache in the job's summary: every line looked up once, as locally
    ray_cache = re.search(r"infer: line cache \(1 classify actor, one cache each\): ([\d,]+) of ([\d,]+) lines reused", capsys.readouterr().err)
    assert local_cache and ray_cache and ray_cache[2] == local_cache[2] and int(ray_cache[1].replace(",", "")) > 0
    expected = {r["id"]: r for r in read_records(tmp_path / "local.jsonl")}
    got = list(read_records(tmp_path / "ray.parquet"))
    assert len(expected) == 46 and len(got) == 46 and result.done == 46 == local.done
    assert {r["id"] for r in got} == set(expected)
    different = [r["id"] for r in got if not _close({k: v for k, v in r.items() if k != "timings"}, {k: v for k, v in expected[r["id"]].items() if k != "timings"})]
    assert different == []
    assert all(r["label_source"] == "model" and r["models"]["summarizer"] == models["summarizer"] for r in got)
    assert all((r["summary"] is not None) == bool(r["body"]) for r in got)  # summaries come from the second test
    assert all(r["timings"]["classify_s"] > 0 for r in read_records(tmp_path / "ray.parquet"))
    # the bad inputs reach the errors output with id, source, line and cause, the job goes on
    assert _error_keys(result.errors_path) == _error_keys(local.errors_path)
    causes = {(e["source"].rsplit("/", 1)[-1], e["line"]): e["cause"] for e in read_errors(result.errors_path)}
    assert "malformed JSON" in causes[("recs.jsonl", 6)] and "no text left" in causes[("recs.jsonl", 10)]
    assert "not UTF-8" in causes[("latin1.jsonl", 1)]
    warc = sorted(e["cause"] for e in read_errors(result.errors_path) if e["source"].startswith(str(bad / "crawl.warc.gz")))
    assert len(warc) == 3 and "written in fr" in warc[-1] and any("image/png" in c for c in warc)
    assert result.failed == local.failed == 7  # 4 bad files and lines, 3 WARC responses
    assert not (tmp_path / "ray.parquet.parts").exists()


def test_saved_datasets_and_parquet_inputs_summarize_only(tmp_path, ray_cluster, pages_dataset, trained_summarizer):
    """A saved dataset (its own labels) and a Parquet file of records (vnnews's own
    output read back) through the summarize stage alone: the local engine's records."""
    weak = run_inference([ROOT / "data" / "raw"], tmp_path / "weak.parquet", InferenceConfig(classifier="weak", progress=False))
    inputs = [pages_dataset, f"file://{weak.output}"]  # the Parquet file through fsspec (vnnews.ingest.remote), in Ray's read tasks too
    config = {"summarizer": str(trained_summarizer[0]), "progress": False, "generation": TINY_GENERATION, "chunk_size": 16}
    local = run_inference(inputs, tmp_path / "local.jsonl", InferenceConfig(**config))
    # preserve_order: the copy kept of an id found in both inputs is the first, as locally
    result = run_inference(inputs, tmp_path / "ray.jsonl", InferenceConfig(**config, engine="ray", ray=RaySettings(summarize_actors=2, read_tasks=2, preserve_order=True)))
    expected = {r["id"]: {k: v for k, v in r.items() if k != "timings"} for r in read_records(tmp_path / "local.jsonl")}
    got = {r["id"]: {k: v for k, v in r.items() if k != "timings"} for r in read_records(tmp_path / "ray.jsonl")}
    assert got == expected  # no classifier: nothing depends on the batching
    assert len(got) == 65 == result.done == local.done  # 62 + 5 pages, 2 of them in both inputs
    assert result.failed == local.failed == 2
    assert all("duplicate article id" in e["cause"] for e in read_errors(result.errors_path))
    assert {r["label_source"] for r in got.values()} == {"composed", "gold", "structured"}


def test_a_killed_job_resumed_has_every_article_once(tmp_path, ray_cluster, records_file, trained_summarizer):  # noqa: F811
    """The driver killed with SIGKILL once parts are written, then resumed: every
    article in the output exactly once, none half-written."""
    out = tmp_path / "out.jsonl"
    parts = tmp_path / "out.jsonl.parts"
    args = _cli(records_file, "--classifier", "weak", "--summarizer", trained_summarizer[0], "--output", out, "--chunk-size", 2,
                "--no-progress", "--resume", "--engine", "ray", "--ray-address", ray_cluster,
                "generation.num_beams=4", "generation.max_new_tokens=48", "generation.min_new_tokens=48")  # slow enough to be killed
    # default block size (about a chunk): results reach the driver, and their parts the disk, as they are made
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    deadline = time.time() + 180
    while time.time() < deadline and proc.poll() is None and not (parts.exists() and list(parts.glob("part-*"))):
        time.sleep(0.05)
    assert proc.poll() is None, "the job ended before it could be killed: " + proc.stderr.read().decode()[-2000:]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    written = len(list(parts.glob("part-*")))
    assert 1 <= written < 20 and not out.exists()  # killed part-way: some parts, no output yet
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    ids = Counter(_ids(out))
    expected = {json.loads(line)["id"] for line in records_file.read_text(encoding="utf-8").splitlines() if line.startswith('{"id": "vietnews')}
    assert len(expected) == 40 and set(ids) == expected and set(ids.values()) == {1}
    skipped = int(done.stderr.split(" skipped")[0].rsplit(", ", 1)[-1])
    assert skipped >= 1 and f"{40 - skipped} done, {skipped} skipped (already done), 2 failed" in done.stderr
    assert not parts.exists() and len(read_errors(tmp_path / "out.jsonl.errors.jsonl")) == 2


def test_blocks_hold_about_one_chunk_of_the_input(tmp_path):
    from vnnews.inference.ray_engine import block_size, plan_units

    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps({"id": str(i), "text": "x" * 1000}) + "\n" for i in range(200)), encoding="utf-8")
    units = plan_units([str(path)], 2, lambda e: None)
    per_article = path.stat().st_size / 200
    assert block_size(units, InferenceConfig(classifier="weak", chunk_size=64)) == int(2 * per_article * 64)
    assert block_size(units, InferenceConfig(classifier="weak", chunk_size=1)) == 16 * 1024  # the floor
    assert block_size(units, InferenceConfig(classifier="weak", ray=RaySettings(block_mib=0.5))) == 512 * 1024


def test_unknown_and_bad_options_fail_with_a_clear_message(tmp_path, ray_cluster, raw_dir, capsys):
    """Each refused run names its cause; the results of an earlier job stay as they were."""
    out = str(tmp_path / "out.jsonl")
    run_inference([raw_dir], out, InferenceConfig(classifier="weak", progress=False, engine="ray"))
    capsys.readouterr()
    earlier = (tmp_path / "out.jsonl").read_bytes()
    assert earlier.count(b"\n") == 5
    assert main(["infer", str(raw_dir), "--classifier", "weak", "-o", out, "--ray-address", "auto"]) == 2
    assert "--ray-address is for the Ray engine: add --engine ray" in capsys.readouterr().err
    assert main(["infer", str(raw_dir), "--classifier", "weak", "-o", out, "--engine", "ray", "ray.clasify_actors=2"]) == 2
    assert "unknown config key 'ray.clasify_actors'; did you mean ray.classify_actors" in capsys.readouterr().err
    assert main(["infer", str(raw_dir), "--classifier", "weak", "-o", out, "--engine", "ray", "ray.summarize_actors=0"]) == 2
    assert "ray.summarize_actors must be >= 1" in capsys.readouterr().err
    assert main(["infer", str(raw_dir), "--classifier", "weak", "-o", out, "engine=spark"]) == 2
    assert "engine: 'spark' is not one of ['local', 'ray']" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["infer", str(raw_dir), "--classifier", "weak", "-o", out, "--engine", "dask"])
    assert "invalid choice: 'dask'" in capsys.readouterr().err
    missing = tmp_path / "no-such-model"
    assert main(["infer", str(raw_dir), "--classifier", str(missing), "-o", out, "--engine", "ray", "--no-progress", "--resume"]) == 2
    assert str(missing) in capsys.readouterr().err
    assert (tmp_path / "out.jsonl").read_bytes() == earlier and not (tmp_path / "out.jsonl.parts").exists()


def test_the_resource_plan_fits_the_cluster_or_says_why():
    from vnnews.inference.ray_engine import plan_resources

    two_cpus = {"CPU": 2.0}
    assert plan_resources(RaySettings(), True, True, two_cpus, strict=True) == {"classify": (0.75, 0.0), "summarize": (0.75, 0.0)}
    assert plan_resources(RaySettings(), True, False, {"CPU": 16.0, "GPU": 2.0}, strict=True) == {"classify": (1.0, 1.0)}
    assert plan_resources(RaySettings(classify_num_gpus=0.5, classify_actors=4), True, False, {"CPU": 16.0, "GPU": 2.0}, strict=True)["classify"] == (1.0, 0.5)
    with pytest.raises(ValueError, match=r"needs 2.5 CPUs .* but the cluster has 2"):
        plan_resources(RaySettings(classify_num_cpus=1, summarize_num_cpus=1), True, True, two_cpus, strict=True)
    with pytest.raises(ValueError, match=r"needs 3 GPUs .* but the cluster has 2"):
        plan_resources(RaySettings(classify_actors=3), True, False, {"CPU": 16.0, "GPU": 2.0}, strict=True)
    # on a cluster (an autoscaler may add nodes): a warning, and the plan as asked
    assert plan_resources(RaySettings(classify_actors=3), True, False, {"CPU": 16.0, "GPU": 2.0}, strict=False) == {"classify": (1.0, 1.0)}
    with pytest.raises(ValueError, match="object_store_memory is in bytes"):
        RaySettings(object_store_memory=512)


def test_without_ray_the_engine_names_its_extra(tmp_path, raw_dir, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)
    assert main(["infer", str(raw_dir), "--classifier", "weak", "-o", str(tmp_path / "o.jsonl"), "--engine", "ray"]) == 2
    assert "pip install 'vnnews[ray]'" in capsys.readouterr().err
    assert not (tmp_path / "o.jsonl").exists()
