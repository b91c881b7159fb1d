"""The ViT5 summarizer: writes an article's lead (sapo) from its body.

Input is ``prefix + document`` (VietAI's fine-tuned checkpoints expect
"vietnews: "), truncated explicitly to ``max_source_length`` tokens; targets to
``max_target_length``, padded with -100 so padding never counts in the loss.
Generation settings (beams, max_new_tokens, no_repeat_ngram_size,
length_penalty) are saved with the model as its generation config and can be
overridden per call. T5 overflows in fp16: ``training.precision=fp16`` is refused
(vnnews.training.choose_precision).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from vnnews.training import (
    RecipeConfig,
    TrainingConfig,
    load_kwargs,
    load_tokenizer,
    model_identity,
    prepare_for_inference,
    subsample,
)

log = logging.getLogger(__name__)

SETTINGS_KEY = "vnnews_summarizer"


@dataclass
class GenerationSettings:
    num_beams: int = 4
    max_new_tokens: int = 256
    no_repeat_ngram_size: int = 3
    length_penalty: float = 1.0
    early_stopping: bool = True


@dataclass
class SummarizerConfig(RecipeConfig):
    """Knobs of ``vnnews train summarizer`` (configs/summarizer/*.yaml)."""

    base_model: str = "VietAI/vit5-base"
    output_dir: str = "runs/summarizer"
    training: TrainingConfig = field(default_factory=lambda: TrainingConfig(batch_size=8, eval_batch_size=16, learning_rate=3e-4))
    prefix: str = "vietnews: "
    max_source_length: int = 1024
    max_target_length: int = 256
    generation: GenerationSettings = field(default_factory=GenerationSettings)


# Generation overrides users set, with the values they may take: (type, lowest, highest).
_GENERATION_RANGES: dict[str, tuple[type, float | None, float | None]] = {
    "num_beams": (int, 1, None),
    "max_new_tokens": (int, 1, None),
    "min_new_tokens": (int, 0, None),
    "max_length": (int, 1, None),
    "min_length": (int, 0, None),
    "no_repeat_ngram_size": (int, 0, None),
    "encoder_no_repeat_ngram_size": (int, 0, None),
    "top_k": (int, 0, None),
    "top_p": (float, 0.0, 1.0),
    "temperature": (float, 0.0, None),
    "repetition_penalty": (float, 0.0, None),
    "length_penalty": (float, None, None),
    "do_sample": (bool, None, None),
    "max_time": (float, 0.0, None),
}
# Flags that change what generate() returns: a summary is one string per document.
_GENERATION_FORBIDDEN = ("num_return_sequences", "return_dict_in_generate", "output_scores", "output_logits", "output_attentions", "output_hidden_states", "streamer")


def check_generation(overrides: dict[str, Any], key: str = "generation") -> None:
    """Refuse generation overrides that would make every summary fail: an unknown
    key (with the close matches), a value of the wrong type or out of range, or a
    flag that changes what ``generate`` returns. Raises ValueError naming the key."""
    import difflib

    from transformers import GenerationConfig

    known = set(GenerationConfig().to_dict()) - {"transformers_version", "_from_model_config"}
    for name, value in overrides.items():
        where = f"{key}.{name}"
        if name in _GENERATION_FORBIDDEN:
            raise ValueError(f"{where}: not allowed (a summary is one string per document)")
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=3)
            raise ValueError(f"{where}: unknown generation setting" + (f"; did you mean {', '.join(close)}?" if close else ""))
        if name == "early_stopping":
            if not (isinstance(value, bool) or value == "never"):
                raise ValueError(f"{where}: expected true, false or 'never', got {value!r}")
            continue
        if name not in _GENERATION_RANGES:
            continue
        kind, low, high = _GENERATION_RANGES[name]
        ok_type = isinstance(value, bool) if kind is bool else (isinstance(value, int) and not isinstance(value, bool)) if kind is int else (isinstance(value, (int, float)) and not isinstance(value, bool))
        if not ok_type:
            raise ValueError(f"{where}: expected {kind.__name__}, got {value!r}")
        if (low is not None and value < low) or (high is not None and value > high) or (name in ("temperature",) and value == 0):
            bounds = f">= {low}" if high is None else f"between {low} and {high}"
            raise ValueError(f"{where}: must be {bounds}" + (" and not 0" if name == "temperature" else "") + f", got {value!r}")


class Summarizer:
    """Writes a lead for each document. Load with ``from_pretrained`` from a
    directory written by ``vnnews train summarizer`` or a Hub id."""

    def __init__(self, model: Any, tokenizer: Any, prefix: str = "", max_source_length: int = 1024, device: str | None = None) -> None:
        self.model, self.device = prepare_for_inference(model, device)
        generation_config = getattr(self.model, "generation_config", None)
        if generation_config is not None and generation_config.max_new_tokens is not None:
            # transformers writes its default max_length=20 beside our max_new_tokens and
            # then warns on every generate call; max_new_tokens is the setting that rules.
            generation_config.max_length = None
        self.identity: dict[str, str | None] = {"id": getattr(model.config, "_name_or_path", None) or None, "revision": None}
        self.tokenizer = tokenizer
        self.prefix = prefix
        self.max_source_length = max_source_length

    @classmethod
    def from_pretrained(cls, name_or_path: str, device: str | None = None, revision: str | None = None) -> Summarizer:
        from transformers import AutoModelForSeq2SeqLM

        tokenizer = load_tokenizer(name_or_path, revision)
        model = AutoModelForSeq2SeqLM.from_pretrained(name_or_path, **load_kwargs(revision))
        stored = getattr(model.config, SETTINGS_KEY, None) or {}
        summarizer = cls(model, tokenizer, stored.get("prefix", ""), stored.get("max_source_length", 1024), device)
        summarizer.identity = model_identity(name_or_path, model, revision)
        return summarizer

    def summarize(self, documents: str | Sequence[str], batch_size: int = 16, **generation: Any) -> Any:
        """Summaries of ``documents``, in order. Documents are sorted by length and
        batched (little padding); ``generation`` overrides the saved generation config
        (``num_beams=1, max_new_tokens=64``...). One document in, one string out."""
        import torch

        single = isinstance(documents, str)
        docs = [documents] if single else list(documents)
        order = sorted(range(len(docs)), key=lambda i: len(docs[i]))
        out: list[str] = [""] * len(docs)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                enc = self.tokenizer(
                    [self.prefix + docs[i] for i in idx], max_length=self.max_source_length, truncation=True, padding=True, return_tensors="pt"
                ).to(self.device)
                generated = self.model.generate(**enc, **generation)
                for i, text in zip(idx, self.tokenizer.batch_decode(generated, skip_special_tokens=True), strict=True):
                    out[i] = text.strip()
        return out[0] if single else out


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


def train_summarizer(config: SummarizerConfig) -> dict[str, Any]:
    """Fine-tune ``config.base_model`` on the dataset's ``summarization`` subset; write a
    self-contained model directory (generation config included); return its metrics.
    Resumes from the newest checkpoint in ``<output_dir>/checkpoints``."""
    import numpy as np
    from transformers import (
        AutoModelForSeq2SeqLM,
        DataCollatorForSeq2Seq,
        GenerationConfig,
        Seq2SeqTrainer,
        Seq2SeqTrainingArguments,
        set_seed,
    )

    from vnnews.config import to_dict
    from vnnews.dataset import load_subset
    from vnnews.training import device_description, save_model_dir, train_resumable, training_arguments

    set_seed(config.training.seed)
    summ = load_subset(config.dataset_dir, "summarization")
    if config.eval_split not in summ:
        raise ValueError(f"split {config.eval_split!r} not in {config.dataset_dir} (has {list(summ)})")
    train_rows, eval_rows = summ["train"], summ[config.eval_split]
    train_rows = subsample(train_rows, config.max_train_examples, config.training.seed)
    eval_rows = subsample(eval_rows, config.max_eval_examples, config.training.seed)
    if len(train_rows) == 0 or len(eval_rows) == 0:
        raise ValueError(f"{config.dataset_dir}: no summarization examples in train or {config.eval_split}")

    tokenizer = load_tokenizer(config.base_model, config.revision)
    model = AutoModelForSeq2SeqLM.from_pretrained(config.base_model, **load_kwargs(config.revision))
    setattr(model.config, SETTINGS_KEY, {"prefix": config.prefix, "max_source_length": config.max_source_length})
    model.generation_config = GenerationConfig(
        **asdict(config.generation),
        decoder_start_token_id=model.config.decoder_start_token_id,
        eos_token_id=model.config.eos_token_id,
        pad_token_id=model.config.pad_token_id,
    )
    fn_kwargs = {"tokenizer": tokenizer, "prefix": config.prefix, "max_source": config.max_source_length, "max_target": config.max_target_length}
    train_ds = train_rows.map(_tokenize, batched=True, remove_columns=train_rows.column_names, fn_kwargs=fn_kwargs, desc="Tokenizing")
    eval_ds = eval_rows.map(_tokenize, batched=True, remove_columns=eval_rows.column_names, fn_kwargs=fn_kwargs, desc="Tokenizing")

    def compute_metrics(eval_pred: Any) -> dict[str, float]:
        predictions, labels = eval_pred
        predictions = np.where(predictions < 0, tokenizer.pad_token_id, predictions)
        labels = np.where(labels < 0, tokenizer.pad_token_id, labels)
        decoded = tokenizer.batch_decode(predictions, skip_special_tokens=True)
        references = tokenizer.batch_decode(labels, skip_special_tokens=True)
        return rouge_scores(decoded, references)

    args = training_arguments(
        config.training,
        Path(config.output_dir) / "checkpoints",
        "rougeL",
        model.config.model_type,
        arguments_class=Seq2SeqTrainingArguments,
        predict_with_generate=True,
    )
    trainer = Seq2SeqTrainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        data_collator=DataCollatorForSeq2Seq(tokenizer, model=model, label_pad_token_id=-100),
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
    )
    output = train_resumable(trainer, Path(config.output_dir) / "checkpoints", f"{len(train_ds)} articles, evaluating on {len(eval_ds)}")
    scores = {k.removeprefix("eval_"): v for k, v in trainer.evaluate().items() if "rouge" in k}
    metrics = {
        "eval": scores,
        "eval_split": config.eval_split,
        "train_articles": len(train_ds),
        "eval_articles": len(eval_ds),
        "train_runtime_s": round(output.metrics.get("train_runtime", 0.0), 1),
        "device": device_description(),
        "best_checkpoint": trainer.state.best_model_checkpoint,
    }
    if trainer.is_world_process_zero():  # one writer under accelerate launch / torchrun
        save_model_dir(config.output_dir, trainer.model, tokenizer, to_dict(config), metrics, model_card(config, metrics))
    trainer.accelerator.wait_for_everyone()
    return metrics


def model_card(config: SummarizerConfig, metrics: dict[str, Any]) -> str:
    s = metrics["eval"]
    g = config.generation
    table = "\n".join(
        [
            "| tokenization | ROUGE-1 | ROUGE-2 | ROUGE-L |",
            "|---|---:|---:|---:|",
            f"| Vietnamese syllables | {s.get('rouge1', 0):.2f} | {s.get('rouge2', 0):.2f} | {s.get('rougeL', 0):.2f} |",
            f"| compat (rouge_score default) | {s.get('compat_rouge1', 0):.2f} | {s.get('compat_rouge2', 0):.2f} | {s.get('compat_rougeL', 0):.2f} |",
        ]
    )
    return f"""---
language: [vi]
library_name: transformers
pipeline_tag: summarization
base_model: {config.base_model}
tags: [vnnews, vit5, t5, vietnamese, news, summarization]
---

# vnnews lead summarizer

Writes the lead (sapo) of a Vietnamese news article from its body. Fine-tuned from
`{config.base_model}` with vnnews (`vnnews train summarizer`).

## Evaluation ({metrics["eval_split"]}, {metrics["eval_articles"]} articles; ROUGE F x 100)

{table}

"Vietnamese syllables" keeps diacritics (vnnews' ROUGE module); "compat" is rouge_score's default
tokenizer, which deletes letters with diacritics and inflates scores, reported for comparison with
published figures.

## Training data

`{config.dataset_dir}` (`summarization` subset: document = body, summary = lead),
{metrics["train_articles"]} articles.

## Input and generation

Input: `"{config.prefix}" + body`, truncated to {config.max_source_length} tokens; targets up to
{config.max_target_length} tokens. Generation config (saved in generation_config.json, overridable
per call): {g.num_beams} beams, max_new_tokens {g.max_new_tokens}, no_repeat_ngram_size
{g.no_repeat_ngram_size}, length_penalty {g.length_penalty}.

## Usage

```python
from vnnews.summarizer import Summarizer

summarizer = Summarizer.from_pretrained("PATH_OR_HUB_ID")
print(summarizer.summarize(body_text))                  # the saved generation settings
print(summarizer.summarize(body_text, num_beams=1))    # overridden
```

## Limitations

Abstractive: a summary can state things the body does not (check names and figures before
publishing). Trained on VietNews-style articles; other genres and very long bodies (truncated at
{config.max_source_length} tokens) will do worse. Not for use in fp16 (T5 overflows).
"""
