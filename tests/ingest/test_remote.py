"""Remote inputs and outputs through fsspec (issue 36, item 2), on fsspec's in-memory
filesystem only (never the network): the same articles as the same files on disk, folders
and glob patterns listed, files streamed rather than downloaded first, a job's output
written locally and uploaded once complete, one clear error where a store cannot be read."""

import gzip
import io
import json
import shutil
import uuid

import fsspec
import pytest

from tests.conftest import RAW_DIR
from vnnews.cli import main
from vnnews.ingest import IngestOptions, iter_articles, plan_shards
from vnnews.ingest import remote as remote_mod
from vnnews.ingest.readers import is_url
from vnnews.ingest.remote import is_remote


def _files(folder):
    """A folder of pages, a gzipped JSONL file, a Parquet file and a WARC file, a hidden file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests.ingest.test_warc import _warc

    (folder / "pages").mkdir(parents=True)
    for page in sorted(RAW_DIR.glob("*.txt"))[:3]:
        shutil.copy(page, folder / "pages" / page.name)
    (folder / "recs.jsonl.gz").write_bytes(gzip.compress("".join(json.dumps({"id": f"r{i}", "text": f"Tin số {i}\nĐoạn văn thứ {i} của bài."}, ensure_ascii=False) + "\n" for i in range(5)).encode("utf-8")))
    buf = io.BytesIO()
    pq.write_table(pa.table({"id": ["p1", "p2"], "text": ["Tiêu đề một\nĐoạn một.", "Tiêu đề hai\nĐoạn hai."]}), buf)
    (folder / "rows.parquet").write_bytes(buf.getvalue())
    _warc(folder / "crawl.warc.gz")
    (folder / ".hidden.txt").write_text("không đọc", encoding="utf-8")


@pytest.fixture
def bucket(tmp_path):
    """The files of ``_files`` on disk and at memory://<unique>/crawl/."""
    local = tmp_path / "crawl"
    _files(local)
    fs = fsspec.filesystem("memory")
    root = f"/{uuid.uuid4().hex}"
    for path in local.rglob("*"):
        if path.is_file():
            fs.pipe(f"{root}/crawl/{path.relative_to(local).as_posix()}", path.read_bytes())
    yield local, f"memory://{root}/crawl"
    fs.rm(root, recursive=True)


def _view(articles):
    return [(a.id, a.texts, a.meta.get("url")) for a in articles]


def test_a_remote_folder_gives_the_articles_of_the_same_files_on_disk(bucket):
    local, url = bucket
    local_errors, remote_errors = [], []
    on_disk = list(iter_articles([local], IngestOptions(), local_errors.append))
    far = list(iter_articles([url + "/"], IngestOptions(), remote_errors.append))
    assert len(on_disk) == 3 + 5 + 2 + 2 and _view(far) == _view(on_disk)  # pages, JSONL, Parquet, WARC; not the hidden file
    assert [e.cause for e in remote_errors] == [e.cause for e in local_errors]  # the WARC's image and redirect, said the same way
    assert all(a.source.startswith("memory:///") for a in far)
    pattern = list(iter_articles([url + "/*.jsonl.gz"], IngestOptions()))
    assert [a.id for a in pattern] == [f"r{i}" for i in range(5)]
    shards = plan_shards([url], 2, split_jsonl_bytes=100)
    assert sorted(u[1] for shard in shards for u in shard if u[3] == 1) == [f"pages/{p.name}" for p in sorted(RAW_DIR.glob("*.txt"))[:3]]
    assert {u[1] for shard in shards for u in shard if u[3] == 2} == {"recs.jsonl.gz", "rows.parquet", "crawl.warc.gz"}  # big files shared by parts


def test_a_remote_file_is_streamed_not_downloaded_first(monkeypatch):
    fs = fsspec.filesystem("memory")
    path = f"/{uuid.uuid4().hex}/big.jsonl"
    line = json.dumps({"id": "x", "text": "Tin\n" + "Đoạn văn dài. " * 200}, ensure_ascii=False)
    fs.pipe(path, "".join(line.replace('"x"', f'"a{i}"') + "\n" for i in range(3000)).encode("utf-8"))  # about 8 MB
    read = []
    real = remote_mod.open_input

    def counting(where):
        stream = real(where)
        inner = stream.read

        def read_counted(size=-1):
            data = inner(size)
            read.append(len(data))
            return data

        stream.read = read_counted
        return stream

    monkeypatch.setattr("vnnews.ingest.streams.open_input", counting)
    first = next(iter_articles([f"memory://{path}"], IngestOptions()))
    assert first.id == "a0" and sum(read) <= 2 << 20 < fs.size(path)  # one block read for the first article, not the file
    fs.rm(path)


def test_what_cannot_be_read_is_one_error_naming_it():
    errors = []
    assert list(iter_articles(["memory://no-such-bucket/crawl/"], IngestOptions(), errors.append)) == []
    assert [str(e) for e in errors] == ["memory://no-such-bucket/crawl/: no such file or folder"]
    errors.clear()
    try:
        import s3fs  # noqa: F401
    except ImportError:
        assert list(iter_articles(["s3://bucket/crawl/"], IngestOptions(), errors.append)) == []
        assert len(errors) == 1 and "needs s3fs (pip install s3fs)" in errors[0].cause


def test_which_inputs_are_remote_and_which_are_refused_page_addresses():
    assert is_remote("s3://bucket/crawl/") and is_remote("memory://x/y.jsonl") and is_remote("hf://datasets/org/name/data/")
    assert is_remote("https://data.commoncrawl.org/crawl-data/CC-NEWS/2026/07/CC-NEWS-1.warc.gz") and is_remote("https://example.vn/dumps/")
    assert not is_remote("https://vnexpress.net/abc.html") and is_url("https://vnexpress.net/abc.html")  # a page: vnnews does not fetch it
    assert not is_remote("data/raw") and not is_remote("C:/pages") and not is_remote("nosuch://x/y.jsonl")


def test_infer_from_and_to_a_bucket_uploads_the_complete_output_and_keeps_what_is_there(bucket, tmp_path, monkeypatch, capsys):
    local, url = bucket
    monkeypatch.setenv("VNNEWS_STAGING", str(tmp_path / "staging"))
    fs = fsspec.filesystem("memory")
    out = url.replace("/crawl", "/out") + "/records.jsonl"
    assert main(["infer", url, "--classifier", "weak", "-o", out, "--no-progress", "--languages", "all"]) == 0
    err = capsys.readouterr().err
    assert f"infer: uploaded {out} and {out}.errors.jsonl" in err
    written = [json.loads(line) for line in fs.cat(out.removeprefix("memory://")).decode("utf-8").splitlines()]
    local_out = tmp_path / "local.jsonl"
    assert main(["infer", str(local), "--classifier", "weak", "-o", str(local_out), "--no-progress", "--languages", "all"]) == 0
    expected = [json.loads(line) for line in local_out.read_text(encoding="utf-8").splitlines()]
    strip = lambda r: {k: v for k, v in r.items() if k not in ("timings", "source")}  # noqa: E731
    assert [strip(r) for r in written] == [strip(r) for r in expected] and len(written) == 12
    errors = fs.cat(out.removeprefix("memory://") + ".errors.jsonl").decode("utf-8")
    assert "image/png response, not HTML" in errors
    # the remote output is kept: refused without --resume or --overwrite, said in one line
    before = fs.cat(out.removeprefix("memory://"))
    assert main(["infer", url, "--classifier", "weak", "-o", out, "--no-progress", "--languages", "all"]) == 2
    assert f"{out} exists: pass --resume" in capsys.readouterr().err and fs.cat(out.removeprefix("memory://")) == before
    # --resume: nothing left to do, the same output; --overwrite: written again
    assert main(["infer", url, "--classifier", "weak", "-o", out, "--no-progress", "--languages", "all", "--resume"]) == 0
    assert "0 done, 12 skipped" in capsys.readouterr().err and fs.cat(out.removeprefix("memory://")) == before
    assert main(["infer", url, "--classifier", "weak", "-o", out, "--no-progress", "--overwrite"]) == 0  # Vietnamese pages only now
    assert len(fs.cat(out.removeprefix("memory://")).decode("utf-8").splitlines()) == 11


def test_an_https_listing_and_file_are_read_from_a_local_server(tmp_path):
    """http(s) collections (a listing ending in /, a JSONL file) through fsspec's HTTP
    filesystem, from a server on this machine."""
    import functools
    import http.server
    import threading

    from tests.conftest import local_server

    pytest.importorskip("aiohttp")
    (tmp_path / "dumps").mkdir()
    records = "".join(json.dumps({"id": f"r{i}", "text": f"Tin số {i}\nĐoạn văn thứ {i} của bài."}, ensure_ascii=False) + "\n" for i in range(3))
    (tmp_path / "dumps" / "recs.jsonl").write_text(records, encoding="utf-8")
    (tmp_path / "dumps" / "more.jsonl.gz").write_bytes(gzip.compress(records.replace('"r', '"m').encode("utf-8")))
    handler = functools.partial(type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None}), directory=str(tmp_path))
    server = local_server(handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/dumps/"
        assert is_remote(base) and is_remote(base + "recs.jsonl")
        errors = []
        listed = [a.id for a in iter_articles([base], IngestOptions(), errors.append)]
        assert sorted(listed) == ["m0", "m1", "m2", "r0", "r1", "r2"] and errors == []
        assert [a.id for a in iter_articles([base + "recs.jsonl"], IngestOptions())] == ["r0", "r1", "r2"]
        missing = []
        assert list(iter_articles([base + "gone.jsonl"], IngestOptions(), missing.append)) == [] and len(missing) == 1
        assert missing[0].source.endswith("gone.jsonl") and "no such file" in missing[0].cause
    finally:
        server.shutdown()
        server.server_close()
