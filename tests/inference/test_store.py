import json

import pytest

from vnnews.inference import PartStore, default_errors_path, output_format, read_ids, read_records, write_output
from vnnews.inference.records import RECORD_FEATURES, article_record
from vnnews.inference.store import merge
from vnnews.ingest import Article, Line


def _records(ids):
    return [article_record(Article(i, "s", [Line("x"), Line("y")]), ["title", "body"], [1.0, 0.5], "model", "t", {}, {}) for i in ids]


def test_output_format_and_errors_path(tmp_path):
    assert output_format(tmp_path / "a.jsonl") == "jsonl"
    assert output_format(tmp_path / "a.parquet") == "parquet"
    assert output_format(tmp_path / "outdir") == "dataset"
    with pytest.raises(ValueError, match="must end in .jsonl or .parquet"):
        output_format(tmp_path / "a.csv")
    assert default_errors_path(tmp_path / "a.jsonl").name == "a.jsonl.errors.jsonl"
    assert default_errors_path(tmp_path / "outdir").name == "outdir.errors.jsonl"


@pytest.mark.parametrize("name", ["out.jsonl", "out.parquet", "outdir"])
def test_every_format_round_trips_the_same_records(tmp_path, name):
    records = _records(["a", "b", "c"])
    assert write_output(iter(records), tmp_path / name) == 3
    back = list(read_records(tmp_path / name))
    assert [r["id"] for r in back] == ["a", "b", "c"]
    assert back[0]["lines"][1] == {"text": "y", "label": "body", "confidence": 0.5}
    assert back[0]["body"] == ["y"] and back[0]["models"]["classifier"] is None
    assert read_ids(tmp_path / name) == {"a", "b", "c"}
    assert not list(tmp_path.glob(".*tmp"))  # written under a temporary name, then renamed


@pytest.mark.parametrize("name", ["out.jsonl", "out.parquet", "outdir"])
def test_empty_output_is_still_readable(tmp_path, name):
    assert write_output(iter([]), tmp_path / name) == 0
    assert list(read_records(tmp_path / name)) == []


def test_parts_are_atomic_and_numbered_per_rank(tmp_path):
    out = tmp_path / "o.jsonl"
    s0, s1 = PartStore(out, 0), PartStore(out, 1)
    s0.begin(include_output=False, models={})
    s0.start()
    s1.start()
    (s0.dir / ".part-r000-000009.jsonl.tmp").write_text('{"record": {"id": "half')  # a killed writer's leftover
    s0.write_part(_records(["a"]), [])
    s1.write_part(_records(["b"]), [{"id": "c", "source": "s", "line": None, "cause": "bad"}])
    assert [p.name for p in s0.part_files()] == ["part-r000-000001.jsonl", "part-r001-000001.jsonl"]
    assert s0.done_ids() == {"a", "b"}  # "c" failed: a resumed job tries it again
    assert s0.write_part([], []) is None
    again = PartStore(out, 0)
    again.start()  # a rerun: removes its rank's temporary files, continues numbering
    assert not list(s0.dir.glob(".part-r000-*.tmp"))
    again.write_part(_records(["d"]), [])
    assert (s0.dir / "part-r000-000002.jsonl").exists()


def test_merge_keeps_each_id_once_and_collects_errors(tmp_path):
    out = tmp_path / "o.jsonl"
    store = PartStore(out, 0)
    store.begin(include_output=False, models={})
    store.start()
    store.write_part(_records(["a", "b"]), [{"id": None, "source": "bad.txt", "line": None, "cause": "not text"}])
    store.write_part(_records(["b", "c"]), [{"id": None, "source": "bad.txt", "line": None, "cause": "not text"}])
    n, n_err, _ = merge(store, default_errors_path(out), include_output=False)
    assert [r["id"] for r in read_records(out)] == ["a", "b", "c"] and n == 3
    errors = [json.loads(line) for line in default_errors_path(out).read_text(encoding="utf-8").splitlines()]
    assert n_err == 2
    assert errors[0]["source"] == "bad.txt"  # reported twice (two runs), kept once
    assert "duplicate article id 'b'" in errors[1]["cause"]
    assert not store.dir.exists()  # parts removed once the output is in place


def test_merge_into_an_existing_output_keeps_its_records(tmp_path):
    out = tmp_path / "o.parquet"
    write_output(iter(_records(["a"])), out)
    store = PartStore(out, 0)
    store.begin(include_output=True, models={})
    store.start()
    store.write_part(_records(["z"]), [])
    merge(store, default_errors_path(out), include_output=True)
    assert [r["id"] for r in read_records(out)] == ["a", "z"]
    assert set(RECORD_FEATURES) == set(next(read_records(out)))


def test_parts_left_by_a_crash_after_the_commit_are_known_as_merged(tmp_path):
    """A kill after the output is committed and before the parts are removed: the
    parts are recognised (the output's claim holds the job's token), not merged twice."""
    out = tmp_path / "o.jsonl"
    store = PartStore(out, 0)
    store.begin(include_output=False, models={"classifier": "weak"})
    store.start()
    store.write_part(_records(["a", "b"]), [])
    assert not store.merged_already()
    kept = tmp_path / "kept"
    import shutil

    shutil.copytree(store.dir, kept)
    merge(store, default_errors_path(out), include_output=False)
    shutil.copytree(kept, store.dir)  # as if the removal never happened
    assert store.merged_already()


def test_errors_resolved_by_a_later_success_are_dropped(tmp_path):
    out = tmp_path / "o.jsonl"
    store = PartStore(out, 0)
    store.begin(include_output=False, models={})
    store.start()
    store.write_part([], [{"id": "a", "source": "s", "line": None, "cause": "RuntimeError: boom"}])
    store.write_part(_records(["a"]), [])  # the retry succeeded
    _, n_err, _ = merge(store, default_errors_path(out), include_output=False)
    assert n_err == 0 and default_errors_path(out).read_text(encoding="utf-8") == ""
