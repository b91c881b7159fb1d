"""What both engines of ``vnnews infer`` share (the local one, :mod:`vnnews.inference.runner`,
and Ray's, :mod:`vnnews.inference.ray_engine`): the job's settings, the models, the two
stages every chunk goes through (:func:`classify_stage`, :func:`summarize_stage`), one
article's failure kept to itself (:func:`isolated`) and the end of a job (:func:`finish_job`).
The service and ``vnnews.extract`` use the same stage functions. Apart from the runner so
that the runner, which starts the Ray engine, and the Ray engine do not import each other.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from vnnews.inference.records import article_record, error_record, summary_document
from vnnews.inference.store import PartStore, merge
from vnnews.ingest import DEFAULT_MAX_PAGE_BYTES, DEFAULT_MAX_PAGE_LINES, DEFAULT_PAGE_TIME_LIMIT_S, Article

log = logging.getLogger(__name__)

WEAK = "weak"  # --classifier weak: the rule labeller, no model


@dataclass
class RaySettings:
    """Knobs of the Ray engine (``engine: ray``; :mod:`vnnews.inference.ray_engine`).
    The local engine ignores them."""

    address: str | None = None  # None: start a Ray instance on this machine; "auto": the cluster this machine is in; "ray://HOST:10001": a remote one
    read_tasks: int | None = None  # input units read at once (None: Ray decides from the cluster's CPUs)
    read_num_cpus: float = 0.5  # CPUs reserved per read task (ingestion is light next to the models)
    classify_actors: int = 1  # actors holding the classifier, each loading it once
    summarize_actors: int = 1  # actors holding the summarizer
    # CPUs reserved per actor (torch runs as many threads); None: 1, or an equal share of what
    # the reads leave when the cluster has too few CPUs for that (2 CPUs: 0.75 each)
    classify_num_cpus: float | None = None
    classify_num_gpus: float | None = None  # GPUs per classify actor; None: 1 where the cluster has GPUs, else 0
    summarize_num_cpus: float | None = None
    summarize_num_gpus: float | None = None
    object_store_memory: int | None = None  # bytes; only for the Ray instance vnnews starts itself (None: Ray's default)
    # Rows flow between stages and back to the driver in blocks of at most this size: a
    # task's results leave it only when a block fills, so smaller blocks give finer progress
    # and resume (Ray's default, 128 MiB, holds thousands of pages). None: about one chunk
    # of articles, estimated from the input's bytes per article
    block_mib: float | None = None
    preserve_order: bool = False  # records in input order (a slow batch then holds back the ones behind it)

    def __post_init__(self) -> None:
        for name in ("classify_actors", "summarize_actors"):
            if getattr(self, name) < 1:
                raise ValueError(f"ray.{name} must be >= 1, got {getattr(self, name)}")
        if self.read_tasks is not None and self.read_tasks < 1:
            raise ValueError(f"ray.read_tasks must be >= 1 or null, got {self.read_tasks}")
        if self.block_mib is not None and self.block_mib <= 0:
            raise ValueError(f"ray.block_mib must be > 0, got {self.block_mib}")
        if self.read_num_cpus <= 0:
            raise ValueError(f"ray.read_num_cpus must be > 0, got {self.read_num_cpus}")
        for name in ("classify_num_cpus", "summarize_num_cpus", "classify_num_gpus", "summarize_num_gpus"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"ray.{name} must be >= 0, got {value}")
        if self.object_store_memory is not None and self.object_store_memory < 75 * 1024**2:
            raise ValueError(f"ray.object_store_memory is in bytes and Ray needs at least 75 MiB (78643200), got {self.object_store_memory}")


@dataclass
class InferenceConfig:
    """Knobs of ``vnnews infer`` (configs/inference/default.yaml)."""

    classifier: str | None = None  # model directory, Hub id, or "weak" (the rule labeller)
    classifier_revision: str | None = None  # Hub branch, tag or commit
    summarizer: str | None = None
    summarizer_revision: str | None = None
    stages: Literal["auto", "classify", "summarize", "both"] = "auto"  # auto: the stages whose model is given
    chunk_size: int = 256  # articles per part file; their lines and bodies are batched together
    classify_batch_size: int | None = None  # lines per forward pass; None: by device (128 on a CPU, 4,096 on a GPU)
    encoder_batch_tokens: int | None = None  # padded tokens per line-encoder call; None: by device (1,024 CPU, 65,536 GPU)
    # MiB of line vectors kept across the job's pages (vnnews.models.line_cache): a site's menus
    # and footers are encoded once per job; 0 or null: none. Labels are the same either way.
    line_cache_mib: float | None = 256  # vnnews.models.line_cache.DEFAULT_CACHE_MIB (not imported: torch loads late)
    # Processes for word segmentation + tokenization, the classifier's CPU half, working on
    # the next chunk while the models run on this one. "auto": every core this process may
    # use but one; 0: in the main process, one chunk after the other.
    segment_workers: int | str = "auto"
    # Processes of this job on this machine (the command line starts them; vnnews.inference.launch):
    # each reads its share of the inputs and runs every stage, the first merges. On a CPU
    # the labeller's work is mostly Python per page, so processes use cores that threads
    # leave idle; "auto": one per core (one per GPU where there are GPUs). Each gets the cores
    # divided between them and no segmentation workers unless threads/segment_workers are set.
    processes: int | str = 1
    threads: int | str = "auto"  # torch threads in this process; auto: models on a GPU, the cores the workers leave; on the CPU, every core (vnnews.machine.torch_threads)
    prepare_ahead: int = 1  # chunks read and encoded ahead of the models (memory: that many chunks more)
    summarize_batch_size: int | None = None  # documents per generate call; None: by device (16 CPU, up to 256 GPU)
    summarize_batch_tokens: int | None = None  # padded source tokens x beams per call; None: by device (GPU 262,144), 0: no budget
    ct2_compute_type: str | None = None  # a CTranslate2 summarizer's compute type; None: default on CPU, float16 / int8_float16 on a GPU
    # Mark near-duplicates (syndicated, re-published): duplicate_of = the first article of the
    # job whose body this one nearly repeats (MinHash/LSH, vnnews.dedup; the index on disk)
    dedup: bool = False
    dedup_threshold: float = 0.7
    # Fit the page labeller to each site of the job from the job's own pages before labelling
    # them (vnnews.adapt: no labels needed; sites with fewer than adapt_min_pages pages keep
    # the model's output). Reads the inputs once more first; local engine, one process.
    adapt: bool = False
    adapt_min_pages: int = 5
    adapt_max_pages: int = 200  # pages of one site read for its fit (the first ones)
    # auto: from the output path (.jsonl, .parquet, else a saved dataset directory); markdown:
    # a directory of one .md file per article (and records.jsonl beside them, for --resume)
    output_format: Literal["auto", "jsonl", "parquet", "dataset", "markdown"] = "auto"
    generation: dict[str, Any] = field(default_factory=dict)  # overrides the summarizer's saved generation config
    # None: records keep the page's tone marks ("hóa" stays "hóa"); new/old rewrites them ("hoá"/"hóa")
    tone_style: Literal["new", "old"] | None = None
    max_records_per_file: int | None = None  # read only the first N records of each JSONL input
    max_page_bytes: int | None = DEFAULT_MAX_PAGE_BYTES  # one page file or JSONL line, decompressed (past it: an error record)
    max_page_elements: int = 200_000  # HTML elements of one page
    max_page_lines: int | None = DEFAULT_MAX_PAGE_LINES  # lines of one page (past it: an error, the rest is read)
    follow_symlinks: bool = True  # links in input folders to files inside them (others are reported and skipped)
    page_time_limit_s: float | None = DEFAULT_PAGE_TIME_LIMIT_S  # reading one page (decode, parse, clean), and its layout features; past it: an error record, the next page is read
    # WARC inputs: only records crawled in [since, until] (ISO dates or times) from these sites
    # (hosts and their subdomains); the others are passed over before their HTML is read
    since: str | None = None
    until: str | None = None
    sites: list[str] = field(default_factory=list)
    # only pages written in these languages reach the models (vnnews.language; ISO 639-1 codes);
    # the others are an error record naming the language. ["all"] or null: every page
    languages: list[str] | None = field(default_factory=lambda: ["vi"])
    device: str | None = None  # default: this process's accelerator (CUDA where available), else CPU
    # The page labeller's precision: auto (bf16 on a GPU that supports it, fp32 on a CPU),
    # fp32, or bf16 (on a CPU too: about 4x faster for a PhoBERT-base-shaped labeller on a CPU
    # with AMX; a line's label may change on a near tie; docs/benchmarks.md)
    classifier_precision: Literal["auto", "fp32", "bf16"] = "auto"
    # HTML pages: note which lines trafilatura keeps, and let the page labeller drop the article
    # lines it is unsure of that trafilatura left out (vnnews.ingest.second_opinion: precision
    # on unseen sites; costs a second extraction of each page). Never read for the rules.
    second_opinion: bool = True
    progress: bool = True
    engine: Literal["local", "ray"] = "local"  # local: this machine's processes; ray: a Ray Data pipeline (vnnews[ray])
    ray: RaySettings = field(default_factory=RaySettings)

    def __post_init__(self) -> None:
        check_settings(self, ("chunk_size", "classify_batch_size", "summarize_batch_size", "encoder_batch_tokens", "prepare_ahead", "adapt_min_pages", "adapt_max_pages"), ("summarize_batch_tokens", "line_cache_mib"))
        from vnnews.ingest import IngestOptions
        from vnnews.machine import check_workers, torch_threads

        IngestOptions.from_config(self)  # page budgets: refused here, with their key, not at the first page
        if self.classifier in (None, WEAK) or self.stages == "summarize":
            self.second_opinion = False  # only a page labeller reads it: the rules' jobs do not pay for it

        check_workers("segment_workers", self.segment_workers)
        from vnnews.inference.launch import check_processes

        check_processes(self.processes)
        if self.threads != "auto":
            try:
                torch_threads(threads=self.threads)
            except (ValueError, TypeError):
                raise ValueError(f"threads must be 'auto' or a number >= 1, got {self.threads!r}") from None
        if isinstance(self.ray, dict):  # InferenceConfig(ray={...}) from Python
            self.ray = RaySettings(**self.ray)
        from vnnews.models.loading import check_precision

        check_precision("classifier_precision", self.classifier_precision)
        if self.adapt and self.engine == "ray":
            raise ValueError("adapt=true fits each site in this process before the job: use the local engine (engine: local)")
        if self.processes != 1 and self.engine == "ray":
            raise ValueError("processes= is for the local engine; the Ray engine spreads the work with ray.* settings")
        if self.processes != 1 and self.adapt:
            raise ValueError("adapt=true fits each site on the job's pages in one process: leave processes at 1")
        if not 0.0 < self.dedup_threshold <= 1.0:
            raise ValueError(f"dedup_threshold must be in (0, 1], got {self.dedup_threshold}")

    def near_duplicates(self, store: PartStore) -> Any:
        """The job's near-duplicate index (in its parts directory: kept across a kill), or None."""
        from vnnews.dedup import NearDuplicates

        return NearDuplicates(store.dir / "near-duplicates.sqlite", self.dedup_threshold) if self.dedup else None

    def workers(self) -> int:
        """Segmentation worker processes this job starts (``segment_workers`` resolved)."""
        from vnnews.machine import resolve_workers

        return resolve_workers(self.segment_workers)

    def record_settings(self) -> dict[str, Any]:
        """The settings that shape a record's content, beyond the models: a job resumed
        with other values would mix two kinds of records in one output, so they are
        stored with the job and compared on ``--resume``."""
        classify, summarize = self.resolved_stages()
        return {
            "tone_style": self.tone_style,
            "stages": "+".join(s for s, on in (("classify", classify), ("summarize", summarize)) if on),
            "generation": dict(self.generation),
            "dedup": self.dedup_threshold if self.dedup else None,
            "adapt": self.adapt_min_pages if self.adapt else None,
        }

    def resolved_stages(self) -> tuple[bool, bool]:
        """(classify, summarize), checked against the models given."""
        if self.stages == "auto":
            classify, summarize = bool(self.classifier), bool(self.summarizer)
            if not (classify or summarize):
                raise ValueError("give --classifier (a model directory, Hub id, or 'weak') and/or --summarizer")
            return classify, summarize
        classify, summarize = self.stages in ("classify", "both"), self.stages in ("summarize", "both")
        if classify and not self.classifier:
            raise ValueError(f"stages={self.stages} needs --classifier")
        if summarize and not self.summarizer:
            raise ValueError(f"stages={self.stages} needs --summarizer")
        return classify, summarize


@dataclass
class InferenceResult:
    output: Path
    errors_path: Path
    done: int  # articles written by this run
    skipped: int  # already in the output or its parts (resume)
    failed: int  # new entries in the errors file
    seconds: float
    stage_seconds: dict[str, float]
    merged: bool  # this process wrote the final output

    def summary_line(self) -> str:
        rate = self.done / self.seconds if self.seconds else 0.0
        return (
            f"{self.done} done, {self.skipped} skipped (already done), {self.failed} failed "
            f"in {self.seconds:.1f}s ({rate:.1f} articles/s) -> {self.output}"
            + (f"; errors in {self.errors_path}" if self.failed else "")
        )


def check_settings(config: Any, positive: Sequence[str], non_negative: Sequence[str] = ()) -> None:
    """Validate a job's or service's settings when the config is loaded, naming the
    key: sizes >= 1, counts >= 0, generation overrides, the device."""
    from vnnews.models.loading import check_device
    from vnnews.models.summarizer import check_generation

    for name in positive:
        if getattr(config, name) is not None and getattr(config, name) < 1:
            raise ValueError(f"{name} must be >= 1, got {getattr(config, name)}")
    for name in non_negative:
        if getattr(config, name) is not None and getattr(config, name) < 0:
            raise ValueError(f"{name} must be >= 0, got {getattr(config, name)}")
    check_generation(config.generation)
    check_device(config.device)


# ---------------------------------------------------------------- processes
@dataclass
class ProcessInfo:
    rank: int = 0
    world_size: int = 1
    device: str | None = None

    def barrier(self) -> None:
        if self.world_size > 1:
            from accelerate import PartialState

            PartialState().wait_for_everyone()

    def broadcast(self, value: Any) -> Any:
        """The first process's ``value``, on every process."""
        if self.world_size <= 1:
            return value
        from accelerate.utils import broadcast_object_list

        return broadcast_object_list([value])[0]


def process_info() -> ProcessInfo:
    """Rank, world size and device under ``accelerate launch``/``torchrun``; one
    process on the default device otherwise. On CPU-only machines accelerate is told
    to use gloo, so ``accelerate launch --multi_gpu --num_processes 2`` runs two CPU
    processes."""
    from vnnews.inference.launch import launched

    if not launched():
        return ProcessInfo()
    import torch
    from accelerate import PartialState

    state = PartialState(cpu=not torch.cuda.is_available())
    return ProcessInfo(state.process_index, state.num_processes, str(state.device))


# ---------------------------------------------------------------- models
class RuleLabeller:
    """The weak labeller behind the classifier interface: no model, no confidence.
    For jobs that need structure fast, and as a baseline."""

    identity = {"id": WEAK, "revision": None}

    def label(self, articles: Sequence[Article]) -> tuple[list[list[str]], list[list[float | None]]]:
        from vnnews.labels import weak_label

        labels = [weak_label(a) for a in articles]
        return labels, [[None] * len(a.lines) for a in articles]


@dataclass
class Models:
    classifier: Any = None  # PageLabeler, RuleLabeller or None
    summarizer: Any = None  # Summarizer or None

    def identities(self) -> dict[str, str | None]:
        c = getattr(self.classifier, "identity", None) or {}
        s = getattr(self.summarizer, "identity", None) or {}
        return {"classifier": c.get("id"), "classifier_revision": c.get("revision"), "summarizer": s.get("id"), "summarizer_revision": s.get("revision")}


def load_models(config: InferenceConfig, device: str | None = None, roles: Sequence[str] = ("classifier", "summarizer")) -> Models:
    """The models the configured stages need, loaded once (safetensors only);
    ``roles`` limits them (a Ray actor holds one stage's model only)."""
    classify, summarize = config.resolved_stages()
    classify, summarize = classify and "classifier" in roles, summarize and "summarizer" in roles
    models = Models()
    if classify:
        if config.classifier == WEAK:
            models.classifier = RuleLabeller()
        else:
            from vnnews.models import load_classifier

            models.classifier = load_classifier(config.classifier, device=device, revision=config.classifier_revision, precision=config.classifier_precision)
            models.classifier.encoder_tokens = config.encoder_batch_tokens
            if hasattr(models.classifier, "cache_lines"):
                models.classifier.cache_lines(config.line_cache_mib)
                models.classifier.page_time_limit_s = getattr(config, "page_time_limit_s", None)
    if summarize:
        from vnnews.models.summarizer import Summarizer

        models.summarizer = Summarizer.from_pretrained(config.summarizer, device=device, revision=config.summarizer_revision, compute_type=config.ct2_compute_type)
    return models


# ---------------------------------------------------------------- one chunk
def _share(total: float, weights: Sequence[float]) -> list[float]:
    s = sum(weights)
    return [total * w / s if s else 0.0 for w in weights]


@dataclass
class Labelled:
    """Line labels of a batch of articles, with where they came from and the time spent."""

    labels: list[list[str | None] | None]
    confidences: list[list[float | None] | None]
    origins: list[str | None]
    segment_s: float = 0.0
    classify_s: float = 0.0


def label_articles(
    articles: Sequence[Article],
    classifier: Any,
    batch_size: int | None = None,
    segment_workers: int = 0,
    encoded: Sequence[Any] | None = None,
    should_stop: Callable[[], bool] | None = None,
    segment_s: float = 0.0,
) -> Labelled:
    """Labels for every line of ``articles`` in shared batches: from the classifier,
    the rule labeller, or (``classifier`` None) the input's own labels. ``encoded``:
    the classifier's encoding of these pages, when already made (``segment_s``: the
    time it took); ``should_stop``: asked between the classifier's steps, which raise
    ``Cancelled`` once it says yes (the service's callers have gone)."""
    n = len(articles)
    if classifier is None:
        return Labelled([a.labels if a.label_source else None for a in articles], [None] * n, [a.label_source for a in articles])
    if isinstance(classifier, RuleLabeller):
        t0 = time.perf_counter()
        labels, confidences = classifier.label(articles)
        return Labelled(labels, confidences, [WEAK] * n, classify_s=time.perf_counter() - t0)  # type: ignore[arg-type]
    t0 = time.perf_counter()
    if encoded is None:
        encoded = classifier.encode(articles, should_stop=should_stop, workers=segment_workers)
        segment_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    predictions = classifier.predict(articles, batch_size=batch_size, encoded=encoded, should_stop=should_stop)
    t2 = time.perf_counter()
    return Labelled(
        [[p.label for p in preds] for preds in predictions],
        [[p.confidence for p in preds] for preds in predictions],
        ["model"] * n,
        segment_s=segment_s,
        classify_s=t2 - t1,
    )


def summarize_documents(
    documents: Sequence[str], summarizer: Any, batch_size: int | None = None, generation: dict[str, Any] | None = None, batch_tokens: int | None = None
) -> list[str | None]:
    """Summaries of ``documents`` (None for an empty one), in length-sorted batches of at
    most ``batch_size`` documents and ``batch_tokens`` tokens (defaults by device)."""
    summaries: list[str | None] = [None] * len(documents)
    todo = [i for i, d in enumerate(documents) if d.strip()]
    if todo:
        texts = summarizer.summarize([documents[i] for i in todo], batch_size=batch_size, batch_tokens=batch_tokens, **(generation or {}))
        for i, text in zip(todo, texts, strict=True):
            summaries[i] = text
    return summaries


@dataclass
class LabelledArticle:
    """One article after the classify stage: its line labels, their origin, and the
    stage times shared out to it so far (``ingest_s``, ``segment_s``, ``classify_s``)."""

    article: Article
    labels: list[str | None] | None
    confidences: list[float | None] | None
    origin: str | None
    timings: dict[str, float]


def classify_stage(
    articles: Sequence[Article],
    classifier: Any,
    config: InferenceConfig,
    ingest_s: float | Sequence[float] = 0.0,
    encoded: Sequence[Any] | None = None,
    segment_s: float = 0.0,
    workers: int = 0,
) -> list[LabelledArticle]:
    """The classify stage of a batch job: lines of all ``articles`` classified in
    shared length-sorted batches (``encoded``: their encoding, when prepared ahead;
    else encoded here, in ``workers`` processes); the stage times are shared out over
    the articles (ingestion evenly unless given per article, segmentation and
    classification by line count)."""
    labelled = label_articles(articles, classifier, config.classify_batch_size, workers, encoded=encoded, segment_s=segment_s)
    n = len(articles)
    line_counts = [len(a.lines) for a in articles]
    shares = {
        "ingest_s": _share(ingest_s, [1.0] * n) if isinstance(ingest_s, (int, float)) else [float(x) for x in ingest_s],
        "segment_s": _share(labelled.segment_s, line_counts),
        "classify_s": _share(labelled.classify_s, line_counts),
    }
    return [
        LabelledArticle(a, labelled.labels[i], labelled.confidences[i], labelled.origins[i], {k: v[i] for k, v in shares.items()})
        for i, a in enumerate(articles)
    ]


def summarize_stage(items: Sequence[LabelledArticle], summarizer: Any, config: InferenceConfig, identities: dict[str, str | None]) -> list[dict[str, Any]]:
    """The summarize stage, and the records: each body (what the summarizer reads)
    summarized in length-sorted batches (none when ``summarizer`` is None), its time
    shared out by document length, then one record per article."""
    documents = [summary_document(it.article, it.labels) for it in items]
    summaries: list[str | None] = [None] * len(items)
    seconds = 0.0
    if summarizer is not None:
        t0 = time.perf_counter()
        summaries = summarize_documents(documents, summarizer, config.summarize_batch_size, config.generation, config.summarize_batch_tokens)
        seconds = time.perf_counter() - t0
    shares = _share(seconds, [len(d) if s is not None else 0 for d, s in zip(documents, summaries, strict=True)])
    return [
        article_record(it.article, it.labels, it.confidences, it.origin, summaries[i], identities, {**it.timings, "summarize_s": shares[i]})
        for i, it in enumerate(items)
    ]


def stage_seconds(records: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Seconds per stage of ``records``, summed from their timings."""
    return {key[:-2]: sum(r["timings"][key] for r in records) for key in ("ingest_s", "segment_s", "classify_s", "summarize_s")}


def process_chunk(articles: Sequence[Article], models: Models, config: InferenceConfig, ingest_s: float = 0.0) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Records for ``articles``: the classify stage then the summarize stage, each over
    the whole chunk (see :func:`classify_stage`, :func:`summarize_stage`). Returns
    (records, stage seconds)."""
    records = summarize_stage(classify_stage(articles, models.classifier, config, ingest_s), models.summarizer, config, models.identities())
    return records, stage_seconds(records)


T = TypeVar("T")
R = TypeVar("R")


def isolated(items: Sequence[T], run: Callable[[Sequence[T]], list[R]], article: Callable[[T], Article]) -> tuple[list[R], list[dict[str, Any]]]:
    """``run(items)``, and when it fails, ``run`` on each item alone, so one bad
    article goes to the errors output instead of taking its batch (or the job)
    down. Returns (results of the items that worked, error records)."""
    try:
        return run(items), []
    except Exception as exc:  # noqa: BLE001 - isolate the article that fails
        if len(items) == 1:
            a = article(items[0])
            return [], [error_record(a.id, a.source, f"{type(exc).__name__}: {exc}")]
        log.warning("batch of %d articles failed (%s); retrying them one at a time", len(items), exc)
    results: list[R] = []
    errors: list[dict[str, Any]] = []
    for item in items:
        try:
            results += run([item])
        except Exception as exc:  # noqa: BLE001
            a = article(item)
            errors.append(error_record(a.id, a.source, f"{type(exc).__name__}: {exc}"))
    return results, errors


def finish_job(
    store: PartStore,
    errors_path: Path,
    include_output: bool,
    counts: dict[str, int],
    stage_total: dict[str, float],
    started: float,
    proc: ProcessInfo | None = None,
) -> InferenceResult:
    """End one process's part of a job: mark it finished; the first process waits for
    the others, merges every part into the output (atomically) and prints the closing
    line with the done/skipped/failed counts."""
    proc = proc or ProcessInfo()
    if proc.world_size > 1:  # each process says what its share came to (a log has no bars to show it)
        print(f"infer[{proc.rank}]: its share done: {counts['done']} done, {counts['skipped']} skipped, {counts['failed']} failed", file=sys.stderr)
    store.mark_finished(counts)
    merged = False
    if proc.rank == 0:
        all_counts = dict.fromkeys(counts, 0)
        for rank_counts in store.wait_for(proc.world_size):
            for k in all_counts:
                all_counts[k] += rank_counts[k]
        t0 = time.perf_counter()  # waiting for the other ranks is not write time
        _, _, duplicates = merge(store, errors_path, include_output=include_output)
        stage_total["write"] += time.perf_counter() - t0
        all_counts["done"] -= duplicates  # the same id from two shares: one copy kept, the other an error
        all_counts["failed"] += duplicates
        counts, merged = all_counts, True
    result = InferenceResult(store.output, errors_path, counts["done"], counts["skipped"], counts["failed"], time.perf_counter() - started, stage_total, merged)
    if merged:
        print(result.summary_line(), file=sys.stderr)
    return result
