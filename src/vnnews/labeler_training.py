"""Recipe: train the page labeller (:mod:`vnnews.page_model`) on a dataset's ``pages``.

``vnnews train labeler --config configs/labeler/tiny.yaml [key=value ...]``:
pages of the ``pages`` subset (composed pages in many layout families, gold seed
pages) are encoded once (token ids and layout features per line), cut into
windows of ``window_lines`` lines, and fed to the Hugging Face Trainer: CPU or
CUDA picked automatically, bf16 where supported, class-weighted loss, the best
checkpoint by macro-F1 on the evaluation split, seeded, resumed from
``OUTPUT/checkpoints``. DOM and candidate features are zeroed on a random
``dom_dropout`` share of training pages, so the model also labels text dumps.

Options:
- ``exclude_families``: leave layout families out of training (and evaluate on them:
  leave-one-family-out, docs/classifier.md);
- ``self_training``: after training, label unlabelled real pages with the model,
  keep lines it is at least ``min_confidence`` sure of, and train again on both.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from vnnews.ingest import Article
from vnnews.labels import LABELS
from vnnews.training import RecipeConfig

log = logging.getLogger(__name__)


@dataclass
class LabelerSettings:
    """Model shape and page encoding; stored in the model's config.json."""

    hidden_size: int = 128
    num_layers: int = 1
    dropout: float = 0.1
    segmenter: str = "underthesea"
    tone_style: Literal["new", "old"] | None = "new"
    max_line_tokens: int = 32  # per line, special tokens included
    max_line_chars: int = 400  # characters segmented per line (a 1 MB line costs no more)
    window_lines: int = 256
    window_overlap: int = 64


@dataclass
class SelfTraining:
    pages: list[str] = field(default_factory=list)  # unlabelled real pages (files or directories); empty: off
    min_confidence: float = 0.9  # keep a line's model label only at or above this confidence
    exclude_sites: list[str] = field(default_factory=list)  # sites (first folder of the page id) not to learn from


@dataclass
class LabelerConfig(RecipeConfig):
    """Knobs of ``vnnews train labeler`` (configs/labeler/*.yaml)."""

    base_model: str = "vinai/phobert-base-v2"  # the line encoder: any PhoBERT-format checkpoint or Hub id
    dataset_dir: str = "build/classifier-pages"
    output_dir: str = "runs/labeler"
    settings: LabelerSettings = field(default_factory=LabelerSettings)
    class_weighting: Literal["none", "inverse_sqrt", "inverse"] = "inverse_sqrt"
    encoder_learning_rate: float | None = None  # the pretrained line encoder's rate (None: training.learning_rate for all)
    dom_dropout: float = 0.3  # share of training pages read without DOM and candidate features
    exclude_families: list[str] = field(default_factory=list)
    self_training: SelfTraining = field(default_factory=SelfTraining)
    max_train_pages: int | None = None
    max_eval_pages: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.dom_dropout <= 1.0:
            raise ValueError(f"dom_dropout must be between 0 and 1, got {self.dom_dropout}")
        if not 0.0 < self.self_training.min_confidence <= 1.0:
            raise ValueError(f"self_training.min_confidence must be in (0, 1], got {self.self_training.min_confidence}")


class WindowDataset:
    """Training windows (ids, features, label ids) with DOM dropout applied per item."""

    def __init__(self, items: list[tuple[list[list[int]], list[list[float]], list[int]]], dom_dropout: float = 0.0, seed: int = 0) -> None:
        from vnnews.layout import DOM_FEATURES, FEATURE_NAMES

        self.items = items
        self.dom_dropout = dom_dropout
        self.rng = random.Random(seed)
        self.dom_columns = [FEATURE_NAMES.index(name) for name in DOM_FEATURES]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict[str, Any]:
        ids, feats, labels = self.items[i]
        if self.dom_dropout and self.rng.random() < self.dom_dropout:
            feats = [[0.0 if j in self.dom_columns else v for j, v in enumerate(row)] for row in feats]
        return {"ids": ids, "features": feats, "labels": labels}


def page_windows(model: Any, articles: Sequence[Article], labels: Sequence[Sequence[int]]) -> list[tuple[list[list[int]], list[list[float]], list[int]]]:
    """Encode ``articles`` with the model's own encoding and cut them into its windows."""
    from vnnews.page_model import windows

    cfg = model.config
    out = []
    for page, labs in zip(model.encode(articles), labels, strict=True):
        for s, e in windows(len(page.ids), cfg.window_lines, cfg.window_overlap):
            if e > s:
                out.append((page.ids[s:e], page.features[s:e], list(labs[s:e])))
    return out


def _load_pages(config: LabelerConfig) -> tuple[list[Article], list[Article]]:
    from vnnews.dataset import load_subset
    from vnnews.dataset.features import article_from_page_row
    from vnnews.training import subsample

    pages = load_subset(config.dataset_dir, "pages")
    if config.eval_split not in pages:
        raise ValueError(f"split {config.eval_split!r} not in {config.dataset_dir} (has {list(pages)})")
    excluded = set(config.exclude_families)
    train_rows = subsample(pages["train"], config.max_train_pages, config.training.seed)
    train = [a for a in map(article_from_page_row, train_rows) if a.meta.get("family") not in excluded]
    eval_rows = subsample(pages[config.eval_split], config.max_eval_pages, config.training.seed)
    evaluation = [article_from_page_row(r) for r in eval_rows]
    if excluded:  # leave-one-family-out: evaluate on the families left out
        evaluation = [a for a in evaluation if a.meta.get("family") in excluded]
    if not train:
        raise ValueError(f"no training pages in {config.dataset_dir} (excluded families: {sorted(excluded) or 'none'})")
    if not evaluation:
        raise ValueError(f"no evaluation pages in split {config.eval_split!r} of {config.dataset_dir}")
    return train, evaluation


def _label_ids(articles: Sequence[Article]) -> list[list[int]]:
    return [[LABELS.index(line.label or "other") for line in a.lines] for a in articles]


def _compute_metrics(eval_pred: Any) -> dict[str, float]:
    from vnnews.metrics import classification_report

    logits, labels = eval_pred
    predicted = logits.argmax(-1)
    keep = labels != -100
    report = classification_report([LABELS[i] for i in labels[keep]], [LABELS[i] for i in predicted[keep]], LABELS)
    return {"macro_f1": report.macro_f1, "accuracy": report.accuracy}


def _pseudo_labels(model: Any, config: SelfTraining) -> tuple[list[Article], list[list[int]]]:
    """Unlabelled real pages with the model's confident labels (-100 elsewhere)."""
    from vnnews.extraction_eval import site_of
    from vnnews.ingest import iter_articles

    pages = [a for a in iter_articles(config.pages) if site_of(a) not in set(config.exclude_sites)]
    if not pages:
        return [], []
    predictions = model.predict(pages)
    labels = [[LABELS.index(p.label) if p.confidence >= config.min_confidence else -100 for p in preds] for preds in predictions]
    kept = sum(x != -100 for row in labels for x in row)
    log.warning("self-training: %d of %d lines of %d pages kept (confidence >= %s)", kept, sum(map(len, labels)), len(pages), config.min_confidence)
    return pages, labels


def train_labeler(config: LabelerConfig) -> dict[str, Any]:
    """Train a page labeller per ``config``; write a self-contained model directory
    to ``config.output_dir`` and return its metrics."""
    import torch
    from transformers import Trainer, set_seed

    from vnnews.classifier import class_weights
    from vnnews.config import to_dict
    from vnnews.metrics import classification_report
    from vnnews.page_model import PageLabeler, collate
    from vnnews.training import device_description, save_model_dir, train_resumable, training_arguments

    set_seed(config.training.seed)
    out = Path(config.output_dir)
    train_pages, eval_pages = _load_pages(config)
    model = PageLabeler.from_encoder(config.base_model, revision=config.revision, **asdict(config.settings))
    tokenizer = model.tokenizer
    train_labels = _label_ids(train_pages)
    model.config.class_weights = class_weights([x for row in train_labels for x in row], config.class_weighting, len(LABELS))
    train_items = page_windows(model, train_pages, train_labels)
    eval_items = page_windows(model, eval_pages, _label_ids(eval_pages))
    pad = tokenizer.pad_token_id

    def collator(batch: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        return collate([(b["ids"], b["features"], b["labels"]) for b in batch], pad)

    def run(items: list[Any], checkpoints: Path) -> Any:
        args = training_arguments(
            config.training, checkpoints, "macro_f1", "page-labeler", remove_unused_columns=False, label_names=["labels"]
        )
        optimizers: tuple[Any, Any] = (None, None)
        if config.encoder_learning_rate is not None:  # a pretrained encoder learns slowly, the layers above from scratch
            encoder = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
            rest = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
            optimizers = (
                torch.optim.AdamW(
                    [{"params": encoder, "lr": config.encoder_learning_rate}, {"params": rest, "lr": config.training.learning_rate}],
                    weight_decay=config.training.weight_decay,
                ),
                None,
            )
        trainer = Trainer(
            model=model,
            args=args,
            optimizers=optimizers,
            train_dataset=WindowDataset(items, config.dom_dropout, config.training.seed),
            eval_dataset=WindowDataset(eval_items),
            data_collator=collator,
            compute_metrics=_compute_metrics,
        )
        return trainer, train_resumable(trainer, checkpoints, f"{len(items)} windows, evaluating on {len(eval_items)}")

    trainer, result = run(train_items, out / "checkpoints")
    pseudo_lines = 0
    if config.self_training.pages:
        model.eval()
        pages, labels = _pseudo_labels(model, config.self_training)
        pseudo_lines = sum(x != -100 for row in labels for x in row)
        if pages:
            model.train()
            trainer, result = run(train_items + page_windows(model, pages, labels), out / "checkpoints-self-training")
    prediction = trainer.predict(WindowDataset(eval_items))
    logits, gold = prediction.predictions, prediction.label_ids
    keep = gold != -100
    report = classification_report([LABELS[i] for i in gold[keep]], [LABELS[i] for i in logits.argmax(-1)[keep]], LABELS)
    metrics = {
        "eval": report.to_dict(),
        "eval_split": config.eval_split + (f" (families {', '.join(config.exclude_families)})" if config.exclude_families else ""),
        "train_pages": len(train_pages),
        "eval_pages": len(eval_pages),
        "train_windows": len(train_items),
        "self_training_lines": pseudo_lines,
        "train_runtime_s": round(result.metrics.get("train_runtime", 0.0), 1),
        "device": device_description(),
        "families": dict(Counter(str(a.meta.get("family")) for a in train_pages)),
        "history": [h for h in trainer.state.log_history if "eval_macro_f1" in h],
    }
    if trainer.is_world_process_zero():
        save_model_dir(out, trainer.model, tokenizer, to_dict(config), metrics, model_card(config, report, metrics))
    trainer.accelerator.wait_for_everyone()
    return metrics


def model_card(config: LabelerConfig, report: Any, metrics: dict[str, Any]) -> str:
    """README.md of a trained page labeller."""
    s = config.settings
    families = ", ".join(f"{k} {v}" for k, v in sorted(metrics["families"].items()))
    return f"""---
language: [vi]
library_name: transformers
pipeline_tag: token-classification
base_model: {config.base_model}
tags: [vnnews, phobert, boilerplate-removal, web-extraction, vietnamese, news]
---

# vnnews page labeller

Labels every line of a Vietnamese news page ({", ".join(f"`{label}`" for label in LABELS)}) with the whole
page in view: each line is encoded once by `{config.base_model}` (word-segmented with `{s.segmenter}`, at most
{s.max_line_chars} characters and {s.max_line_tokens} tokens), joined with its layout features (position, shape,
repetition in the page and across the site's pages, the page's own title and lead candidates, DOM features for
HTML), and a bidirectional LSTM reads the page's lines; decoding keeps one title block and one lead block.
Pages longer than {s.window_lines} lines are read in windows overlapping by {s.window_overlap} lines.

## Evaluation ({metrics["eval_split"]}, {metrics["eval_pages"]} composed pages)

{report.to_markdown()}

On real pages and against trafilatura: `vnnews evaluate extraction --model PATH` (docs/classifier.md).

## Training data

`{config.dataset_dir}` (`pages` subset): {metrics["train_pages"]} pages, {metrics["train_windows"]} windows; layout families: {families}.
Composed pages wrap VietNews articles in generated sites and layouts, rendered as HTML or text dumps; seed pages are
hand-labelled. DOM and candidate features were dropped on {config.dom_dropout:.0%} of training pages.
Self-training lines: {metrics["self_training_lines"]}.

## Usage

```python
from vnnews.page_model import PageLabeler
from vnnews.ingest import iter_articles

model = PageLabeler.from_pretrained("PATH_OR_HUB_ID")   # a transformers model class of vnnews; no remote code
pages = list(iter_articles(["page.html"]))
for line, pred in zip(pages[0].lines, model.predict(pages)[0]):
    print(pred.label, round(pred.confidence, 2), line.text[:60])
```

## Intended use and limitations

The first stage of `vnnews infer` and `vnnews serve`: cutting the article out of Vietnamese news pages. It never
saw a real page in training (unless self-training was on); sites laid out unlike any composed family may score lower.
"""
