"""The main job: every stage, in order, from one config.

build dataset -> (tiny base models) -> train the page labeller -> train summarizer ->
evaluate both (the labeller also on real pages, beside trafilatura) -> batch
inference -> report. Each stage is the library function
its own subcommand runs, so the job is glue and nothing else; its config nests
the stages' configs (configs/pipeline/*.yaml) and points them at one working
directory. ``tiny: true`` builds PhoBERT- and ViT5-format tiny models from the
bundled corpus (offline, CPU, minutes); ``tiny: false`` fine-tunes the configs'
Hub models (vinai/phobert-base-v2, VietAI/vit5-base) where the Hub is reachable.

A finished stage is recorded in ``WORK/stages.json``; ``--resume`` skips those and
lets training continue from its last checkpoint.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vnnews.config import to_dict
from vnnews.dataset import DatasetConfig
from vnnews.inference import InferenceConfig
from vnnews.recipes.classifier import ClassifierConfig
from vnnews.recipes.summarizer import SummarizerConfig

log = logging.getLogger(__name__)

ARTICLES = "articles.jsonl"  # the batch job's output, in the working directory
STAGES = (
    "dataset", "base_models", "train_classifier", "train_summarizer", "evaluate_classifier", "evaluate_extraction",
    "evaluate_summarizer", "infer", "report",
)


@dataclass
class PipelineConfig:
    """Knobs of ``vnnews pipeline`` (configs/pipeline/tiny.yaml)."""

    work_dir: str = "build/demo"
    pages: list[str] = field(default_factory=lambda: ["data/raw"])  # the bundled corpus: gold seed pages
    # Structured articles to train on (wrapped in page boilerplate for the classifier).
    # A path that does not exist is skipped with a warning.
    records: list[str] = field(default_factory=lambda: ["../shared/corpora/vietnews/train.jsonl.gz"])
    infer_inputs: list[str] = field(default_factory=lambda: ["data/raw"])  # what the batch job cleans
    tiny: bool = True  # build tiny offline base models; false: the Hub models named in classifier/summarizer
    dataset: DatasetConfig = field(default_factory=lambda: DatasetConfig(compose_pages=True))
    classifier: ClassifierConfig = field(default_factory=ClassifierConfig)  # the page labeller: every line's label
    real_pages: str = "data/real/pages"  # real pages with gold labels: extraction beside trafilatura
    real_annotations: str = "data/real/annotations"
    summarizer: SummarizerConfig = field(default_factory=SummarizerConfig)
    inference: InferenceConfig = field(default_factory=InferenceConfig)
    evaluate_split: str = "test"
    evaluate_max_articles: int | None = 200
    report_examples: int = 3  # articles shown line by line in the report


@dataclass
class PipelineResult:
    work_dir: Path
    report: Path
    seconds: dict[str, float]  # per stage run now (skipped stages are absent)


class _Stages:
    """Which stages are done, kept in WORK/stages.json (written after each stage)."""

    def __init__(self, work: Path) -> None:
        self.path = work / "stages.json"
        self.data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {"done": {}}

    def done(self, name: str) -> bool:
        return name in self.data["done"]

    def finish(self, name: str, seconds: float, **info: Any) -> None:
        self.data["done"][name] = {"seconds": round(seconds, 2), **info}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)


def resolve(config: PipelineConfig) -> PipelineConfig:
    """Point every stage at the working directory (and at the tiny bases when asked)."""
    work = Path(config.work_dir)
    dataset_dir = str(work / "dataset")
    classifier = replace(config.classifier, dataset_dir=dataset_dir, output_dir=str(work / "classifier"))
    summarizer = replace(config.summarizer, dataset_dir=dataset_dir, output_dir=str(work / "summarizer"))
    if config.tiny:
        classifier = replace(classifier, base_model=str(work / "tiny-phobert"), revision=None)
        summarizer = replace(summarizer, base_model=str(work / "tiny-vit5"), revision=None)
    inference = replace(config.inference, classifier=classifier.output_dir, summarizer=summarizer.output_dir)
    return replace(config, classifier=classifier, summarizer=summarizer, inference=inference)


def run_pipeline(config: PipelineConfig, resume: bool = False, overwrite: bool = False, echo: Callable[[str], None] = print) -> PipelineResult:
    """Run every stage not yet done; return where the report is.

    Raises OutputRefused (a FileExistsError) when the working directory holds an
    earlier run and neither ``resume`` nor ``overwrite`` is given, when it was not
    made by vnnews (``--overwrite`` never removes a directory vnnews did not
    create), when it is or contains an input, and while another job uses it."""
    from vnnews.outputs import OutputRefused, locked_output, mark_dir, remove_ours

    config = resolve(config)
    work = Path(config.work_dir)
    with locked_output(work, [*config.pages, *config.records, *config.infer_inputs], "working directory"):
        if work.exists() and any(work.iterdir()):
            if overwrite:
                remove_ours(work)
            elif not resume:
                raise OutputRefused(f"{work} holds an earlier run: pass --resume to continue it or --overwrite to start over")
            else:
                _check_resume(config, work)
        mark_dir(work, written_by_command="vnnews pipeline")
        return _run_stages(config, work, echo, resume)


def _check_resume(config: PipelineConfig, work: Path) -> None:
    """``--resume`` continues the run whose config is in WORK/pipeline.json: a changed
    setting (an override given now and not then, or the other way) is refused, named."""
    from vnnews.outputs import OutputRefused
    from vnnews.recipes.common import config_changes

    try:
        previous = json.loads((work / "pipeline.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # stopped before it wrote its config: nothing to compare
    changes = config_changes(previous, to_dict(config))
    if changes:
        raise OutputRefused(f"--resume with another config than the run in {work}: " + "; ".join(changes[:8]) + " (keep them, or pass --overwrite to start over)")


def _run_stages(config: PipelineConfig, work: Path, echo: Callable[[str], None], resume: bool = False) -> PipelineResult:
    from vnnews.dataset import build_dataset
    from vnnews.evaluation import evaluate_classifier, evaluate_summarizer
    from vnnews.inference import run_inference
    from vnnews.report import write_report

    (work / "pipeline.json").write_text(json.dumps(to_dict(config), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    stages = _Stages(work)
    seconds: dict[str, float] = {}
    records = [p for p in config.records if Path(p).exists()]
    for missing in sorted(set(config.records) - set(records)):
        log.warning("records %s not found: training on the bundled pages only (scores will mean little)", missing)

    def stage(name: str, fn: Callable[[], Any], **info: Any) -> None:
        if stages.done(name):
            echo(f"[{name}] done in an earlier run, skipped")
            return
        echo(f"[{name}] ...")
        t0 = time.perf_counter()
        fn()
        seconds[name] = time.perf_counter() - t0
        stages.finish(name, seconds[name], **info)
        echo(f"[{name}] {seconds[name]:.1f}s")

    stage("dataset", lambda: build_dataset([*config.pages, *records], work / "dataset", config.dataset, overwrite=True), inputs=[*config.pages, *records])
    if config.tiny:
        from vnnews.tiny import make_tiny_classifier, make_tiny_summarizer

        stage("base_models", lambda: (make_tiny_classifier(config.classifier.base_model), make_tiny_summarizer(config.summarizer.base_model)))
    from vnnews.extraction_eval import evaluate_extraction
    from vnnews.recipes.classifier import train_classifier
    from vnnews.recipes.summarizer import train_summarizer

    # a training stage a killed run left half done continues from its checkpoints
    stage("train_classifier", lambda: train_classifier(config.classifier, resume=resume and Path(config.classifier.output_dir).is_dir()))
    stage("train_summarizer", lambda: train_summarizer(config.summarizer, resume=resume and Path(config.summarizer.output_dir).is_dir()))
    split, n_eval = config.evaluate_split, config.evaluate_max_articles
    stage("evaluate_classifier", lambda: evaluate_classifier(config.classifier.output_dir, str(work / "dataset"), split, str(work / "eval" / "classifier"), max_articles=n_eval))
    if Path(config.real_pages).is_dir():
        stage(
            "evaluate_extraction",
            lambda: evaluate_extraction([config.classifier.output_dir], config.real_pages, config.real_annotations, work / "eval" / "extraction"),
        )
    else:
        log.warning("real pages %s not found: no extraction table in the report", config.real_pages)
    stage("evaluate_summarizer", lambda: evaluate_summarizer(config.summarizer.output_dir, str(work / "dataset"), split, str(work / "eval" / "summarizer"), max_articles=n_eval))
    stage("infer", lambda: run_inference(config.infer_inputs, work / ARTICLES, config.inference, resume=True))  # its own parts resume
    report = work / "report.md"
    stages_info = stages.data["done"]
    stage("report", lambda: write_report(config, report, {k: v["seconds"] for k, v in stages_info.items()}, work / ARTICLES))
    return PipelineResult(work, report, seconds)


__all__ = ["STAGES", "PipelineConfig", "PipelineResult", "resolve", "run_pipeline"]
