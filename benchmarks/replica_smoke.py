"""Smoke run of the real-model path: configs/pipeline/phobert-vit5-base.yaml end to end
on the Hub-identical replicas of vinai/phobert-base-v2 and VietAI/vit5-base
(`vnnews make-replica`: published config.json values and tokenizer format, random
weights), a few training steps, offline.

    python benchmarks/replica_smoke.py                      # CPU, fp32
    python benchmarks/replica_smoke.py --work build/smoke   # keep the working directory
    python benchmarks/replica_smoke.py --device cuda        # on a GPU: bf16 (precision: auto)

Everything but the number of steps, examples and the batch size is the shipped config: the PhoBERT-base
line encoder with its settings, ViT5-base with source length 1,024 and 4 beams, the
dataset recipe, evaluation beside the baselines (real pages: kenh14.vn only, to bound
CPU time), batch inference over the bundled pages and the report. Prints the time of
every stage; the scores of random weights mean nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import describe  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "pipeline" / "phobert-vit5-base.yaml"


def overrides(work: Path, replicas: Path) -> list[str]:
    """The shipped config with replicas for bases and a few steps on few examples."""
    return [
        f"work_dir={work / 'run'}",
        f"classifier.base_model={replicas / 'phobert-base-v2'}",
        f"summarizer.base_model={replicas / 'vit5-base'}",
        "dataset.max_records_per_file=60",
        "dataset.split_ratios={train: 0.6, validation: 0.2, test: 0.2}",  # a test split of a dozen articles
        "classifier.training.max_steps=2",
        "classifier.training.batch_size=1",  # one window of up to 256 lines per step: about a minute on 2 cores
        "classifier.training.gradient_accumulation_steps=1",
        "classifier.max_train_examples=16",
        "classifier.max_eval_examples=4",
        "summarizer.training.max_steps=2",
        "summarizer.training.batch_size=2",
        "summarizer.training.gradient_accumulation_steps=1",
        "summarizer.max_train_examples=8",
        "summarizer.max_eval_examples=2",
        "summarizer.generation.max_new_tokens=16",
        "inference.generation.max_new_tokens=16",
        "evaluate_max_articles=4",
        f"real_pages={ROOT / 'data' / 'real' / 'pages' / 'kenh14.vn'}",
        f"real_annotations={ROOT / 'data' / 'real' / 'annotations' / 'kenh14.vn'}",
        f"pages=[{ROOT / 'data' / 'raw'}]",
        f"infer_inputs=[{ROOT / 'data' / 'raw'}]",
        f"dataset.annotations_dir={ROOT / 'data' / 'annotations'}",
    ]


def run(work: Path, device: str = "auto", records: Path | None = None) -> dict[str, float]:
    """Make the replicas, run the pipeline; return the seconds of each stage."""
    from vnnews.config import load_config
    from vnnews.pipeline import PipelineConfig, run_pipeline
    from vnnews.replicas import make_replica, replica_problems

    if device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    replicas = work / "replicas"
    seconds: dict[str, float] = {}
    for name in ("phobert-base-v2", "vit5-base"):
        t0 = time.perf_counter()
        if not (replicas / name / "model.safetensors").exists():
            make_replica(name, replicas / name)
        assert not replica_problems(name, replicas / name), replica_problems(name, replicas / name)
        seconds[f"replica {name}"] = time.perf_counter() - t0
    records = records or ROOT.parent / "shared" / "corpora" / "vietnews" / "train.jsonl.gz"
    config = load_config(PipelineConfig, CONFIG, [*overrides(work, replicas), f"records=[{records}]"])
    result = run_pipeline(config, overwrite=True, echo=lambda line: print(line, flush=True))
    seconds.update(result.seconds)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, help="working directory (default: a temporary one, removed after)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--records", type=Path, help="VietNews records to build the dataset from (default ../shared/corpora/vietnews/train.jsonl.gz)")
    args = parser.parse_args()
    import torch

    print(f"machine: {describe()}; torch {torch.__version__}; CUDA: {torch.cuda.is_available() and args.device != 'cpu'}")
    with tempfile.TemporaryDirectory(prefix="vnnews-smoke-") as tmp:
        work = args.work or Path(tmp)
        t0 = time.perf_counter()
        seconds = run(work, args.device, args.records)
        total = time.perf_counter() - t0
        report = (work / "run" / "report.md").read_text(encoding="utf-8")
        metrics = json.loads((work / "run" / "classifier" / "metrics.json").read_text())
    print("\n| stage | seconds |\n|---|---:|")
    for name, s in seconds.items():
        print(f"| {name} | {s:.1f} |")
    print(f"| **total** | **{total:.1f}** |")
    print(f"\nclassifier trained on {metrics['device']}; report: {len(report.splitlines())} lines")


if __name__ == "__main__":
    main()
