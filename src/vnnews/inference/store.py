"""Where a batch job keeps its results until it is done: atomic part files.

Every chunk of articles becomes one part file, written under a temporary name,
flushed to disk and renamed into place, so at any moment (a kill -9 included) a
part is either complete or absent. A rerun with ``--resume`` reads the ids of the
parts already there (and of a finished output, when new inputs were added since)
and skips them; a chunk that was half-done when the job died is done again. The
final output is merged from the parts, again under a temporary name then renamed,
and only then are the parts removed: each input article ends up in the output
exactly once, and the errors file lists every article that could not be done.

The parts directory carries ``job.json`` (a token for this job, the models'
identities, and whether an existing output is part of the job). The output's
claim (:mod:`vnnews.outputs`) records the token of the job merged into it, so
parts left behind by a crash after the output was committed are recognised as
already merged, never merged twice.

Several processes (``accelerate launch``) share one parts directory, each writing
parts named after its rank; the merge runs once all have finished.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from vnnews.ingest import IngestError, first_of_each_id
from vnnews.outputs import commit_dir, commit_file, is_ours, mark_dir, read_claim, remove_ours, write_file, write_json

OutputFormat = Literal["jsonl", "parquet", "dataset", "markdown"]
MARKDOWN_RECORDS = "records.jsonl"  # beside the .md files of a Markdown output: the records (resume, read_records)
_PART_RE = re.compile(r"^part-r(\d{3})-(\d{6})\.jsonl$")
_MERGE_BATCH = 1000


def output_format(path: str | os.PathLike[str], requested: str | None = None) -> OutputFormat:
    """The format an output path asks for: ``.jsonl``, ``.parquet``, else a directory: a
    Markdown output (one file per article, ``requested="markdown"``, or an existing one:
    it holds ``records.jsonl``) or a saved dataset."""
    name = Path(path).name.lower()
    if requested not in (None, "auto"):
        if requested in ("dataset", "markdown") and (name.endswith((".jsonl", ".parquet")) or Path(path).is_file()):
            raise ValueError(f"{path}: --format {requested} writes a directory; give a path without .jsonl/.parquet")
        if requested in ("jsonl", "parquet") and not name.endswith(f".{requested}"):
            raise ValueError(f"{path}: --format {requested} writes a .{requested} file; give a path ending in .{requested}")
        if requested not in ("jsonl", "parquet", "dataset", "markdown"):
            raise ValueError(f"unknown output format {requested!r}: jsonl, parquet, dataset or markdown")
        return requested  # type: ignore[return-value]
    if name.endswith(".jsonl"):
        return "jsonl"
    if name.endswith(".parquet"):
        return "parquet"
    if Path(path).suffix and not Path(path).is_dir():
        raise ValueError(f"{path}: output must end in .jsonl or .parquet, or be a directory (a saved dataset, or Markdown with --format markdown)")
    return "markdown" if (Path(path) / MARKDOWN_RECORDS).is_file() else "dataset"


def default_errors_path(output: str | os.PathLike[str]) -> Path:
    """``<output>.errors.jsonl`` (``out.jsonl.errors.jsonl``, ``outdir.errors.jsonl``):
    next to the output, named after all of it, like its ``<output>.parts``
    directory, so jobs writing the same stem in two formats never share one."""
    out = Path(output)
    return out.with_name(out.name + ".errors.jsonl")


def _fsync_write(path: Path, lines: Iterable[str]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(line)
        f.flush()
        os.fsync(f.fileno())


class PartStore:
    """The parts directory of one job (``<output>.parts``), seen from one process."""

    def __init__(self, output: str | os.PathLike[str], rank: int = 0, fmt: OutputFormat | None = None) -> None:
        self.output = Path(output)
        self.format: OutputFormat = fmt or output_format(output)
        self.dir = self.output.with_name(self.output.name + ".parts")
        self.rank = rank
        self._seq = 0

    # -- state
    def exists(self) -> bool:
        return self.dir.is_dir()

    def part_files(self) -> list[Path]:
        if not self.dir.is_dir():
            return []
        return sorted(p for p in self.dir.iterdir() if _PART_RE.match(p.name))

    @property
    def job_file(self) -> Path:
        return self.dir / "job.json"

    def job(self) -> dict[str, Any] | None:
        """The job these parts belong to (token, models, include_output), if any."""
        try:
            return json.loads(self.job_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def begin(self, include_output: bool, models: dict[str, str | None], settings: dict[str, Any] | None = None) -> None:
        """(First process) create the directory, marked as vnnews's, and record the
        job (its models and the settings that shape its records), keeping the token
        of an interrupted one that is being resumed."""
        previous = self.job() or {}
        mark_dir(self.dir, written_by_command="vnnews infer")
        job = {"token": previous.get("token") or uuid.uuid4().hex, "include_output": include_output, "models": models, "settings": settings or {}}
        write_json(self.job_file, job)

    def merged_already(self) -> bool:
        """True when these parts were merged into the output before a crash kept
        them from being removed (the output's claim holds this job's token)."""
        job = self.job()
        claim = read_claim(self.output) if is_ours(self.output) else None
        return bool(job and claim and claim.get("job") == job.get("token"))

    def start(self) -> None:
        """Remove this rank's half-written parts (from a killed run) and its finished
        marker, and continue its part numbering."""
        for stale in self.dir.glob(f".part-r{self.rank:03d}-*.tmp"):
            stale.unlink(missing_ok=True)
        self.marker.unlink(missing_ok=True)
        mine = [int(m.group(2)) for p in self.part_files() if (m := _PART_RE.match(p.name)) and int(m.group(1)) == self.rank]
        self._seq = max(mine, default=0)

    def done_ids(self) -> set[str]:
        """Ids written in any part, by any rank. Articles that failed are not done:
        a resumed job tries them again."""
        return {entry["record"]["id"] for entry in self.entries() if "record" in entry}

    def entries(self) -> Iterator[dict[str, Any]]:
        for part in self.part_files():
            with open(part, encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        yield json.loads(line)

    # -- writing
    def write_part(self, records: list[dict[str, Any]], errors: list[dict[str, Any]]) -> Path | None:
        """One chunk's results, atomically. Returns the part's path (None if empty)."""
        if not records and not errors:
            return None
        self._seq += 1
        name = f"part-r{self.rank:03d}-{self._seq:06d}.jsonl"
        tmp = self.dir / f".{name}.tmp"
        lines = [json.dumps({"record": r}, ensure_ascii=False) + "\n" for r in records]
        lines += [json.dumps({"error": e}, ensure_ascii=False) + "\n" for e in errors]
        _fsync_write(tmp, lines)
        os.replace(tmp, self.dir / name)
        return self.dir / name

    # -- finishing (several processes)
    @property
    def marker(self) -> Path:
        return self.dir / f".finished-r{self.rank:03d}"

    def mark_finished(self, counts: dict[str, int]) -> None:
        """Say this rank is done, with its counts (written atomically, like a part)."""
        write_json(self.marker, counts)

    def wait_for(self, world_size: int, poll_s: float = 1.0) -> list[dict[str, int]]:
        """Block until every rank has marked itself finished; return their counts. A
        file marker, not a collective, so ranks may finish hours apart without a timeout."""
        markers = [self.dir / f".finished-r{r:03d}" for r in range(world_size)]
        while not all(m.exists() for m in markers):
            time.sleep(poll_s)
        return [json.loads(m.read_text(encoding="utf-8")) for m in markers]

    def remove(self) -> None:
        remove_ours(self.dir)


# ---------------------------------------------------------------- outputs
def read_records(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The records of a finished output, whatever its format, one at a time."""
    fmt = output_format(path)
    if fmt in ("jsonl", "markdown"):
        with open(Path(path) / MARKDOWN_RECORDS if fmt == "markdown" else path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=_MERGE_BATCH):
            yield from batch.to_pylist()
    else:
        import datasets

        ds = datasets.load_from_disk(str(path))
        for batch in ds.iter(batch_size=_MERGE_BATCH):
            keys = list(batch)
            for i in range(len(batch[keys[0]]) if keys else 0):
                yield {k: batch[k][i] for k in keys}


def read_ids(path: str | os.PathLike[str]) -> set[str]:
    """Ids in a finished output (reads only the id column where the format allows)."""
    fmt = output_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return set(pq.read_table(path, columns=["id"]).column("id").to_pylist())
    if fmt == "dataset":
        import datasets

        return set(datasets.load_from_disk(str(path))["id"])
    return {r["id"] for r in read_records(path)}


def read_errors(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    if not Path(path).exists():
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _batched(items: Iterable[dict[str, Any]], n: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch


def write_output(records: Iterable[dict[str, Any]], path: str | os.PathLike[str], fmt: OutputFormat | None = None, **claim: Any) -> int:
    """Write ``records`` (streamed) to ``path`` in its format (or ``fmt``), then commit it
    in one step (:mod:`vnnews.outputs`; ``claim`` is kept in its claim). Returns the count."""
    path = Path(path)
    fmt = fmt or output_format(path)
    tmp = path.with_name(f".{path.name}.tmp")
    count = _write_records(records, tmp, fmt)
    _commit(tmp, path, fmt, **claim)
    return count


def _commit(scratch: Path, path: Path, fmt: OutputFormat, **claim: Any) -> None:
    """Put the finished ``scratch`` output at ``path`` (a directory for a saved dataset or Markdown)."""
    (commit_dir if fmt in ("dataset", "markdown") else commit_file)(scratch, path, **claim)


def _write_records(records: Iterable[dict[str, Any]], path: Path, fmt: OutputFormat) -> int:
    """Write ``records`` to ``path`` (a scratch name of vnnews's own) in format ``fmt``."""
    from vnnews.inference.records import record_features

    if path.is_dir():
        shutil.rmtree(path)  # our own leftover: scratch names are ours alone
    count = 0
    if fmt == "markdown":  # one .md file per article, and the records beside them
        from vnnews.render import file_name, markdown

        path.mkdir()
        with open(path / MARKDOWN_RECORDS, "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
                (path / file_name(r["id"])).write_text(markdown(r), encoding="utf-8")
                count += 1
            f.flush()
            os.fsync(f.fileno())
    elif fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
                count += 1
            f.flush()
            os.fsync(f.fileno())
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = record_features().arrow_schema
        with pq.ParquetWriter(path, schema) as writer:
            for batch in _batched(records, _MERGE_BATCH):
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count += len(batch)
            if count == 0:
                writer.write_table(schema.empty_table())
    else:  # a saved dataset, converted from a temporary Parquet file (streamed both ways)
        import tempfile

        import datasets

        with tempfile.TemporaryDirectory(prefix=".vnnews-infer-", dir=path.parent) as work:
            count = _write_records(records, Path(work) / "records.parquet", "parquet")
            if count:
                ds = datasets.Dataset.from_parquet(str(Path(work) / "records.parquet"), features=record_features(), cache_dir=str(Path(work) / "cache"))
            else:  # datasets cannot read an empty Parquet file
                ds = datasets.Dataset.from_dict({k: [] for k in record_features()}, features=record_features())
            ds.save_to_disk(str(path), num_shards=None if count else 1)  # empty: one shard (huggingface/datasets#8385)
            del ds
    return count


def merge(store: PartStore, errors_path: str | os.PathLike[str], include_output: bool) -> tuple[int, int, int]:
    """Merge the parts (and the records of the existing output when ``include_output``:
    a resumed job) into the output and the errors file; then remove the parts.

    An id that appears twice (the same article in two inputs) is kept once; the
    later copy becomes an error. An error whose article has a record now (it
    failed in an earlier attempt and succeeded since) is dropped. The errors file
    is committed first and the output last, with this job's token in its claim:
    the output's commit is the moment the job is done, and parts still present
    after it are known to be merged. Returns (records written, errors written, later
    copies dropped): processes and Ray read tasks see only their own share of the
    input, so an id in two inputs can reach the parts twice."""
    previous_errors = read_errors(errors_path) if include_output else []
    job = store.job() or {}
    seen: set[str] = set()
    part_errors: list[dict[str, Any]] = []  # collected while the records stream by: the parts are read once
    duplicates: list[dict[str, Any]] = []
    fmt = store.format
    scratch = store.output.with_name(f".{store.output.name}.tmp")

    def part_records() -> Iterator[dict[str, Any]]:
        for entry in store.entries():
            if "record" in entry:
                yield entry["record"]
            else:
                part_errors.append(entry["error"])

    def records() -> Iterator[dict[str, Any]]:
        sources: list[Iterable[dict[str, Any]]] = []
        if include_output and store.output.exists():
            sources.append(read_records(store.output))
        sources.append(part_records())
        def later_copy(error: IngestError) -> None:
            duplicates.append({"id": error.article_id, "source": error.source, "line": None, "cause": error.cause + ", kept the first"})

        for r in first_of_each_id((r for source in sources for r in source), lambda r: r["id"], lambda r: r["source"], later_copy):
            seen.add(r["id"])
            yield r

    # the records go to a scratch output first; the errors are known once they have streamed by
    n_records = _write_records(records(), scratch, fmt)
    errors, keys = [], set()
    for e in previous_errors + part_errors + duplicates:
        key = (e.get("id"), e.get("source"), e.get("line"), e.get("cause"))
        resolved = e.get("id") in seen and not e.get("cause", "").startswith("duplicate article id")
        if key not in keys and not resolved:
            keys.add(key)
            errors.append(e)
    write_file(errors_path, (json.dumps(e, ensure_ascii=False) + "\n" for e in errors), written_by_command="vnnews infer")
    claim = {"written_by_command": "vnnews infer", "job": job.get("token"), "models": job.get("models"), "settings": job.get("settings")}
    _commit(scratch, store.output, fmt, **claim)
    store.remove()
    return n_records, len(errors), len(duplicates)
