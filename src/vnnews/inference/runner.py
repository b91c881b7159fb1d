"""``vnnews infer``: pages in, clean articles and summaries out, at batch scale.

The job streams: articles are pulled from the input a chunk at a time
(``chunk_size``), the lines of the whole chunk are pooled, sorted by length and
classified in shared batches, the chunk's bodies are summarized likewise, and
the chunk's records go to one atomic part file (see :mod:`vnnews.inference.store`)
before the next chunk is read. Memory therefore depends on the chunk size, not on
the input size, and a job can be killed at any moment and resumed.

Under ``accelerate launch`` (or ``torchrun``) each process reads its own share of
the input (:mod:`vnnews.inference.sources`), uses its own device, and writes its
own parts; the first process merges them when all are finished.

``engine: ray`` runs the same two stages (:func:`~vnnews.inference.stages.classify_stage`,
:func:`~vnnews.inference.stages.summarize_stage`) in Ray actor pools and stores their results with the same
part store (:mod:`vnnews.inference.ray_engine`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from vnnews.inference.records import error_record
from vnnews.inference.sources import estimate_total, input_articles, plan_share
from vnnews.inference.stages import (
    InferenceConfig,
    InferenceResult,
    LabelledArticle,
    Models,
    ProcessInfo,
    classify_stage,
    finish_job,
    isolated,
    load_models,
    process_info,
    stage_seconds,
    summarize_stage,
)
from vnnews.inference.store import PartStore, default_errors_path, output_format, read_ids
from vnnews.ingest import Article, IngestError, IngestOptions
from vnnews.outputs import OutputRefused, read_claim

log = logging.getLogger(__name__)
T = TypeVar("T")

@dataclass
class Prepared:
    """A chunk read (and, for the page labeller, encoded) ahead of the models: its
    articles, the time spent reading them, the ingestion errors met on the way, and
    the encoding with the time it took (None: encoded with the models, or failed)."""

    articles: list[Article]
    ingest_s: float
    errors: list[dict[str, Any]]
    encoded: list[Any] | None = None
    segment_s: float = 0.0


def _process_safely(
    articles: list[Article], models: Models, config: InferenceConfig, ingest_s: float, encoded: list[Any] | None = None, segment_s: float = 0.0, workers: int = 0
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, float]]:
    """Both stages over a chunk, each isolated (:func:`isolated`). The chunk's
    ``encoded`` pages serve the whole chunk; an article retried alone is encoded again."""

    def classify(batch: Sequence[Article]) -> list[LabelledArticle]:
        whole = encoded is not None and len(batch) == len(articles)
        share = len(batch) / len(articles)
        return classify_stage(batch, models.classifier, config, ingest_s * share, encoded if whole else None, segment_s if whole else 0.0, workers)

    labelled, errors = isolated(articles, classify, lambda a: a)
    identities = models.identities()
    records, more = isolated(labelled, lambda batch: summarize_stage(batch, models.summarizer, config, identities), lambda it: it.article)
    stage = stage_seconds(records)
    stage["ingest"] = ingest_s
    return records, errors + more, stage


# ---------------------------------------------------------------- the job
def _chunks(articles: Iterator[Article], size: int, done: set[str], counts: dict[str, int], bar: Any) -> Iterator[tuple[list[Article], float]]:
    """Chunks of not-yet-done articles, with the time spent reading each."""
    while True:
        t0 = time.perf_counter()
        chunk: list[Article] = []
        exhausted = False
        while len(chunk) < size:
            article = next(articles, None)
            if article is None:
                exhausted = True
                break
            if article.id in done:
                counts["skipped"] += 1
                bar.update(1)
                continue
            chunk.append(article)
        yield chunk, time.perf_counter() - t0
        if exhausted:
            return


@dataclass
class _Plan:
    """What the first process decided before any work: whether an existing output
    is part of this job, the models of the job being continued (if any), and the
    refusal every process must raise (if any)."""

    include_output: bool = False
    previous_models: dict[str, str | None] | None = None
    previous_settings: dict[str, Any] | None = None  # None: not recorded (a job of an older vnnews)
    refusal: str | None = None


def _plan_job(inputs: Sequence[str | os.PathLike[str]], output: Path, errors_path: Path, store: PartStore, resume: bool, overwrite: bool) -> _Plan:
    """(First process, under the output's lock, the output already checked) refuse
    what must be refused, clear the leftovers of a crash, and decide how the job
    relates to what is there.
    The old output is never deleted here (``--overwrite`` replaces it only when the
    new one is committed); only parts directories of vnnews's own may go."""
    from vnnews.outputs import check_output, recover_dir

    if errors_path.resolve() in (output.resolve(), store.dir.resolve()):
        raise OutputRefused(f"errors file {errors_path} is the output or its parts directory: choose another path")
    check_output(store.dir, inputs, "parts directory")
    check_output(errors_path, inputs, "errors file")
    if errors_path.is_dir():
        raise OutputRefused(f"errors file {errors_path} is a directory: choose a file path")
    recover_dir(output)
    if store.exists() and (store.merged_already() or not store.part_files()):
        store.remove()  # merged before a crash kept them from going, or a job that wrote nothing
    if (output.exists() or store.exists() or errors_path.exists()) and not (resume or overwrite):
        there = output if output.exists() else store.dir if store.exists() else errors_path
        raise OutputRefused(f"{there} exists: pass --resume to skip the articles already done, or --overwrite to start over")
    if overwrite:
        if store.exists():
            store.remove()  # an interrupted job's parts, given up as asked
        return _Plan(include_output=False)  # the old output stays until the new one is committed
    job = store.job() if store.exists() else None
    if job is not None:
        return _Plan(include_output=bool(job.get("include_output")), previous_models=job.get("models"), previous_settings=job.get("settings"))
    claim = read_claim(output) if output.exists() else None
    return _Plan(include_output=output.exists(), previous_models=(claim or {}).get("models"), previous_settings=(claim or {}).get("settings"))


def settings_conflict(previous: dict[str, Any] | None, current: dict[str, Any]) -> str | None:
    """The first record-shaping setting a resumed job changes, named with both values."""
    for key, value in current.items():
        if previous is not None and key in previous and previous[key] != value:
            return f"{key}={json.dumps(value, ensure_ascii=False)} in this run, {json.dumps(previous[key], ensure_ascii=False)} in the job being resumed"
    return None


def run_inference(
    inputs: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    config: InferenceConfig | None = None,
    resume: bool = False,
    overwrite: bool = False,
    errors_path: str | os.PathLike[str] | None = None,
    models: Models | None = None,
) -> InferenceResult:
    """Run the configured stages over ``inputs`` and write ``output`` (.jsonl,
    .parquet, or a directory for a saved dataset) and the errors file.

    Raises OutputRefused (a FileExistsError) when ``output`` (or an interrupted
    job's parts, or the errors file) exists and neither ``resume`` nor
    ``overwrite`` is given, when an output or errors path is an input or lies
    inside one, when a path exists that vnnews did not write, when another job
    holds the output, and when ``resume`` would mix the records of other models;
    ValueError for bad settings. ``overwrite`` keeps the old output until the new
    one is committed."""
    from vnnews.ingest.remote import is_remote
    from vnnews.outputs import locked_output

    config = config or InferenceConfig()
    config.resolved_stages()
    from vnnews.inference.launch import launched, resolve_processes

    if config.processes != 1 and not launched():
        if resolve_processes(config.processes) > 1:
            raise ValueError(
                "processes= is started by the command line (vnnews infer ... processes=N); from Python, run the script "
                "under torchrun --nproc_per_node N or accelerate launch --num_processes N, or leave processes at 1"
            )
    if is_remote(str(output)) or (errors_path is not None and is_remote(str(errors_path))):
        return _remote_output(inputs, str(output), config, resume, overwrite, str(errors_path) if errors_path else None, models)
    output = Path(output)
    fmt = output_format(output, config.output_format)  # validates the path before any work
    errors_path = Path(errors_path) if errors_path else default_errors_path(output)
    output.parent.mkdir(parents=True, exist_ok=True)  # as every vnnews command: the output's folders are made
    if config.engine == "ray":
        if launched():
            raise ValueError("engine=ray runs one driver that spreads the work over the Ray cluster: start it with `vnnews infer`, not under accelerate launch or torchrun")
        if models is not None:
            raise ValueError("models= (models loaded in this process) is for the local engine; the Ray engine's actors load their own")
        from vnnews.inference.ray_engine import ray_data

        ray_data()  # installed? before anything is locked or written
    proc = process_info()
    store = PartStore(output, proc.rank, fmt)
    with contextlib.ExitStack() as held:
        plan = _Plan()
        if proc.rank == 0:  # the first process holds the output's lock for the whole job
            try:
                held.enter_context(locked_output(output, inputs, "output"))
                plan = _plan_job(inputs, output, errors_path, store, resume, overwrite)
            except OutputRefused as exc:
                plan = _Plan(refusal=str(exc))
        plan = proc.broadcast(plan)
        if plan.refusal:
            raise OutputRefused(plan.refusal)
        engine = None
        if config.engine == "ray":
            from vnnews.inference.ray_engine import RayEngine

            engine = held.enter_context(RayEngine(config))
            identities = engine.identities()  # the models are loaded (and checked) before anything is written
        else:
            models = models or load_models(config, config.device or proc.device)  # before anything is written
            identities = models.identities()
            if config.adapt:
                models = _adapted(inputs, config, models, proc)
        if plan.previous_models is not None and plan.previous_models != identities:
            raise OutputRefused(
                f"{output} holds results of other models ({_describe(plan.previous_models)}); this run has {_describe(identities)}: "
                "--resume would mix them. Resume with the same models, or pass --overwrite to start over"
            )
        settings = config.record_settings()
        if (conflict := settings_conflict(plan.previous_settings, settings)) is not None:
            raise OutputRefused(f"{output} holds records made with other settings ({conflict}): --resume would mix them. Resume with the same settings, or pass --overwrite to start over")
        if proc.rank == 0:
            store.begin(plan.include_output, identities, settings)
        proc.barrier()
        store.start()
        done = store.done_ids() | (read_ids(output) if plan.include_output and output.exists() else set())
        proc.barrier()
        if engine is not None:
            return engine.run(inputs, store, done, errors_path, plan.include_output)
        return _run(inputs, config, models, store, proc, done, errors_path, plan.include_output)


def _remote_output(
    inputs: Sequence[str | os.PathLike[str]], url: str, config: InferenceConfig, resume: bool, overwrite: bool, errors_url: str | None, models: Models | None
) -> InferenceResult:
    """A job whose output (or errors file) is remote (``s3://...``): written in a local staging
    folder, resumable there like any job, and uploaded once complete (vnnews.ingest.remote).
    A remote output that exists is kept unless ``resume`` or ``overwrite`` is given, and it is
    replaced only by the upload of a complete one."""
    import sys

    from vnnews.ingest import remote

    if not remote.is_remote(url):
        raise ValueError(f"errors file {errors_url} is remote but the output {url} is not: give a remote output too, or a local errors file")
    errors_url = errors_url or url + ".errors.jsonl"
    stage = remote.staging_dir(url)
    local = stage / (remote.name(url) or "output")
    local_errors = stage / (remote.name(errors_url) or "errors.jsonl") if remote.is_remote(errors_url) else Path(errors_url)
    there = remote.exists(url)
    if there and not (resume or overwrite):
        raise OutputRefused(f"{url} exists: pass --resume to skip the articles already done (from this machine's staging folder {stage}), or --overwrite to start over")
    started_here = local.exists() or local.with_name(local.name + ".parts").exists()
    if there and resume and not started_here:
        raise OutputRefused(f"{url} exists, but this machine's staging folder {stage} has no job to resume (it ran elsewhere?): pass --overwrite to start over")
    stage.mkdir(parents=True, exist_ok=True)
    proc = process_info()
    if proc.rank == 0:
        print(f"infer: writing in {stage} first; uploaded to {url} once complete", file=sys.stderr)
    result = run_inference(inputs, local, config, resume=resume, overwrite=overwrite, errors_path=local_errors, models=models)
    if result.merged:
        remote.upload(local, url)
        uploaded = [url]
        if remote.is_remote(errors_url) and local_errors.exists():
            remote.upload(local_errors, errors_url)
            uploaded.append(errors_url)
        print(f"infer: uploaded {' and '.join(uploaded)}", file=sys.stderr)
    return result


def _adapted(inputs: Sequence[str | os.PathLike[str]], config: InferenceConfig, models: Models, proc: Any) -> Models:
    """``models`` with the classifier fitted to each site of the job (``config.adapt``):
    the inputs are read once first, up to ``adapt_max_pages`` pages a site."""
    import sys
    from collections import Counter
    from dataclasses import replace

    from vnnews.adapt import AdaptedLabeler, adapt_to_sites, check_adaptable
    from vnnews.ingest import IngestOptions
    from vnnews.layout import site_key

    if proc.world_size > 1:
        raise ValueError("adapt=true fits each site on the job's pages in one process: run `vnnews infer` without accelerate launch or torchrun")
    check_adaptable(models.classifier)
    per_site: Counter[str] = Counter()
    pages = []
    share = plan_share(inputs, 0, 1, lambda error: None, config.follow_symlinks)  # the job reports unreadable inputs itself
    for article in input_articles(share, IngestOptions.from_config(config), lambda error: None):
        site = site_key(article)
        if per_site[site] < config.adapt_max_pages:
            per_site[site] += 1
            pages.append(article)

    def said(result: Any) -> None:
        print(f"adapt: {result.site}: {result.describe()}", file=sys.stderr)

    adaptations = adapt_to_sites(models.classifier, pages, min_pages=config.adapt_min_pages, on_site=said)
    return replace(models, classifier=AdaptedLabeler(models.classifier, adaptations))


def _describe(identities: dict[str, str | None]) -> str:
    parts = [f"{role} {identities.get(role)}" + (f"@{identities.get(role + '_revision')}" if identities.get(role + "_revision") else "") for role in ("classifier", "summarizer") if identities.get(role)]
    return ", ".join(parts) or "no models"


def _prepare(
    articles: Iterator[Article],
    config: InferenceConfig,
    models: Models,
    done: set[str],
    counts: dict[str, int],
    bar: Any,
    pending: list[dict[str, Any]],
    workers: int,
) -> Iterator[Prepared]:
    """Chunks of not-yet-done articles, each with the errors met reading it and, when the
    classifier is the page labeller, its encoding (word segmentation and tokenization in
    ``workers`` processes, layout features here): the CPU half of the classify stage."""
    encode = getattr(models.classifier, "encode", None)
    for chunk, ingest_s in _chunks(articles, config.chunk_size, done, counts, bar):
        errors = pending[:]
        pending.clear()
        prepared = Prepared(chunk, ingest_s, errors)
        if encode is not None and chunk:
            t0 = time.perf_counter()
            try:
                prepared.encoded = encode(chunk, workers=workers)
                prepared.segment_s = time.perf_counter() - t0
            except Exception as exc:  # noqa: BLE001 - the classify stage encodes again, article by article
                log.warning("encoding a chunk ahead failed (%s): the classify stage retries it", exc)
        yield prepared


def ahead(items: Iterator[T], depth: int) -> Iterator[T]:
    """``items``, produced by a background thread up to ``depth`` items ahead of the
    consumer: the CPU prepares chunk N+1 (reading, segmentation in worker processes,
    layout features) while the models work on chunk N. An error in the producer is
    raised in the consumer; a consumer that stops early stops the producer."""
    import queue
    import threading

    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        box.put(("item", item), timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            box.put(("error", exc))

    thread = threading.Thread(target=produce, name="vnnews-prepare", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = box.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        while thread.is_alive():  # let a blocked put see the stop
            try:
                box.get_nowait()
            except queue.Empty:
                thread.join(0.1)


def _run(
    inputs: Sequence[str | os.PathLike[str]], config: InferenceConfig, models: Models, store: PartStore, proc: ProcessInfo, done: set[str], errors_path: Path, include_output: bool
) -> InferenceResult:
    import sys

    from tqdm.auto import tqdm

    from vnnews.console import bars_wanted
    from vnnews.machine import limit_threads, on_accelerator

    started = time.perf_counter()
    options = IngestOptions.from_config(config)
    pending: list[dict[str, Any]] = []
    counts = {"done": 0, "skipped": 0, "failed": 0}
    stage_total = {"ingest": 0.0, "segment": 0.0, "classify": 0.0, "summarize": 0.0, "write": 0.0}
    workers = config.workers() if hasattr(models.classifier, "encode") else 0
    limit_threads(workers, config.threads, accelerator=on_accelerator(models.classifier, models.summarizer))

    def on_error(error: IngestError) -> None:
        pending.append(error_record(error.article_id, error.source, error.cause, error.line))

    share = plan_share(inputs, proc.rank, proc.world_size, on_error, config.follow_symlinks)
    show = config.progress and bars_wanted()  # no bar in a log file or with -q (vnnews.console): nor the count for its ETA
    total = estimate_total(share, options) if show else None
    if total is not None and proc.world_size == 1:
        from vnnews.inference.launch import processes_hint

        hint = processes_hint(total, config, on_accelerator(models.classifier, models.summarizer))
        if hint:
            print(hint, file=sys.stderr)
    bar = tqdm(total=total, unit="article", desc=f"infer[{proc.rank}]" if proc.world_size > 1 else "infer", disable=not show, dynamic_ncols=True, smoothing=0.05)
    articles = input_articles(share, options, on_error)
    prepared = _prepare(articles, config, models, done, counts, bar, pending, workers)
    chunks = ahead(prepared, config.prepare_ahead) if workers else prepared  # with workers, the CPU half runs beside the models
    twins = config.near_duplicates(store)
    try:
        for item in chunks:
            records, errors, stage = (
                _process_safely(item.articles, models, config, item.ingest_s, item.encoded, item.segment_s, workers) if item.articles else ([], [], {"ingest": item.ingest_s})
            )
            t0 = time.perf_counter()
            errors = item.errors + errors
            if twins is not None:
                from vnnews.dedup import mark_records

                mark_records(records, twins)
            store.write_part(records, errors)
            stage_total["write"] += time.perf_counter() - t0
            for k, v in stage.items():
                stage_total[k] += v
            counts["done"] += len(records)
            counts["failed"] += len(errors)
            bar.update(len(item.articles))
            bar.set_postfix(done=counts["done"], failed=counts["failed"], refresh=False)
    finally:
        bar.close()
        if twins is not None:
            twins.close()
        if hasattr(models.classifier, "close"):
            models.classifier.close()  # encoding worker processes, if any
    if pending:  # errors met after the last chunk (a damaged file at the end of the input)
        store.write_part([], pending)
        counts["failed"] += len(pending)
    from vnnews.console import quiet

    cache = getattr(models.classifier, "line_cache", None)
    if cache is not None and cache.hit_rate is not None and not quiet():  # what encoding each line once per job saved
        print(f"infer{f'[{proc.rank}]' if proc.world_size > 1 else ''}: line cache: {cache.describe()}", file=sys.stderr)
    return finish_job(store, errors_path, include_output, counts, stage_total, started, proc)
