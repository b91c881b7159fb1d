"""The Ray engine of ``vnnews infer`` (``--engine ray``): the local job's stages as a
Ray Data pipeline, for inputs and clusters beyond one machine.

    plan (driver) -> read + ingest (tasks) -> classify (actor pool) -> summarize (actor pool) -> write (driver)

The driver plans the input units as the local engine does (files, JSONL and Parquet
files cut into interleaved parts, saved datasets in parts). Read tasks ingest and
normalise a unit each, skip the ids already done (``--resume``) and turn ingestion
errors into error rows. Classify actors hold the classifier (``ray.classify_num_gpus``
GPUs each where the cluster has GPUs), summarize actors the summarizer; they run the
local engine's own stage functions (:func:`~vnnews.inference.stages.classify_stage`,
:func:`~vnnews.inference.stages.summarize_stage`), so a record is the same whichever
engine wrote it. Rows that are not articles (errors, skipped ids) pass through.

The driver takes the finished rows as they stream out (Ray Data's backpressure stops
the reads when it falls behind, so memory stays bounded) and stores them the local
engine's way: one atomic part file per batch, then one atomic merge into the output
(:mod:`vnnews.inference.store`). A killed job resumed with ``--resume`` therefore
skips what its parts hold, and every article ends up in the output exactly once.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pickle
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from vnnews.extras import require
from vnnews.inference.records import error_record
from vnnews.inference.sources import Share, estimate_total, input_articles, is_saved_dataset
from vnnews.inference.stages import (
    InferenceConfig,
    InferenceResult,
    LabelledArticle,
    Models,
    classify_stage,
    finish_job,
    isolated,
    load_models,
    stage_seconds,
    summarize_stage,
)
from vnnews.inference.store import PartStore
from vnnews.ingest import Article, IngestError, IngestOptions, plan_shards

log = logging.getLogger(__name__)

# Row kinds between the stages; every row is {"kind", "id", "data"} (data: bytes).
ARTICLE, LABELLED, RECORD, ERROR, SKIPPED = "article", "labelled", "record", "error", "skipped"
STATS = "stats"  # a classify actor's line-cache counts for one batch (the job's summary sums them)


def _ray() -> Any:
    return require("ray", "ray", "the Ray engine (engine: ray)")


def ray_data() -> Any:
    """``ray.data``, or MissingExtra naming ``vnnews[ray]``."""
    return require("ray.data", "ray", "the Ray engine (engine: ray)")


# ---------------------------------------------------------------- rows
def _row(kind: str, article_id: str | None, data: Any) -> dict[str, Any]:
    if kind in (RECORD, ERROR, STATS):
        payload = json.dumps(data, ensure_ascii=False).encode("utf-8")
    elif kind == SKIPPED:
        payload = b""
    else:
        payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    return {"kind": kind, "id": article_id or "", "data": payload}


def _table(rows: Sequence[dict[str, Any]]) -> Any:
    import pyarrow as pa

    return pa.table(
        {
            "kind": pa.array([r["kind"] for r in rows], pa.string()),
            "id": pa.array([r["id"] for r in rows], pa.string()),
            "data": pa.array([r["data"] for r in rows], pa.binary()),
        }
    )


def _rows(table: Any) -> list[dict[str, Any]]:
    return table.to_pylist()


def _error_row(error: IngestError) -> dict[str, Any]:
    return _row(ERROR, error.article_id, error_record(error.article_id, error.source, error.cause, error.line))


# ---------------------------------------------------------------- read (tasks)
_DONE: dict[str, frozenset[str]] = {}  # per worker process: the done ids of a job, fetched once


def _done_ids(ref: Any) -> frozenset[str]:
    key = ref.hex()
    if key not in _DONE:
        _DONE.clear()
        _DONE[key] = frozenset(_ray().get(ref))
    return _DONE[key]


def read_unit(row: dict[str, Any], options: IngestOptions, done_ref: Any) -> Iterator[dict[str, Any]]:
    """The rows of one input unit (a :class:`Share` of the input, read as one local
    process reads its share): its articles (with the time spent reading each), the
    ids already done as ``skipped``, and ingestion errors, streamed."""
    share = Share(**json.loads(row["unit"]))
    done = _done_ids(done_ref[0])
    pending: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    for article in input_articles(share, options, lambda e: pending.append(_error_row(e))):
        seconds = time.perf_counter() - t0
        yield from pending
        pending.clear()
        yield _row(SKIPPED, article.id, None) if article.id in done else _row(ARTICLE, article.id, (article, seconds))
        t0 = time.perf_counter()
    yield from pending


def plan_units(inputs: Sequence[str], parts: int, on_error: Any, follow_symlinks: bool = True) -> list[Share]:
    """The read units of a job, each a :class:`Share` read by one task: every file
    (JSONL and Parquet files over 1 MiB cut into ``parts`` interleaved parts, as the
    local engine plans its processes' shares) and every saved dataset in ``parts`` parts."""
    files = [p for p in inputs if not is_saved_dataset(p)]
    units = [Share([str(p)], [], k, parts) for p in inputs if is_saved_dataset(p) for k in range(parts)]
    for shard in plan_shards(files, parts, on_error=on_error, follow_symlinks=follow_symlinks) if files else []:
        units += [Share([], [unit]) for unit in shard]
    return units


def block_size(units: Sequence[Share], config: InferenceConfig) -> int:
    """Bytes per Ray block: ``ray.block_mib`` when set, else about one chunk of articles.
    A task's results leave it only when a block fills (or the task ends), so blocks much
    larger than a chunk hold results back: a 1,000-article job once wrote all its parts
    in its last second, leaving a killed job nothing to resume from. One chunk's bytes
    are estimated from the input (bytes per article, gzip counted four-fold)."""
    if config.ray.block_mib is not None:
        return int(config.ray.block_mib * 1024**2)
    options = IngestOptions.from_config(config)
    articles = sum(estimate_total(unit, options) for unit in units)  # a dataset's parts each count their share
    size = 0
    for path in {p for unit in units for p, _, _, _ in unit.units} | {d for unit in units for d in unit.datasets}:
        target = Path(path)
        files = [target] if target.is_file() else [f for f in target.rglob("*") if f.is_file()] if target.is_dir() else []
        size += sum(f.stat().st_size * (4 if f.name.endswith(".gz") else 1) for f in files)
    per_article = size / max(1, articles) if size else 16 * 1024
    return int(min(64 * 1024**2, max(16 * 1024, 2 * per_article * config.chunk_size)))


# ---------------------------------------------------------------- classify, summarize (actors)
def _articles_in(rows: list[dict[str, Any]]) -> tuple[list[Article], list[float]]:
    items = [pickle.loads(r["data"]) for r in rows if r["kind"] == ARTICLE]
    return [a for a, _ in items], [s for _, s in items]


class ClassifyActor:
    """Holds the classifier; labels the articles of each batch (the local engine's
    classify stage over the whole batch, one article at a time if that fails)."""

    def __init__(self, config: InferenceConfig, identities: dict[str, str | None]) -> None:
        self.config = config
        self.models = load_models(config, config.device, roles=("classifier",))
        _check_identity(self.models, identities, "classifier")

    def __call__(self, table: Any) -> Any:
        rows = _rows(table)
        articles, ingest = _articles_in(rows)
        by_id = dict(zip((a.id for a in articles), ingest, strict=True))
        cache = getattr(self.models.classifier, "line_cache", None)
        before = (cache.hits, cache.misses) if cache is not None else (0, 0)
        labelled, errors = isolated(articles, lambda batch: classify_stage(batch, self.models.classifier, self.config, [by_id[a.id] for a in batch]), lambda a: a)
        out = [r for r in rows if r["kind"] != ARTICLE]
        out += [_row(LABELLED, it.article.id, it) for it in labelled]
        out += [_row(ERROR, e["id"], e) for e in errors]
        if cache is not None and (cache.hits, cache.misses) != before:
            out.append(_row(STATS, None, {"line_cache": [cache.hits - before[0], cache.misses - before[1]]}))
        return _table(out)


def finish_batch(table: Any, config: InferenceConfig, identities: dict[str, str | None], summarizer: Any = None) -> Any:
    """Records of a batch's labelled articles (the local engine's summarize stage, with
    ``summarizer`` None when the job does not summarize). Articles that reach it
    unlabelled (no classify stage) keep the input's labels."""
    rows = _rows(table)
    articles, ingest = _articles_in(rows)
    items: list[LabelledArticle] = [pickle.loads(r["data"]) for r in rows if r["kind"] == LABELLED]
    if articles:
        items += classify_stage(articles, None, config, ingest)
    records, errors = isolated(items, lambda batch: summarize_stage(batch, summarizer, config, identities), lambda it: it.article)
    out = [r for r in rows if r["kind"] not in (ARTICLE, LABELLED)]
    out += [_row(RECORD, r["id"], r) for r in records]
    out += [_row(ERROR, e["id"], e) for e in errors]
    return _table(out)


class SummarizeActor:
    """Holds the summarizer; writes each batch's records (:func:`finish_batch`)."""

    def __init__(self, config: InferenceConfig, identities: dict[str, str | None]) -> None:
        self.config = config
        self.identities = identities
        self.models = load_models(config, config.device, roles=("summarizer",))
        _check_identity(self.models, identities, "summarizer")

    def __call__(self, table: Any) -> Any:
        return finish_batch(table, self.config, self.identities, self.models.summarizer)


def _check_identity(models: Models, identities: dict[str, str | None], role: str) -> None:
    """An actor's model must be the job's (a directory replaced or a Hub branch moved
    since the job began would mix two models in one output)."""
    mine = models.identities()
    if (mine[role], mine[role + "_revision"]) != (identities[role], identities[role + "_revision"]):
        raise RuntimeError(
            f"this actor loaded {role} {mine[role]}@{mine[role + '_revision']}, but the job runs "
            f"{identities[role]}@{identities[role + '_revision']}: the model changed while the job ran"
        )


def job_identities(config: InferenceConfig) -> dict[str, str | None]:
    """The models' identities, from one Ray task that loads them on CPU (the driver
    need not hold a model, nor reach the model's storage)."""
    ray = _ray()
    task = ray.remote(num_cpus=1)(_identities)
    return ray.get(task.remote(config))


def _identities(config: InferenceConfig) -> dict[str, str | None]:
    return load_models(config, device="cpu").identities()


# ---------------------------------------------------------------- the job
def plan_resources(settings: Any, classify: bool, summarize: bool, resources: dict[str, float], strict: bool) -> dict[str, tuple[float, float]]:
    """(CPUs, GPUs) per actor of each stage. Unset CPUs: 1, or an equal share of what
    the read tasks leave when the cluster has fewer CPUs than actors; unset GPUs: 1
    where the cluster has GPUs. Actors that cannot all be placed beside one read task
    would stall the pipeline: an error on a Ray instance vnnews started (``strict``),
    a warning on a cluster (an autoscaler may add nodes)."""
    stages = [(name, getattr(settings, f"{name}_actors")) for name, on in (("classify", classify), ("summarize", summarize)) if on]
    cpus_total, gpus_total = float(resources.get("CPU", 0)), float(resources.get("GPU", 0))
    unset = sum(n for name, n in stages if getattr(settings, f"{name}_num_cpus") is None)
    fixed = sum(n * getattr(settings, f"{name}_num_cpus") for name, n in stages if getattr(settings, f"{name}_num_cpus") is not None)
    share = min(1.0, (cpus_total - settings.read_num_cpus - fixed) / unset) if unset else 1.0
    plan: dict[str, tuple[float, float]] = {}
    for name, _n in stages:
        cpus = getattr(settings, f"{name}_num_cpus")
        gpus = getattr(settings, f"{name}_num_gpus")
        plan[name] = (cpus if cpus is not None else round(max(share, 0.0), 3), gpus if gpus is not None else (1.0 if gpus_total > 0 else 0.0))
    need_cpus = settings.read_num_cpus + sum(n * plan[name][0] for name, n in stages)
    need_gpus = sum(n * plan[name][1] for name, n in stages)
    problems = []
    if unset and share <= 0 or need_cpus > cpus_total + 1e-9:
        problems.append(f"{need_cpus:g} CPUs (ray.read_num_cpus {settings.read_num_cpus:g} + the actors' ray.*_num_cpus) but the cluster has {cpus_total:g}")
    if need_gpus > gpus_total + 1e-9:
        problems.append(f"{need_gpus:g} GPUs (ray.*_num_gpus times ray.*_actors) but the cluster has {gpus_total:g}")
    if problems:
        message = "the Ray pipeline needs " + " and ".join(problems) + ": lower the actor counts or their resources"
        if strict:
            raise ValueError(message)
        log.warning("%s (going on: an autoscaler may add nodes)", message)
    return plan


class RayEngine:
    """Connects to Ray (or starts it on this machine) for one job; a context manager
    that shuts down only a Ray instance it started."""

    def __init__(self, config: InferenceConfig) -> None:
        self.config = config
        self.started = False
        self._before: set[int] = set()  # this process's children when Ray was started: not Ray's
        self._ray_roots: list[int] = []  # the processes ray.init started
        self._identities: dict[str, str | None] | None = None

    def __enter__(self) -> RayEngine:
        ray = _ray()
        settings = self.config.ray
        if ray.is_initialized():
            return self  # the caller's Ray (a notebook, a test, a script under ray job submit that called ray.init)
        if settings.address and settings.object_store_memory is not None:
            raise ValueError("ray.object_store_memory sizes a Ray instance vnnews starts; with ray.address the cluster's own setting applies")
        kwargs: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.WARNING}
        if settings.address:
            ray.init(address=settings.address, **kwargs)
            return self
        # Marked started before ray.init: a SIGTERM (SystemExit) or Ctrl-C while Ray is still
        # starting (seconds on a busy machine) must stop what it had started too; ``with``
        # calls no __exit__ when __enter__ raises, so this does.
        from vnnews.lifecycle import descendants

        self.started = True
        self._before = set(descendants(os.getpid()))  # this process's children that are not Ray's
        try:
            ray.init(object_store_memory=settings.object_store_memory, **kwargs)
        except BaseException:
            self.__exit__()
            raise
        self._ray_roots = self._new_processes()
        return self

    def _new_processes(self) -> list[int]:
        """The processes below this one that were not there before ``ray.init``: Ray's."""
        from vnnews.lifecycle import descendants

        return [p for p in descendants(os.getpid()) if p not in self._before]

    def __exit__(self, *exc: Any) -> None:
        if self.started:
            from vnnews.lifecycle import descendants, reap

            self.started = False
            # The Ray this job started (GCS, raylet, agents, workers): what ray.init started and
            # everything below it now. Never the caller's other children (a notebook's kernel
            # helpers, a test's server, a worker pool this process started after Ray).
            roots = self._ray_roots or self._new_processes()
            ours = list(dict.fromkeys(roots + [d for p in roots for d in descendants(p)]))
            try:
                _ray().shutdown()
            finally:
                # agents outlive the raylet for a while on their own (and a raylet cut off while
                # starting never asks them to stop): none outlives the job
                reap(ours + [d for root in roots for d in descendants(root) if d not in ours])
            self._ray_roots = []

    def identities(self) -> dict[str, str | None]:
        """The job's model identities (asked of Ray once, then kept)."""
        if self._identities is None:
            self._identities = job_identities(self.config)
        return self._identities

    def dataset(self, units: list[Share], done: set[str], resources: dict[str, float], block_bytes: int | None = None) -> Any:
        """The pipeline, lazily: read -> classify -> summarize (or, without a
        summarizer, records written by plain tasks). Rows travel in blocks of about
        ``block_bytes`` (default: :func:`block_size`)."""
        ray = _ray()
        from vnnews.console import bars_wanted

        rd = ray_data()
        config, settings = self.config, self.config.ray
        classify, summarize = config.resolved_stages()
        plan = plan_resources(settings, classify, summarize, resources, strict=self.started)
        context = rd.DataContext.get_current()
        context.execution_options.preserve_order = settings.preserve_order
        context.enable_progress_bars = config.progress and bars_wanted()  # none in a log file or with -q (vnnews.console)
        context.target_max_block_size = block_bytes or block_size(units, config)
        options = IngestOptions.from_config(config)
        done_ref = [ray.put(sorted(done))]  # in a list: Ray passes the reference, each worker fetches the ids once
        items = [{"unit": json.dumps(dataclasses.asdict(u))} for u in units]
        ds = rd.from_items(items, override_num_blocks=max(1, len(items)))
        read_compute = rd.TaskPoolStrategy(size=settings.read_tasks) if settings.read_tasks else None
        ds = ds.flat_map(read_unit, fn_kwargs={"options": options, "done_ref": done_ref}, compute=read_compute, num_cpus=settings.read_num_cpus)
        chunk = config.chunk_size
        identities = self.identities()
        common = {"fn_constructor_kwargs": {"config": config, "identities": identities}, "batch_size": chunk, "batch_format": "pyarrow"}
        if classify:
            cpus, gpus = plan["classify"]
            ds = ds.map_batches(ClassifyActor, compute=rd.ActorPoolStrategy(size=settings.classify_actors), num_cpus=cpus, num_gpus=gpus, **common)
        if summarize:
            cpus, gpus = plan["summarize"]
            return ds.map_batches(SummarizeActor, compute=rd.ActorPoolStrategy(size=settings.summarize_actors), num_cpus=cpus, num_gpus=gpus, **common)
        return ds.map_batches(finish_batch, fn_kwargs={"config": config, "identities": identities}, batch_size=chunk, batch_format="pyarrow", num_cpus=settings.read_num_cpus)

    def run(self, inputs: Sequence[str | Any], store: PartStore, done: set[str], errors_path: Path, include_output: bool) -> InferenceResult:
        """Run the pipeline, store its rows in part files as they arrive, then merge."""
        ray = _ray()
        started = time.perf_counter()
        counts = {"done": 0, "skipped": 0, "failed": 0}
        stage_total = {"ingest": 0.0, "segment": 0.0, "classify": 0.0, "summarize": 0.0, "write": 0.0}
        pending: list[dict[str, Any]] = []  # errors of the planning (unlistable directories), written with the first part
        resources = ray.cluster_resources()
        parts = self.config.ray.read_tasks or max(1, int(resources.get("CPU", 1)))
        units = plan_units([str(p) for p in inputs], parts, lambda e: pending.append(error_record(e.article_id, e.source, e.cause, e.line)), self.config.follow_symlinks)
        context = ray_data().DataContext.get_current()
        saved = (context.execution_options.preserve_order, context.enable_progress_bars, context.target_max_block_size)
        try:
            if units:
                self._stream(units, done, resources, store, counts, stage_total, pending)
        finally:  # the caller's Ray Data settings, as they were (a notebook, a script)
            context.execution_options.preserve_order, context.enable_progress_bars, context.target_max_block_size = saved
        if pending:
            store.write_part([], pending)
            counts["failed"] += len(pending)
        return finish_job(store, errors_path, include_output, counts, stage_total, started)

    def _stream(
        self,
        units: list[Share],
        done: set[str],
        resources: dict[str, float],
        store: PartStore,
        counts: dict[str, int],
        stage_total: dict[str, float],
        pending: list[dict[str, Any]],
    ) -> None:
        """Run the pipeline and store each batch that comes out as one atomic part."""
        ds = self.dataset(units, done, resources)
        twins = self.config.near_duplicates(store)
        cache = [0, 0]  # the classify actors' line caches: hits, misses
        for table in ds.iter_batches(batch_size=self.config.chunk_size, batch_format="pyarrow", prefetch_batches=1):
            records, errors = [], []
            for row in _rows(table):
                if row["kind"] == RECORD:
                    records.append(json.loads(row["data"]))
                elif row["kind"] == ERROR:
                    errors.append(json.loads(row["data"]))
                elif row["kind"] == SKIPPED:
                    counts["skipped"] += 1
                elif row["kind"] == STATS:
                    hits, misses = json.loads(row["data"])["line_cache"]
                    cache[0] += hits
                    cache[1] += misses
                else:
                    raise RuntimeError(f"the pipeline left a row of kind {row['kind']!r} (id {row['id']!r}) unfinished")
            t0 = time.perf_counter()
            if twins is not None:
                from vnnews.dedup import mark_records

                mark_records(records, twins)
            store.write_part(records, errors + pending)
            stage_total["write"] += time.perf_counter() - t0
            for k, v in stage_seconds(records).items():
                stage_total[k] += v
            counts["done"] += len(records)
            counts["failed"] += len(errors) + len(pending)
            pending.clear()
        if twins is not None:
            twins.close()
        from vnnews.console import quiet

        if sum(cache) and not quiet():  # what encoding each line once per actor saved (the local engine says the same)
            from vnnews.models.line_cache import reuse

            actors = self.config.ray.classify_actors
            print(f"infer: line cache ({actors} classify actor{'s' if actors != 1 else ''}, one cache each): {reuse(*cache)}", file=sys.stderr)
