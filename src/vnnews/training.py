"""What the classifier and the summarizer share: training knobs, device and
precision choice, Trainer arguments, resuming, and the self-contained model
directory they both write.

One place per concept: a recipe (classifier.py, summarizer.py) says what is
specific to its task (data encoding, metrics, model class) and calls in here for
everything else.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

Precision = Literal["auto", "bf16", "fp16", "fp32"]


@dataclass
class TrainingConfig:
    """Optimisation knobs common to every recipe."""

    epochs: float = 3.0
    batch_size: int = 32
    eval_batch_size: int = 64
    gradient_accumulation_steps: int = 1
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup: float = 0.06  # a ratio of the total steps when < 1, else a number of steps
    seed: int = 42
    precision: Precision = "auto"  # auto: bf16 on a GPU that supports it, else fp32
    logging_steps: int = 50
    save_total_limit: int = 2
    max_steps: int = -1  # stop early (smoke runs); -1 trains for `epochs`
    dataloader_num_workers: int = 0
    # random, or group_by_length (less padding). For line classification keep random:
    # line length predicts the label, so length-grouped batches are nearly one class
    # and the model stalls (measured: docs/classifier.md).
    sampling: Literal["random", "group_by_length"] = "random"


@dataclass
class RecipeConfig:
    """Knobs every recipe has; ClassifierConfig and SummarizerConfig extend it."""

    base_model: str = ""
    revision: str | None = None  # Hub revision (commit, tag or branch) of base_model
    dataset_dir: str = "build/dataset"
    output_dir: str = "runs/model"
    training: TrainingConfig = field(default_factory=TrainingConfig)
    max_train_examples: int | None = None  # subsample (seeded) for quick runs
    max_eval_examples: int | None = None
    eval_split: str = "validation"
    num_proc: int | None = None  # processes for preprocessing the dataset


def subsample(ds: Any, n: int | None, seed: int) -> Any:
    """At most ``n`` rows of ``ds``, drawn with ``seed`` (all of it when ``n`` is None)."""
    return ds.shuffle(seed=seed).select(range(n)) if n and len(ds) > n else ds


def load_tokenizer(name_or_path: str, revision: str | None = None) -> Any:
    """The tokenizer of a local directory or Hub id; never remote code."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(name_or_path, trust_remote_code=False, **({"revision": revision} if revision else {}))


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def device_description() -> str:
    import torch

    if torch.cuda.is_available():
        return f"cuda ({torch.cuda.get_device_name(0)})"
    return f"cpu ({os.cpu_count()} cores)"


def check_device(device: str | None, key: str = "device") -> None:
    """Refuse a device this machine does not have (``cuda:7`` with one GPU, ``cuda``
    without CUDA, a misspelt name) at config time, with the key and the choices,
    instead of a traceback when the first model moves there."""
    if device is None:
        return
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"{key}: {device!r} is not a device name (cpu, cuda, cuda:N, mps): {exc}") from None
    if dev.type == "cuda":
        n = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if n == 0:
            raise ValueError(f"{key}: {device!r}, but this machine has no CUDA device; use device=cpu or leave device unset")
        if dev.index is not None and dev.index >= n:
            raise ValueError(f"{key}: {device!r}, but this machine has {n} CUDA device(s): cuda:0 to cuda:{n - 1}")
    elif dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"{key}: {device!r}, but MPS is not available on this machine")
    elif dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"{key}: {device!r} is not supported; use cpu, cuda, cuda:N or mps")


def prepare_for_inference(model: Any, device: str | None = None) -> tuple[Any, str]:
    """``model`` in eval mode on ``device`` (default: CUDA where available, else CPU),
    in bf16 on a GPU that supports it (half the memory, tensor cores; both model
    families are trained in bf16 or fp32, so bf16 inference is safe), else fp32."""
    import torch

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if str(device).startswith("cuda") and torch.cuda.is_bf16_supported():
        model = model.to(torch.bfloat16)
    return model.eval().to(device), str(device)


def model_identity(name_or_path: str, model: Any, revision: str | None = None) -> dict[str, str | None]:
    """What a prediction record names as its model: the id or path given, and the
    revision: the Hub commit resolved at load time, else the one asked for, else
    (local directory) ``sha256:`` + the first 16 hex digits of its weights' hash, so
    two runs can be told apart even when the directory name is reused."""
    commit = getattr(model.config, "_commit_hash", None) or revision
    if not commit:
        weights = Path(name_or_path) / "model.safetensors"
        if weights.is_file():
            digest = hashlib.sha256()
            with weights.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            commit = "sha256:" + digest.hexdigest()[:16]
    return {"id": str(name_or_path), "revision": commit}


def choose_precision(requested: Precision, model_type: str = "") -> dict[str, bool]:
    """TrainingArguments flags for ``requested`` precision on this machine.

    "auto" takes bf16 where the GPU supports it and fp32 elsewhere. fp16 is refused
    for T5-family models (their activations overflow in fp16) and without a GPU."""
    import torch

    cuda = torch.cuda.is_available()
    bf16_ok = cuda and torch.cuda.is_bf16_supported()
    if requested == "auto":
        return {"bf16": bf16_ok, "fp16": False}
    if requested == "bf16":
        if not bf16_ok:
            raise ValueError("precision bf16 needs a GPU that supports bfloat16 (Ampere or newer); use precision=auto or fp32")
        return {"bf16": True, "fp16": False}
    if requested == "fp16":
        if model_type in ("t5", "mt5", "umt5", "longt5"):
            raise ValueError(f"precision fp16 is refused for {model_type} models: T5 activations overflow in fp16; use bf16 or fp32")
        if not cuda:
            raise ValueError("precision fp16 needs a CUDA GPU; use precision=auto or fp32")
        return {"bf16": False, "fp16": True}
    return {"bf16": False, "fp16": False}


def training_arguments(
    cfg: TrainingConfig,
    checkpoints_dir: str | os.PathLike[str],
    metric: str,
    model_type: str = "",
    arguments_class: Any = None,
    **extra: Any,
) -> Any:
    """Trainer arguments: evaluate and save every epoch, keep the best checkpoint by
    ``metric`` (higher is better), seeded, no external loggers."""
    from transformers import TrainingArguments

    cls = arguments_class or TrainingArguments
    return cls(
        output_dir=str(checkpoints_dir),
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.eval_batch_size,
        gradient_accumulation_steps=cfg.gradient_accumulation_steps,
        learning_rate=cfg.learning_rate,
        weight_decay=cfg.weight_decay,
        warmup_steps=cfg.warmup,
        seed=cfg.seed,
        data_seed=cfg.seed,
        eval_strategy="epoch" if cfg.max_steps < 0 else "steps",
        save_strategy="epoch" if cfg.max_steps < 0 else "steps",
        eval_steps=None if cfg.max_steps < 0 else cfg.max_steps,
        save_steps=None if cfg.max_steps < 0 else cfg.max_steps,
        load_best_model_at_end=True,
        metric_for_best_model=metric,
        greater_is_better=True,
        save_total_limit=cfg.save_total_limit,
        logging_strategy="steps",
        logging_steps=cfg.logging_steps,
        train_sampling_strategy=cfg.sampling,
        report_to="none",
        use_cpu=not cuda_available(),
        dataloader_num_workers=cfg.dataloader_num_workers,
        ddp_find_unused_parameters=False,  # every parameter takes part in every step
        **choose_precision(cfg.precision, model_type),
        **extra,
    )


def last_checkpoint(checkpoints_dir: str | os.PathLike[str]) -> str | None:
    """The newest checkpoint in ``checkpoints_dir``, to resume an interrupted run."""
    from transformers.trainer_utils import get_last_checkpoint

    path = Path(checkpoints_dir)
    return get_last_checkpoint(str(path)) if path.is_dir() else None


def train_resumable(trainer: Any, checkpoints_dir: str | os.PathLike[str], what: str) -> Any:
    """``trainer.train()``, continuing from the newest checkpoint in ``checkpoints_dir``
    when an interrupted run left one; ``what`` says what is trained on, for the log."""
    import logging

    log = logging.getLogger(__name__)
    resume = last_checkpoint(checkpoints_dir)
    if resume:
        log.warning("resuming from %s", resume)
    log.info("training on %s, %s", device_description(), what)
    return trainer.train(resume_from_checkpoint=resume)


def load_kwargs(revision: str | None = None) -> dict[str, Any]:
    """Arguments for every ``from_pretrained``: safetensors only, never remote code."""
    kwargs: dict[str, Any] = {"use_safetensors": True, "trust_remote_code": False}
    if revision:
        kwargs["revision"] = revision
    return kwargs


def save_model_dir(
    out_dir: str | os.PathLike[str],
    model: Any,
    tokenizer: Any,
    config: dict[str, Any],
    metrics: dict[str, Any],
    card: str,
) -> Path:
    """Write a self-contained model directory: safetensors weights and model config,
    tokenizer files, the training config (training_config.yaml), metrics.json and
    the model card (README.md)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(str(out))
    (out / "training_config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "README.md").write_text(card, encoding="utf-8")
    return out
