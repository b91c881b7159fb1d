"""Recipe: fine-tune the summarizer (:class:`vnnews.models.Summarizer`) on a dataset's
``summarization`` subset.

The steps, each a function that ``train/train_summarizer.py`` calls in the same
order and ``vnnews train summarizer`` runs through :func:`train_summarizer`:
:func:`load_model` -> :func:`training_args` -> :func:`prepare_data` (under
``main_process_first``) -> :func:`build_trainer` -> train -> :func:`finish`
(evaluate, save through the model class, push when asked).

Targets are truncated to ``max_target_length`` and padded with -100 so padding never
counts in the loss. T5 overflows in fp16: ``training.precision=fp16`` is refused
(:func:`vnnews.recipes.common.choose_precision`).
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vnnews.models.summarizer import GenerationSettings, Summarizer
from vnnews.recipes.common import (
    RecipeConfig,
    Seq2SeqTrainingConfig,
    claim_output,
    save_and_push,
    subsample,
    train_resumable,
    training_arguments,
)

log = logging.getLogger(__name__)


@dataclass
class SummarizerConfig(RecipeConfig):
    """Knobs of ``vnnews train summarizer`` (configs/summarizer/*.yaml)."""

    base_model: str = "VietAI/vit5-base"
    output_dir: str = "runs/summarizer"
    training: Seq2SeqTrainingConfig = field(default_factory=lambda: Seq2SeqTrainingConfig(batch_size=8, eval_batch_size=16, learning_rate=3e-4))
    prefix: str = "vietnews: "
    max_source_length: int = 1024
    max_target_length: int = 256
    generation: GenerationSettings = field(default_factory=GenerationSettings)


def _tokenize(batch: dict[str, list[Any]], tokenizer: Any, prefix: str, max_source: int, max_target: int) -> dict[str, Any]:
    inputs = tokenizer([prefix + d for d in batch["document"]], max_length=max_source, truncation=True)
    inputs["labels"] = tokenizer(text_target=batch["summary"], max_length=max_target, truncation=True)["input_ids"]
    return inputs


@functools.lru_cache(maxsize=1)
def _rouge() -> Any:
    import evaluate

    from vnnews.evaluate_modules import ROUGE_VI

    return evaluate.load(ROUGE_VI)


def rouge_scores(predictions: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """ROUGE x 100 from the vnnews module: Vietnamese syllables and compat tokenization.
    The module is loaded once per process (every epoch and every system reuse it)."""
    scores = _rouge().compute(predictions=list(predictions), references=list(references))
    return {k: round(100 * v, 2) for k, v in scores.items()}


def load_model(config: SummarizerConfig) -> Summarizer:
    """The summarizer to fine-tune: ``base_model`` with the config's prefix, source length and generation settings."""
    from transformers import set_seed

    set_seed(config.training.seed)
    return Summarizer.from_base(config.base_model, config.prefix, config.max_source_length, config.generation, config.revision)


def training_args(config: SummarizerConfig, summarizer: Summarizer) -> Any:
    """Seq2SeqTrainingArguments: best checkpoint by ROUGE-L, generation at evaluation."""
    return training_arguments(
        config.training, Path(config.output_dir) / "checkpoints", "rougeL", summarizer.model.config.model_type, predict_with_generate=True
    )


def prepare_data(config: SummarizerConfig, summarizer: Summarizer) -> tuple[Any, Any]:
    """Tokenized train and evaluation examples (subsampled as the config says)."""
    from vnnews.dataset import load_subset

    summ = load_subset(config.dataset_dir, "summarization")
    if config.eval_split not in summ:
        raise ValueError(f"split {config.eval_split!r} not in {config.dataset_dir} (has {list(summ)})")
    train_rows = subsample(summ["train"], config.max_train_examples, config.training.seed)
    eval_rows = subsample(summ[config.eval_split], config.max_eval_examples, config.training.seed)
    if len(train_rows) == 0 or len(eval_rows) == 0:
        raise ValueError(f"{config.dataset_dir}: no summarization examples in train or {config.eval_split}")
    names = train_rows.features["label_source"]
    summarizer.train_sources = dict(Counter(names.int2str(v) for v in train_rows["label_source"]))  # what the card says it read
    fn_kwargs = {"tokenizer": summarizer.tokenizer, "prefix": config.prefix, "max_source": config.max_source_length, "max_target": config.max_target_length}

    def tokenize(rows: Any) -> Any:
        return rows.map(_tokenize, batched=True, remove_columns=rows.column_names, fn_kwargs=fn_kwargs, num_proc=config.num_proc, desc="Tokenizing")

    return tokenize(train_rows), tokenize(eval_rows)


def build_trainer(config: SummarizerConfig, summarizer: Summarizer, args: Any, train_ds: Any, eval_ds: Any) -> Any:
    """A Seq2SeqTrainer scoring generated leads with the Vietnamese ROUGE."""
    import numpy as np
    from transformers import DataCollatorForSeq2Seq, Seq2SeqTrainer

    tokenizer = summarizer.tokenizer

    def compute_metrics(eval_pred: Any) -> dict[str, float]:
        predictions, labels = eval_pred
        predictions = np.where(predictions < 0, tokenizer.pad_token_id, predictions)
        labels = np.where(labels < 0, tokenizer.pad_token_id, labels)
        decoded = tokenizer.batch_decode(predictions, skip_special_tokens=True)
        references = tokenizer.batch_decode(labels, skip_special_tokens=True)
        return rouge_scores(decoded, references)

    return Seq2SeqTrainer(
        model=summarizer.model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        data_collator=DataCollatorForSeq2Seq(tokenizer, model=summarizer.model, label_pad_token_id=-100),
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
        callbacks=[_LengthByNewTokens()],
    )


def _length_by_new_tokens(model: Any) -> None:
    generation = getattr(model, "generation_config", None)
    if generation is not None and generation.max_new_tokens is not None:
        generation.max_length = None


def _LengthByNewTokens() -> Any:
    """Saving a checkpoint writes transformers' default ``max_length=20`` back into the
    model's generation config, and every later generation (evaluation) then warns that
    both lengths are set; ``max_new_tokens`` is the setting vnnews uses, so the default is
    dropped again after each save."""
    from transformers import TrainerCallback

    class LengthByNewTokens(TrainerCallback):
        def on_save(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
            _length_by_new_tokens(model)

        def on_train_end(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
            _length_by_new_tokens(model)

    return LengthByNewTokens()


def finish(config: SummarizerConfig, trainer: Any, summarizer: Summarizer, train_output: Any) -> dict[str, Any]:
    """Evaluate the best checkpoint, save the model directory through the model class,
    push when asked; return the metrics."""
    from vnnews.models.loading import device_description

    scores = {k.removeprefix("eval_"): v for k, v in trainer.evaluate().items() if "rouge" in k}
    metrics = {
        "eval": scores,
        "eval_split": config.eval_split,
        "train_articles": len(trainer.train_dataset),
        "train_sources": dict(getattr(summarizer, "train_sources", {}) or {}),
        "eval_articles": len(trainer.eval_dataset),
        "train_runtime_s": round(train_output.metrics.get("train_runtime", 0.0), 1),
        "device": device_description(),
        "best_checkpoint": trainer.state.best_model_checkpoint,
    }
    save_and_push(trainer, summarizer, config, metrics)
    return metrics


def train_summarizer(config: SummarizerConfig, resume: bool = False, overwrite: bool = False) -> dict[str, Any]:
    """Fine-tune ``config.base_model``; write a self-contained model directory to
    ``config.output_dir``; return its metrics. An output directory that holds a run is
    continued from its newest checkpoint only with ``resume`` (same config) and replaced
    only with ``overwrite`` (:func:`~vnnews.recipes.common.claim_output`). The same steps
    as train/train_summarizer.py."""
    claim = claim_output(config, resume, overwrite)
    summarizer = load_model(config)
    args = training_args(config, summarizer)
    with args.main_process_first(desc="tokenizing"):
        train_ds, eval_ds = prepare_data(config, summarizer)
    trainer = build_trainer(config, summarizer, args, train_ds, eval_ds)
    output = train_resumable(trainer, claim, f"{len(train_ds)} articles, evaluating on {len(eval_ds)}")
    return finish(config, trainer, summarizer, output)
