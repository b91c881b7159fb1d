"""The PhoBERT line classifier: one label per line of a page.

A line's label depends on its neighbours and its place in the page: a
related-article title reads like a headline until you see it printed twice, a
teaser reads like a lead until you see it sits under the footer. So the model
reads each line as the first text of a pair; the second text is the line's
position bucket (``<pos0>`` ... ``<pos9>``: which tenth of the page it is in),
the previous line(s), a ``<cur>`` marker where the line sits, and the next
line(s). This keeps a stock ``RobertaForSequenceClassification`` (no custom model
code, nothing to trust remotely) while giving the model its context;
``use_context: false`` gives the line alone, for comparison (docs/benchmarks.md).

PhoBERT reads word-segmented text and at most 256 positions: lines are segmented
(segmenter name stored with the model) and truncated explicitly: the line keeps
up to ``max_line_tokens``, the context gets what is left of ``max_length``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from vnnews.cache import TextCache
from vnnews.ingest import Article
from vnnews.labels import LABELS
from vnnews.training import RecipeConfig, load_kwargs, load_tokenizer, model_identity, prepare_for_inference, subsample

log = logging.getLogger(__name__)

POSITION_BUCKETS = 10
POSITION_TOKENS = [f"<pos{i}>" for i in range(POSITION_BUCKETS)]
CURRENT_TOKEN = "<cur>"
SETTINGS_KEY = "vnnews_classifier"  # where the settings live in config.json
SEGMENT_CACHE_BYTES = 64 << 20  # segmented lines kept per process
TOKEN_CACHE_BYTES = 64 << 20  # token ids kept per encoder


@dataclass
class ClassifierSettings:
    """How lines become model input; saved in the model's config.json so inference
    encodes exactly as training did."""

    segmenter: str = "underthesea"
    tone_style: Literal["new", "old"] | None = "new"
    use_context: bool = True
    context_lines: int = 1  # neighbours on each side
    max_length: int = 256  # PhoBERT's limit
    max_line_tokens: int = 128


@dataclass
class ClassifierConfig(RecipeConfig):
    """Knobs of ``vnnews train classifier`` (configs/classifier/*.yaml)."""

    base_model: str = "vinai/phobert-base-v2"
    dataset_dir: str = "build/classifier-pages"
    output_dir: str = "runs/classifier"
    settings: ClassifierSettings = field(default_factory=ClassifierSettings)
    class_weighting: Literal["none", "inverse_sqrt", "inverse"] = "inverse_sqrt"
    holdout_article: str | None = None  # leave-one-page-out: train without it, evaluate on it alone


@dataclass(frozen=True)
class LinePrediction:
    label: str
    confidence: float
    probabilities: dict[str, float]


# ---------------------------------------------------------------- encoding
@functools.lru_cache(maxsize=8)
def _segment_fn(name: str, tone_style: str | None) -> Any:
    from vnnews.text.segment import model_segmenter

    return TextCache(model_segmenter(name, tone_style).segment, SEGMENT_CACHE_BYTES)


def add_context_tokens(tokenizer: Any, model: Any | None = None) -> None:
    """Add the position and current-line markers to the tokenizer (and the model's
    embeddings) if they are not there yet."""
    missing = [t for t in [*POSITION_TOKENS, CURRENT_TOKEN] if t not in tokenizer.get_vocab()]
    if missing:
        tokenizer.add_tokens(missing, special_tokens=True)
        if model is not None:
            model.resize_token_embeddings(len(tokenizer))


class LineEncoder:
    """Line (+ neighbours, position) -> input ids, the one encoding used for
    training and for inference."""

    def __init__(self, tokenizer: Any, settings: ClassifierSettings) -> None:
        self.tokenizer = tokenizer
        self.settings = settings
        self.segment = _segment_fn(settings.segmenter, settings.tone_style)
        # Each line is encoded three times (itself, and as its neighbours' context), and
        # page furniture repeats across a site's pages: cache the token ids per text,
        # within a byte budget (a long distinct line must not grow memory for good).
        self._ids = TextCache(self._token_ids, TOKEN_CACHE_BYTES)

    def _token_ids(self, text: str) -> list[int]:
        return self.tokenizer.encode(self.segment(text), add_special_tokens=False) if text else []

    def encode(self, text: str, before: Sequence[str], after: Sequence[str], position: float) -> list[int]:
        s = self.settings
        line = self._ids(text)
        if not s.use_context:
            return self.tokenizer.build_inputs_with_special_tokens(line[: s.max_length - 2])
        line = line[: s.max_line_tokens]
        budget = s.max_length - len(line) - 4  # <s> A </s></s> B </s>
        bucket = min(POSITION_BUCKETS - 1, int(position * POSITION_BUCKETS))
        prefix = self.tokenizer.convert_tokens_to_ids([POSITION_TOKENS[bucket]])
        current = self.tokenizer.convert_tokens_to_ids([CURRENT_TOKEN])
        k = s.context_lines
        prev = [i for t in list(before)[-k:] for i in self._ids(t)] if k else []
        nxt = [i for t in list(after)[:k] for i in self._ids(t)] if k else []
        room = max(0, budget - 2)
        half = room // 2
        prev_room = max(half, room - len(nxt))
        prev = prev[-prev_room:] if prev_room else []
        nxt = nxt[: max(0, room - len(prev))]
        return self.tokenizer.build_inputs_with_special_tokens(line, prefix + prev + current + nxt)

    def encode_article(self, article: Article, start: int = 0, end: int | None = None) -> list[list[int]]:
        """Ids of lines ``start:end`` of ``article`` (all by default), each read in the
        context of the whole page, so a page labelled window by window gets the same
        ids as a page labelled at once."""
        texts = article.texts
        n = len(texts)
        k = max(self.settings.context_lines, 1)
        return [
            self.encode(texts[i], texts[max(0, i - k) : i], texts[i + 1 : i + 1 + k], i / (n - 1) if n > 1 else 0.0)
            for i in range(start, n if end is None else min(end, n))
        ]


# ---------------------------------------------------------------- the model
class LineClassifier:
    """Labels every line of an article. Load with ``from_pretrained`` from a
    directory written by ``vnnews train classifier`` or a Hub id."""

    def __init__(self, model: Any, tokenizer: Any, settings: ClassifierSettings, device: str | None = None) -> None:
        self.model, self.device = prepare_for_inference(model, device)
        self.tokenizer = tokenizer
        self.settings = settings
        self.identity: dict[str, str | None] = {"id": getattr(model.config, "_name_or_path", None) or None, "revision": None}
        self.encoder = LineEncoder(tokenizer, settings)
        self._pool: Any = None  # encoding worker processes, started by encode(workers=N)
        self._pool_size = 0
        self.labels = [model.config.id2label[i] for i in range(model.config.num_labels)]

    @classmethod
    def from_pretrained(cls, name_or_path: str, device: str | None = None, revision: str | None = None) -> LineClassifier:
        """Load weights (safetensors only), tokenizer and encoding settings."""
        from transformers import AutoModelForSequenceClassification

        tokenizer = load_tokenizer(name_or_path, revision)
        model = AutoModelForSequenceClassification.from_pretrained(name_or_path, **load_kwargs(revision))
        stored = getattr(model.config, SETTINGS_KEY, None)
        if not stored:
            raise ValueError(f"{name_or_path} is not a vnnews line classifier (no '{SETTINGS_KEY}' in its config.json)")
        classifier = cls(model, tokenizer, ClassifierSettings(**stored), device)
        classifier.identity = model_identity(name_or_path, model, revision)
        return classifier

    def save_pretrained(self, out_dir: str) -> None:
        setattr(self.model.config, SETTINGS_KEY, asdict(self.settings))
        self.model.save_pretrained(out_dir, safe_serialization=True)
        self.tokenizer.save_pretrained(out_dir)

    def encode(self, articles: Sequence[Article], workers: int = 0) -> list[list[list[int]]]:
        """Token ids of every line (with its context), per article: segmentation and
        tokenization, the CPU-bound half of :meth:`predict`, exposed so a batch job
        can time it or run it apart from the model. ``workers`` > 0 spreads the
        articles over that many processes (kept for the next calls): word segmentation
        is pure CPU work, and a GPU waits on it otherwise."""
        if workers <= 0 or len(articles) < 2:
            return [self.encoder.encode_article(article) for article in articles]
        pool = self._encode_pool(workers)
        size = -(-len(articles) // workers)
        parts = [list(articles[i : i + size]) for i in range(0, len(articles), size)]
        return [ids for part in pool.map(_encode_articles, parts) for ids in part]

    def _encode_pool(self, workers: int) -> Any:
        import concurrent.futures
        import multiprocessing

        if self._pool is None or self._pool_size != workers:
            self.close()
            # spawn, not fork: the parent may hold torch and server threads
            self._pool = concurrent.futures.ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_encoder, initargs=(self.tokenizer, asdict(self.settings))
            )
            self._pool_size = workers
        return self._pool

    def close(self) -> None:
        """Stop the encoding processes, if any were started."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def predict(
        self, articles: Article | Sequence[Article], batch_size: int = 64, encoded: Sequence[Sequence[list[int]]] | None = None
    ) -> Any:
        """Label and class probabilities for every line. Lines of all ``articles``
        are pooled, sorted by length and batched together (little padding);
        results come back per article, in line order. One article in, one list out.
        ``encoded`` is :meth:`encode`'s output for the same articles, if already done."""
        import torch

        single = isinstance(articles, Article)
        batch_articles = [articles] if single else list(articles)
        per_article = encoded if encoded is not None else self.encode(batch_articles)
        pooled = [(a, i, ids) for a, lines in enumerate(per_article) for i, ids in enumerate(lines)]
        order = sorted(range(len(pooled)), key=lambda j: len(pooled[j][2]))
        results: list[list[LinePrediction | None]] = [[None] * len(a.lines) for a in batch_articles]
        pad = self.tokenizer.pad_token_id
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chunk = [pooled[j] for j in order[start : start + batch_size]]
                width = max(len(ids) for _, _, ids in chunk)
                input_ids = torch.full((len(chunk), width), pad, dtype=torch.long)
                mask = torch.zeros((len(chunk), width), dtype=torch.long)
                for row, (_, _, ids) in enumerate(chunk):
                    input_ids[row, : len(ids)] = torch.tensor(ids)
                    mask[row, : len(ids)] = 1
                logits = self.model(input_ids=input_ids.to(self.device), attention_mask=mask.to(self.device)).logits
                probs = torch.softmax(logits.float(), dim=-1).cpu()
                for (a, i, _), p in zip(chunk, probs, strict=True):
                    best = int(p.argmax())
                    results[a][i] = LinePrediction(self.labels[best], float(p[best]), {lab: float(x) for lab, x in zip(self.labels, p, strict=True)})
        return results[0] if single else results


# ---------------------------------------------------------------- data
_ENCODERS: dict[str, LineEncoder] = {}
_WORKER_ENCODER: list[LineEncoder] = []  # the encoder of an encoding worker process


def _init_encoder(tokenizer: Any, settings: dict[str, Any]) -> None:
    _WORKER_ENCODER[:] = [LineEncoder(tokenizer, ClassifierSettings(**settings))]


def _encode_articles(articles: list[Article]) -> list[list[list[int]]]:
    return [_WORKER_ENCODER[0].encode_article(article) for article in articles]


def _encode_batch(batch: dict[str, list[Any]], tokenizer: Any, settings: dict[str, Any], key: str) -> dict[str, list[Any]]:
    encoder = _ENCODERS.get(key)
    if encoder is None:
        encoder = _ENCODERS[key] = LineEncoder(tokenizer, ClassifierSettings(**settings))
    ids = [
        encoder.encode(t, b, a, p)
        for t, b, a, p in zip(batch["text"], batch["context_before"], batch["context_after"], batch["position"], strict=True)
    ]
    return {"input_ids": ids, "labels": batch["label"]}


def encode_split(ds: Any, tokenizer: Any, settings: ClassifierSettings, num_proc: int | None = None) -> Any:
    """Segment and tokenize a ``segments`` split. The result is cached next to the
    dataset (fingerprint from the data, the settings and the tokenizer's vocabulary),
    so later epochs and later runs do not segment again."""
    vocab_hash = hashlib.sha1(json.dumps(sorted(tokenizer.get_vocab().items())).encode()).hexdigest()[:16]
    key = hashlib.sha1(f"{ds._fingerprint}|{json.dumps(asdict(settings), sort_keys=True)}|{vocab_hash}|v1".encode()).hexdigest()
    return ds.map(
        _encode_batch,
        batched=True,
        remove_columns=ds.column_names,
        fn_kwargs={"tokenizer": tokenizer, "settings": asdict(settings), "key": key},
        num_proc=num_proc if num_proc and len(ds) >= 1000 else None,
        new_fingerprint=key,
        desc="Segmenting and tokenizing",
    )


def class_weights(labels: Sequence[int], mode: str, n_classes: int) -> list[float]:
    """Loss weights against class imbalance: (N / (K * n_k)) ** power, power 0.5 for
    "inverse_sqrt", 1 for "inverse"; classes absent from training get weight 1."""
    if mode == "none":
        return [1.0] * n_classes
    counts = Counter(labels)
    total, present = sum(counts.values()), len(counts)
    power = 0.5 if mode == "inverse_sqrt" else 1.0
    return [(total / (present * counts[k])) ** power if counts.get(k) else 1.0 for k in range(n_classes)]


def _select_data(config: ClassifierConfig) -> tuple[Any, Any]:
    """Train and evaluation splits per the config (subsampled, or leave-one-page-out)."""
    import datasets

    from vnnews.dataset import load_subset

    segments = load_subset(config.dataset_dir, "segments")
    if config.holdout_article:
        everything = datasets.concatenate_datasets([segments[s] for s in segments])
        held = config.holdout_article
        train = segments["train"].filter(lambda a: a != held, input_columns="article_id")
        gold_id = everything.features["label_source"].str2int("gold")
        extra = [
            segments[s].filter(lambda a, src: a != held and src == gold_id, input_columns=["article_id", "label_source"])
            for s in segments
            if s != "train"
        ]
        train = datasets.concatenate_datasets([train, *extra])
        evaluation = everything.filter(lambda a: a == held, input_columns="article_id")
        if len(evaluation) == 0:
            raise ValueError(f"holdout_article {held!r} is not in {config.dataset_dir}")
    else:
        if config.eval_split not in segments:
            raise ValueError(f"split {config.eval_split!r} not in {config.dataset_dir} (has {list(segments)})")
        train, evaluation = segments["train"], segments[config.eval_split]
    train = subsample(train, config.max_train_examples, config.training.seed)
    evaluation = subsample(evaluation, config.max_eval_examples, config.training.seed)
    if len(train) == 0:
        raise ValueError(f"no training examples in {config.dataset_dir}")
    return train, evaluation


def _compute_metrics(eval_pred: Any) -> dict[str, float]:
    from vnnews.metrics import classification_report

    logits, labels = eval_pred
    predicted = logits.argmax(-1)
    report = classification_report([LABELS[i] for i in labels], [LABELS[i] for i in predicted], LABELS)
    return {"macro_f1": report.macro_f1, "accuracy": report.accuracy}


def train_classifier(config: ClassifierConfig) -> dict[str, Any]:
    """Fine-tune ``config.base_model`` on the dataset's ``segments``; write a
    self-contained model directory to ``config.output_dir``; return its metrics.

    Resumes from the newest checkpoint in ``<output_dir>/checkpoints`` if one exists."""
    import torch
    from transformers import AutoModelForSequenceClassification, DataCollatorWithPadding, Trainer, set_seed

    from vnnews.config import to_dict
    from vnnews.metrics import classification_report
    from vnnews.training import device_description, save_model_dir, train_resumable, training_arguments

    set_seed(config.training.seed)
    out = Path(config.output_dir)
    checkpoints = out / "checkpoints"
    train_rows, eval_rows = _select_data(config)
    kwargs = load_kwargs(config.revision)
    tokenizer = load_tokenizer(config.base_model, config.revision)
    model = AutoModelForSequenceClassification.from_pretrained(
        config.base_model,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
        **kwargs,
    )
    if config.settings.use_context:
        add_context_tokens(tokenizer, model)
    setattr(model.config, SETTINGS_KEY, asdict(config.settings))
    train_ds = encode_split(train_rows, tokenizer, config.settings, config.num_proc)
    eval_ds = encode_split(eval_rows, tokenizer, config.settings, config.num_proc)
    weights = torch.tensor(class_weights(train_ds["labels"], config.class_weighting, len(LABELS)))

    def weighted_loss(outputs: Any, labels: Any, num_items_in_batch: Any = None) -> Any:
        logits = outputs.logits.float()
        return torch.nn.functional.cross_entropy(logits, labels, weight=weights.to(logits.device))

    args = training_arguments(config.training, checkpoints, "macro_f1", model.config.model_type)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        data_collator=DataCollatorWithPadding(tokenizer),
        processing_class=tokenizer,
        compute_metrics=_compute_metrics,
        compute_loss_func=weighted_loss,
    )
    train_output = train_resumable(trainer, checkpoints, f"{len(train_ds)} lines, evaluating on {len(eval_ds)}")
    prediction = trainer.predict(eval_ds)
    predicted = prediction.predictions.argmax(-1)
    report = classification_report([LABELS[i] for i in prediction.label_ids], [LABELS[i] for i in predicted], LABELS)
    metrics = {
        "eval": report.to_dict(),
        "eval_split": config.holdout_article or config.eval_split,
        "train_lines": len(train_ds),
        "eval_lines": len(eval_ds),
        "train_runtime_s": round(train_output.metrics.get("train_runtime", 0.0), 1),
        "device": device_description(),
        "best_checkpoint": trainer.state.best_model_checkpoint,
        "history": [h for h in trainer.state.log_history if "eval_macro_f1" in h],
    }
    card = model_card(config, report, metrics, train_rows)
    if trainer.is_world_process_zero():  # one writer under accelerate launch / torchrun
        save_model_dir(out, trainer.model, tokenizer, to_dict(config), metrics, card)
    trainer.accelerator.wait_for_everyone()
    return metrics


def model_card(config: ClassifierConfig, report: Any, metrics: dict[str, Any], train_rows: Any) -> str:
    """README.md of a trained classifier: what it does, how well, on what data, limits."""
    names = train_rows.features["label_source"].names
    sources = Counter(names[i] for i in train_rows["label_source"])
    source_text = ", ".join(f"{n} {c}" for n, c in sorted(sources.items()))
    s = config.settings
    return f"""---
language: [vi]
library_name: transformers
pipeline_tag: text-classification
base_model: {config.base_model}
tags: [vnnews, phobert, boilerplate-removal, vietnamese, news]
---

# vnnews line classifier

Labels every line of a Vietnamese news page: {", ".join(f"`{label}`" for label in LABELS)}.
Coarse groups: content = title, lead, body, subheading; caption; boilerplate = the rest.
Fine-tuned from `{config.base_model}` with vnnews (`vnnews train classifier`).

## Evaluation ({metrics["eval_split"]}, {metrics["eval_lines"]} lines)

{report.to_markdown()}

## Training data

`{config.dataset_dir}` (`segments` subset), {metrics["train_lines"]} lines; label sources: {source_text}.
`composed` pages are VietNews articles wrapped in generated boilerplate; `gold` lines are
hand-labelled pages; `weak` lines carry rule-based labels.

## Input

Lines are word-segmented with `{s.segmenter}` (tone marks: `{s.tone_style}`) before tokenizing.
{"Each line is read with its position on the page and " + str(s.context_lines) + " neighbouring line(s) on each side as a text pair." if s.use_context else "Each line is read alone (no context)."}
At most {s.max_length} tokens (line: {s.max_line_tokens}); longer input is truncated.
These settings are stored in config.json (`{SETTINGS_KEY}`) and applied by `LineClassifier`.

## Usage

```python
from vnnews.classifier import LineClassifier
from vnnews.ingest import iter_articles

clf = LineClassifier.from_pretrained("PATH_OR_HUB_ID")
for article in iter_articles(["page.txt"]):
    for line, pred in zip(article.lines, clf.predict(article)):
        print(pred.label, round(pred.confidence, 2), line.text[:60])
```

## Intended use and limitations

For separating article text from page furniture in Vietnamese news pages, as the first
stage of `vnnews infer`. Trained mostly on composed pages: real sites with layouts unlike
them, or other languages, will score lower than the table above. The gold evaluation
set is small (five pages); treat per-class figures on rare classes as rough.
"""
