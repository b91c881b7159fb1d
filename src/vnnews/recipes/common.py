"""What the training recipes share: training knobs (every ``TrainingArguments``
field, validated), precision choice, Trainer arguments and resuming.

A recipe (:mod:`vnnews.recipes.classifier`, :mod:`vnnews.recipes.summarizer`) says
what is specific to its task (data preparation, metrics, model class) and calls in
here for the rest; the model directory it leaves is written by the model class
(:mod:`vnnews.models`), never by the recipe.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import logging
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from vnnews.config import ConfigError, check_type
from vnnews.machine import limit_threads
from vnnews.models.loading import cuda_available, device_description

log = logging.getLogger(__name__)

Precision = Literal["auto", "bf16", "fp16", "fp32"]

# TrainingArguments fields vnnews sets from its own knobs: one name per idea.
# HF's names that mean exactly a vnnews knob: taken as that knob (`--num_train_epochs 3`,
# as HF's example scripts take it, is training.epochs=3).
HF_ALIASES = {
    "num_train_epochs": "epochs",
    "per_device_train_batch_size": "batch_size",
    "per_device_eval_batch_size": "eval_batch_size",
    "warmup_steps": "warmup",  # vnnews' warmup: steps when >= 1
    "warmup_ratio": "warmup",  # and a ratio of the steps when < 1
}
# Fields vnnews sets from a knob of its own that means something else: named, refused.
VNNEWS_NAMES = {
    **HF_ALIASES,
    "data_seed": "seed",
    "bf16": "precision",
    "fp16": "precision",
    "train_sampling_strategy": "sampling",
    "group_by_length": "sampling",
}
# Fields the recipe owns, with the reason a config may not set them.
RECIPE_OWNED = {
    "output_dir": "set output_dir at the top of the config: checkpoints go to OUTPUT/checkpoints",
    "remove_unused_columns": "the recipe's data collator needs every column",
    "label_names": "fixed by the recipe",
    "predict_with_generate": "the summarizer recipe always evaluates with generate()",
    "hub_token": "never put a token in a config: vnnews reads HF_TOKEN or the `hf auth login` session through huggingface_hub",
    "hub_strategy": "vnnews pushes the finished model once, through its model class (card, settings, metrics), not the checkpoints",
    "hub_always_push": "vnnews pushes the finished model once, through its model class",
}
# Read by vnnews after training (the model class pushes), not passed to the Trainer.
HUB_FIELDS = ("push_to_hub", "hub_model_id", "hub_private_repo", "hub_revision")
# Read by vnnews before training (claim_output), as HF's example scripts read them; not Trainer fields here.
RUN_FIELDS = ("resume_from_checkpoint", "overwrite_output_dir")


def arguments_fields(arguments_class: str) -> dict[str, Any]:
    """Field name -> type hint of ``transformers.<arguments_class>``."""
    import transformers

    cls = getattr(transformers, arguments_class)
    return {f.name: f.type for f in dataclasses.fields(cls) if f.init}


def _check_enum(key: str, value: Any, hint: Any) -> None:
    """Values of enum-typed fields (``lr_scheduler_type``, ``optim``...) are checked
    at config time, with the choices, not when training starts."""
    for arg in typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,):
        if isinstance(arg, type) and issubclass(arg, enum.Enum) and isinstance(value, str):
            choices = [m.value for m in arg]
            if value not in choices:
                close = difflib.get_close_matches(value, [str(c) for c in choices], n=3)
                raise ConfigError(f"{key}: {value!r} is not one of {choices}" + (f"; did you mean {', '.join(close)}?" if close else ""))


def check_trainer_argument(key: str, value: Any, arguments_class: str = "TrainingArguments") -> Any:
    """``value`` for TrainingArguments field ``key`` (the last part of a dotted config
    key), type-checked; unknown keys, fields vnnews names otherwise and fields the
    recipe owns raise ConfigError with the reason or the close matches."""
    name = key.rsplit(".", 1)[-1]
    if name == "overwrite_output_dir":  # gone from TrainingArguments in transformers 5; HF script users still write it
        return check_type(key, value, bool)
    if name == "resume_from_checkpoint":  # true: the newest checkpoint of this run; a path: that checkpoint
        return check_type(key, value, bool | str)
    if name in VNNEWS_NAMES:
        raise ConfigError(f"{key}: vnnews sets TrainingArguments.{name} from training.{VNNEWS_NAMES[name]}; set that instead")
    if name in RECIPE_OWNED:
        raise ConfigError(f"{key}: not settable ({RECIPE_OWNED[name]})")
    fields = arguments_fields(arguments_class)
    if name not in fields:
        known = sorted({*fields, *(f.name for f in dataclasses.fields(TrainingConfig))} - set(VNNEWS_NAMES) - set(RECIPE_OWNED))
        close = difflib.get_close_matches(name, known, n=3)
        raise ConfigError(
            f"unknown config key '{key}': neither a vnnews training knob nor a field of transformers.{arguments_class}"
            + (f"; did you mean {', '.join(close)}?" if close else "")
        )
    hint = fields[name]
    _check_enum(key, value, hint)
    return check_type(key, value, hint)


@dataclass
class TrainingConfig:
    """Optimisation knobs common to every recipe (the ``training:`` block).

    The named fields are vnnews' own, with its defaults and checks. Any other key is a
    ``transformers.TrainingArguments`` field (``lr_scheduler_type: cosine``,
    ``gradient_checkpointing: true``, ``optim: adamw_torch_fused``, ``eval_steps``,
    ``torch_compile``, ``deepspeed``, ``fsdp``, ``report_to: tensorboard``...): checked
    against TrainingArguments when the config is loaded and passed through as is
    (kept in ``trainer_args``)."""

    __config_extra__: ClassVar[str] = "trainer_args"
    __config_aliases__: ClassVar[dict[str, str]] = HF_ALIASES
    arguments_class: ClassVar[str] = "TrainingArguments"

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
    # processes collating batches beside the GPU; auto: up to 4 of the cores this process may
    # use on a GPU machine (the batches are ready when the step ends), 0 on a CPU (the
    # workers would take cores from the training itself)
    dataloader_num_workers: int | Literal["auto"] = "auto"
    # torch's intra-op threads in the training process; auto: the cores this process may use
    # (affinity, cgroup quota) less the dataloader workers, so the two never oversubscribe,
    # and at most an OMP_NUM_THREADS set in the environment
    threads: int | Literal["auto"] = "auto"
    # random, or group_by_length (less padding). For line classification keep random:
    # line length predicts the label, so length-grouped batches are nearly one class
    # and the model stalls (measured: docs/classifier.md).
    sampling: Literal["random", "group_by_length"] = "random"
    report_to: str | list[str] = "none"  # offline by default; "tensorboard" writes OUTPUT/checkpoints/runs
    trainer_args: dict[str, Any] = field(default_factory=dict)  # every other TrainingArguments field

    def __post_init__(self) -> None:
        if self.dataloader_num_workers != "auto" and (isinstance(self.dataloader_num_workers, bool) or self.dataloader_num_workers < 0):
            raise ConfigError(f"training.dataloader_num_workers must be 'auto' or a number >= 0, got {self.dataloader_num_workers!r}")
        self.trainer_args = {k: self.check_extra(f"training.{k}", v) for k, v in self.trainer_args.items()}
        if self.trainer_args.get("push_to_hub") and not self.trainer_args.get("hub_model_id"):  # found now, not after training
            raise ConfigError("training.push_to_hub: true needs training.hub_model_id (e.g. my-org/vnnews-classifier)")

    @classmethod
    def check_extra(cls, key: str, value: Any) -> Any:
        """A key the dataclass does not name: a TrainingArguments field (the config loader calls this)."""
        return check_trainer_argument(key, value, cls.arguments_class)

    @property
    def push(self) -> dict[str, Any] | None:
        """Where to push the finished model (``push_to_hub: true`` + ``hub_model_id``),
        as ``push_to_hub`` keyword arguments; None when not asked."""
        args = self.trainer_args
        if not args.get("push_to_hub"):
            return None
        return {"repo_id": args["hub_model_id"], "private": args.get("hub_private_repo"), "revision": args.get("hub_revision")}


@dataclass
class Seq2SeqTrainingConfig(TrainingConfig):
    """The summarizer's ``training:`` block: fields of ``Seq2SeqTrainingArguments``."""

    arguments_class: ClassVar[str] = "Seq2SeqTrainingArguments"


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
    # of the trained model, in its card; null: the base model's (vinai/phobert-base-v2: agpl-3.0,
    # vinai/phobert-base and -large, VietAI/vit5-base: mit; a local base: its README.md's)
    license: str | None = None
    datasets: list[str] = field(default_factory=list)  # Hub ids of the training data, for the card (e.g. your pushed vnnews dataset)


def subsample(ds: Any, n: int | None, seed: int) -> Any:
    """At most ``n`` rows of ``ds``, drawn with ``seed`` (all of it when ``n`` is None)."""
    return ds.shuffle(seed=seed).select(range(n)) if n and len(ds) > n else ds


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
    ``metric`` (higher is better), seeded, no external loggers unless ``report_to``;
    then the config's other TrainingArguments fields over these defaults (hub
    fields excepted: the model class pushes the finished model)."""
    import transformers

    from vnnews.console import bars_wanted

    cls = arguments_class or getattr(transformers, cfg.arguments_class)
    reporters = [cfg.report_to] if isinstance(cfg.report_to, str) else list(cfg.report_to)
    if "tensorboard" in reporters:
        from vnnews.extras import require

        require("tensorboard", "tensorboard", "training.report_to: tensorboard")
    passthrough = {k: v for k, v in cfg.trainer_args.items() if k not in HUB_FIELDS and k not in RUN_FIELDS}
    workers = dataloader_workers(cfg.dataloader_num_workers)
    limit_threads(workers, cfg.threads, accelerator=cuda_available())
    defaults = dict(
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
        disable_tqdm=not bars_wanted(),  # no carriage-return bars in a log file or with -q (vnnews.console)
        train_sampling_strategy=cfg.sampling,
        report_to=cfg.report_to,
        use_cpu=not cuda_available(),
        dataloader_num_workers=workers,
        ddp_find_unused_parameters=False,  # every parameter takes part in every step
        **choose_precision(cfg.precision, model_type),
        **gpu_defaults(),
    )
    return cls(**{**defaults, **passthrough, **extra})


def dataloader_workers(setting: int | str) -> int:
    """``dataloader_num_workers`` resolved: "auto" is up to 4 of this process's cores on a
    GPU machine, 0 on a CPU."""
    from vnnews.machine import available_cores

    if setting != "auto":
        return int(setting)
    return min(4, max(0, available_cores() - 1)) if cuda_available() else 0


def gpu_defaults() -> dict[str, Any]:
    """TrainingArguments a GPU wants by default (a config's own value wins): the fused
    AdamW kernel (one launch for all parameters instead of several per tensor) and TF32
    matmuls for what is not in bf16. Nothing on a CPU."""
    if not cuda_available():
        return {}
    import torch

    ampere = torch.cuda.get_device_capability(0)[0] >= 8
    return {"optim": "adamw_torch_fused", **({"tf32": True} if ampere else {})}


def last_checkpoint(checkpoints_dir: str | os.PathLike[str]) -> str | None:
    """The newest checkpoint in ``checkpoints_dir``, to resume an interrupted run."""
    from transformers.trainer_utils import get_last_checkpoint

    path = Path(checkpoints_dir)
    return get_last_checkpoint(str(path)) if path.is_dir() else None


RUN_RECORD = "vnnews-run.json"  # in OUTPUT: the config of the run that writes there
# Settings a resumed run may change: how long it goes on and how it reports, not what it learns.
RESUMABLE_CHANGES = frozenset(
    {"training.epochs", "training.max_steps", "training.logging_steps", "training.report_to", "training.dataloader_num_workers",
     "training.save_total_limit", "num_proc", "training.threads", "max_eval_examples",
     "training.resume_from_checkpoint", "training.overwrite_output_dir"}
)


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = f"{prefix}{key}"
            if key == "trainer_args" and isinstance(item, dict):  # TrainingArguments fields, named as the user wrote them
                out.update({f"{prefix}{k}": v for k, v in item.items()})
            else:
                out.update(_flat(item, name + ".") if isinstance(item, dict) else {name: item})
        return out
    return {prefix.rstrip("."): value}


def config_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """``key: old -> new`` for every setting that differs (dotted keys), sorted."""
    a, b = _flat(old), _flat(new)
    return [f"{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


@dataclass
class OutputClaim:
    """What :func:`claim_output` decided for ``output_dir``. Nothing is written or removed
    until :meth:`commit` (called by :func:`train_resumable` just before training), so a
    config or data error found while loading the model or the data leaves the directory
    as it was: an earlier run is never lost to a typo."""

    output_dir: Path
    checkpoint: str | None
    overwrite: bool
    record: dict[str, Any]

    def commit(self) -> None:
        from vnnews.outputs import is_ours, mark_dir, remove_ours

        out = self.output_dir
        if _is_main_process():
            if self.overwrite and out.exists():
                log.warning("--overwrite: removing the earlier run in %s", out)
                if not is_ours(out):
                    mark_dir(out, written_by_command="vnnews train")  # an earlier vnnews run: its run record says so
                remove_ours(out)
            mark_dir(out, written_by_command="vnnews train")
            write_json_atomic(out / RUN_RECORD, self.record)
        _wait_for_everyone()


def claim_output(config: Any, resume: bool = False, overwrite: bool = False) -> OutputClaim:
    """Decide, before training, what happens to ``config.output_dir``, as Hugging Face's
    example scripts do; ``.checkpoint`` is the checkpoint to resume from (None: a fresh run).

    - absent or empty: a fresh run;
    - ``resume`` (``--resume``, ``training.resume_from_checkpoint: true``): continue from the
      newest checkpoint, refused when the config changed (the changes are named; how long
      the run goes on and how it reports may change); ``training.resume_from_checkpoint:
      PATH`` resumes from that checkpoint;
    - ``overwrite`` (``--overwrite``, ``training.overwrite_output_dir: true``): a fresh
      run; the old directory is removed (at :meth:`OutputClaim.commit`), only if vnnews wrote it;
    - neither, with something there: refused, saying which flag to pass.

    The run's config is kept in ``OUTPUT/vnnews-run.json`` for the next comparison."""
    from vnnews.config import to_dict
    from vnnews.outputs import OutputRefused, is_ours

    out = Path(config.output_dir)
    args = config.training.trainer_args
    asked = args.get("resume_from_checkpoint")
    resume = resume or asked is True or (isinstance(asked, str) and asked.lower() == "true")
    overwrite = overwrite or bool(args.get("overwrite_output_dir"))
    if resume and overwrite:
        raise ValueError("--resume continues a run, --overwrite starts over: give one of them")
    current = to_dict(config)
    record = out / RUN_RECORD
    occupied = out.is_dir() and any(p.name not in (".vnnews-output",) for p in out.iterdir())
    if isinstance(asked, str) and asked.lower() not in ("true", "false"):
        if not Path(asked).is_dir():
            raise FileNotFoundError(f"training.resume_from_checkpoint: {asked} is not a checkpoint directory")
        return OutputClaim(out, asked, False, current)
    if occupied and overwrite:
        if not is_ours(out) and not record.is_file():
            raise OutputRefused(f"{out} was not written by vnnews training: refusing to delete it; choose another output_dir")
        return OutputClaim(out, None, True, current)
    if occupied and not resume:
        raise OutputRefused(
            f"{out} holds an earlier run: pass --resume to continue it (the same config) or --overwrite to start over "
            "(or choose another output_dir)"
        )
    checkpoint = None
    if occupied:
        previous = run_record(out)
        if previous is None:
            raise OutputRefused(f"{out} holds no vnnews run to resume ({RUN_RECORD} is missing): pass --overwrite to start over, or choose another output_dir")
        changes = [c for c in config_changes(previous, current) if c.split(":", 1)[0] not in RESUMABLE_CHANGES]
        if changes:
            raise OutputRefused(f"--resume with another config than the run in {out}: " + "; ".join(changes) + " (keep them, or pass --overwrite to start over)")
        checkpoint = last_checkpoint(out / "checkpoints")
        log.warning("resuming the run in %s from %s", out, checkpoint or "its start (no checkpoint yet)")
    return OutputClaim(out, checkpoint, False, current)


def run_record(output_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The config of the run that wrote ``output_dir`` (its ``vnnews-run.json``), or None
    where there is none or it cannot be read."""
    import json

    try:
        return json.loads((Path(output_dir) / RUN_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def finished_run(config: Any) -> bool:
    """Whether ``config.output_dir`` holds a finished run of this very config: its run record
    equal to ``config`` (every setting) and the model it wrote at the end (``config.json``,
    ``model.safetensors``, ``metrics.json``). A run stopped midway, or one of another config,
    is not: what the leave-one-out evaluations reuse with ``--resume``."""
    from vnnews.config import to_dict

    out = Path(config.output_dir)
    if not all((out / name).is_file() for name in ("config.json", "model.safetensors", "metrics.json")):
        return False
    previous = run_record(out)
    return previous is not None and not config_changes(previous, to_dict(config))


def write_json_atomic(path: Path, value: Any) -> None:
    from vnnews.outputs import write_json

    write_json(path, value)


def _is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0 and int(os.environ.get("LOCAL_RANK", "0")) == 0


def _wait_for_everyone() -> None:
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        from accelerate import PartialState

        PartialState().wait_for_everyone()


def train_resumable(trainer: Any, claim: OutputClaim, what: str) -> Any:
    """Commit ``claim`` (:func:`claim_output`: the output directory is created, or an
    earlier run removed, only now that the model and the data loaded) and run
    ``trainer.train()`` from the checkpoint it chose; ``what`` says what is trained on,
    for the log."""
    claim.commit()
    log.info("training on %s, %s", device_description(), what)
    return trainer.train(resume_from_checkpoint=claim.checkpoint)


def save_and_push(trainer: Any, model: Any, config: Any, metrics: dict[str, Any]) -> None:
    """The end of every recipe: the model directory in ``config.output_dir`` and, when
    the config asks (``training.push_to_hub`` + ``hub_model_id``), the push.

    ``Trainer.save_model`` writes the weights (gathering FSDP/DeepSpeed shards first)
    through the model class; the first process then writes the rest of the directory
    (tokenizer, training config, metrics, card) through the same class and pushes."""
    from vnnews.config import to_dict

    model.set_training_record(to_dict(config), metrics)
    out = Path(config.output_dir)
    trainer.save_model(str(out))
    if trainer.is_world_process_zero():
        (out / "training_args.bin").unlink(missing_ok=True)  # the Trainer's pickle; training_config.yaml says it all
        model.write_directory(out, weights=False)
        push = config.training.push
        if push:
            url = model.push_to_hub(**push)
            log.warning("pushed to %s", url)
    trainer.accelerator.wait_for_everyone()
