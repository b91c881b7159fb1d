"""Recipe: train the classifier, the page labeller (:class:`vnnews.models.PageLabeler`),
on a dataset's ``pages`` subset.

The steps, each a function that ``train/train_classifier.py`` calls in the same order
and ``vnnews train classifier`` runs through :func:`train_classifier`:
:func:`load_model` -> :func:`training_args` -> :func:`prepare_data` (under
``main_process_first``) -> :func:`build_trainer` -> train -> (:func:`self_train`) ->
:func:`finish` (evaluate, save through the model class, push when asked).

Pages (composed pages in many layout families, gold seed pages) are encoded once
(token ids and layout features per line) and cut into windows of ``window_lines``
lines; class-weighted loss; the best checkpoint by macro-F1 on the evaluation split;
seeded; resumed from ``OUTPUT/checkpoints``. DOM and candidate features are zeroed on
a random ``dom_dropout`` share of training pages, so the model also labels text dumps.

Options:
- ``exclude_families``: leave layout families out of training and of the evaluation
  that picks the checkpoint; :func:`held_out_pages` gives their pages to score
  (leave-one-family-out, docs/classifier.md);
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
from vnnews.recipes.common import (
    RecipeConfig,
    claim_output,
    last_checkpoint,
    save_and_push,
    subsample,
    train_resumable,
    training_arguments,
)

log = logging.getLogger(__name__)


@dataclass
class ClassifierSettings:
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
class ClassifierConfig(RecipeConfig):
    """Knobs of ``vnnews train classifier`` (configs/classifier/*.yaml).
    ``max_train_examples``/``max_eval_examples`` count pages."""

    base_model: str = "vinai/phobert-base-v2"  # the line encoder: any PhoBERT-format checkpoint or Hub id
    dataset_dir: str = "build/classifier-pages"
    output_dir: str = "runs/classifier"
    settings: ClassifierSettings = field(default_factory=ClassifierSettings)
    class_weighting: Literal["none", "inverse_sqrt", "inverse"] = "inverse_sqrt"
    # Precision first: weight of the extra cost of article-text probability on boilerplate
    # lines (PageLabeler leak_loss); 0 trains on the cross-entropy alone
    leak_weight: float = 0.5
    encoder_learning_rate: float | None = None  # the pretrained line encoder's rate (None: training.learning_rate for all)
    dom_dropout: float = 0.3  # share of training pages read without DOM and candidate features
    exclude_families: list[str] = field(default_factory=list)
    self_training: SelfTraining = field(default_factory=SelfTraining)

    def __post_init__(self) -> None:
        if self.leak_weight < 0:
            raise ValueError(f"leak_weight must be >= 0, got {self.leak_weight}")
        if not 0.0 <= self.dom_dropout <= 1.0:
            raise ValueError(f"dom_dropout must be between 0 and 1, got {self.dom_dropout}")
        if not 0.0 < self.self_training.min_confidence <= 1.0:
            raise ValueError(f"self_training.min_confidence must be in (0, 1], got {self.self_training.min_confidence}")


def class_weights(labels: Sequence[int], mode: str, n_classes: int) -> list[float]:
    """Loss weights against class imbalance: (N / (K * n_k)) ** power, power 0.5 for
    "inverse_sqrt", 1 for "inverse"; classes absent from training get weight 1."""
    if mode == "none":
        return [1.0] * n_classes
    counts = Counter(labels)
    total, present = sum(counts.values()), len(counts)
    power = 0.5 if mode == "inverse_sqrt" else 1.0
    return [(total / (present * counts[k])) ** power if counts.get(k) else 1.0 for k in range(n_classes)]


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
    from vnnews.models.page_labeler import windows

    cfg = model.config
    out = []
    for page, labs in zip(model.encode(articles), labels, strict=True):
        for s, e in windows(len(page.ids), cfg.window_lines, cfg.window_overlap):
            if e > s:
                out.append((page.ids[s:e], page.features[s:e], list(labs[s:e])))
    return out


def dataset_segmentation(dataset_dir: str | Path) -> dict[str, Any] | None:
    """The settings a dataset's stored line segmentation was made with (build.json), or None."""
    import json

    manifest = Path(dataset_dir) / "build.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text(encoding="utf-8")).get("segmentation")


def load_pages(config: ClassifierConfig) -> tuple[list[Article], list[Article]]:
    """Training and evaluation pages of the config's dataset (``pages`` subset). With
    ``exclude_families`` both leave those families out: the evaluation pages pick the
    best checkpoint, and a held-out family must not choose its own model
    (:func:`held_out_pages` gives its pages, to score it once training is done)."""
    from vnnews.dataset.features import article_from_page_row

    pages, segmentation = _pages_subset(config)
    excluded = set(config.exclude_families)
    train_rows = subsample(pages["train"], config.max_train_examples, config.training.seed)
    train = [a for a in (article_from_page_row(r, segmentation) for r in train_rows) if a.meta.get("family") not in excluded]
    eval_rows = pages[config.eval_split]
    if excluded:
        eval_rows = _rows_of_families(eval_rows, excluded, keep=False)
    eval_rows = subsample(eval_rows, config.max_eval_examples, config.training.seed)
    evaluation = [article_from_page_row(r, segmentation) for r in eval_rows]
    if not train:
        raise ValueError(f"no training pages in {config.dataset_dir} (excluded families: {sorted(excluded) or 'none'})")
    if not evaluation:
        raise ValueError(f"no evaluation pages in split {config.eval_split!r} of {config.dataset_dir} (excluded families: {sorted(excluded) or 'none'})")
    return train, evaluation


def held_out_pages(config: ClassifierConfig) -> list[Article]:
    """Every page of the evaluation split in the families ``exclude_families`` names:
    the layouts a leave-one-family-out model never trained on nor was chosen by."""
    from vnnews.dataset.features import article_from_page_row

    pages, segmentation = _pages_subset(config)
    excluded = set(config.exclude_families)
    held = [article_from_page_row(r, segmentation) for r in _rows_of_families(pages[config.eval_split], excluded, keep=True)]
    if not held:
        raise ValueError(f"no pages of the families {sorted(excluded)} in split {config.eval_split!r} of {config.dataset_dir}")
    return held


def _rows_of_families(rows: Any, families: set[str], keep: bool) -> Any:
    """The rows of ``rows`` in ``families`` (``keep``) or in none of them; in memory, so
    nothing is written into the dataset's directory."""
    return rows.select([i for i, family in enumerate(rows["family"]) if (family in families) == keep], keep_in_memory=True)


def _pages_subset(config: ClassifierConfig) -> tuple[Any, dict[str, Any] | None]:
    from vnnews.dataset import load_subset

    pages = load_subset(config.dataset_dir, "pages")
    if config.eval_split not in pages:
        raise ValueError(f"split {config.eval_split!r} not in {config.dataset_dir} (has {list(pages)})")
    return pages, dataset_segmentation(config.dataset_dir)


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
    from vnnews.ingest import iter_articles

    excluded = set(config.exclude_sites)
    pages = [a for a in iter_articles(config.pages) if a.site not in excluded]
    if not pages:
        return [], []
    predictions = model.predict(pages)
    labels = [[LABELS.index(p.label) if p.confidence >= config.min_confidence else -100 for p in preds] for preds in predictions]
    kept = sum(x != -100 for row in labels for x in row)
    log.warning("self-training: %d of %d lines of %d pages kept (confidence >= %s)", kept, sum(map(len, labels)), len(pages), config.min_confidence)
    return pages, labels


@dataclass
class PreparedPages:
    """What :func:`prepare_data` returns: training and evaluation windows, and the pages they came from."""

    train: WindowDataset
    eval: WindowDataset
    train_pages: list[Article]
    eval_pages: list[Article]


def load_model(config: ClassifierConfig) -> Any:
    """A new page labeller whose line encoder is ``base_model``, shaped by ``settings``."""
    from transformers import set_seed

    from vnnews.models.page_labeler import PageLabeler

    set_seed(config.training.seed)
    return PageLabeler.from_encoder(config.base_model, revision=config.revision, **asdict(config.settings))


def training_args(config: ClassifierConfig, model: Any, checkpoints: str | Path | None = None) -> Any:
    """TrainingArguments: best checkpoint by macro-F1 over lines."""
    return training_arguments(
        config.training, checkpoints or Path(config.output_dir) / "checkpoints", "macro_f1", "page-labeler",
        remove_unused_columns=False, label_names=["labels"],
    )


def prepare_data(config: ClassifierConfig, model: Any) -> PreparedPages:
    """Pages encoded with the model's own encoding, cut into its windows; the class
    weights of the training lines are stored in the model's config."""
    train_pages, eval_pages = load_pages(config)
    train_labels = _label_ids(train_pages)
    model.config.class_weights = class_weights([x for row in train_labels for x in row], config.class_weighting, len(LABELS))
    model.config.leak_weight = config.leak_weight
    return PreparedPages(
        WindowDataset(page_windows(model, train_pages, train_labels), config.dom_dropout, config.training.seed),
        WindowDataset(page_windows(model, eval_pages, _label_ids(eval_pages))),
        train_pages,
        eval_pages,
    )


def build_trainer(config: ClassifierConfig, model: Any, args: Any, data: PreparedPages) -> Any:
    """A Trainer over page windows; the pretrained encoder at ``encoder_learning_rate`` when set."""
    import torch
    from transformers import Trainer

    from vnnews.models.page_labeler import collate

    pad = model.tokenizer.pad_token_id

    def collator(batch: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        return collate([(b["ids"], b["features"], b["labels"]) for b in batch], pad)

    optimizers: tuple[Any, Any] = (None, None)
    if config.encoder_learning_rate is not None:  # a pretrained encoder learns slowly, the layers above from scratch
        encoder = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
        rest = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
        groups = [{"params": encoder, "lr": config.encoder_learning_rate}, {"params": rest, "lr": config.training.learning_rate}]
        fused = {"fused": True} if torch.cuda.is_available() else {}  # one kernel for every tensor on a GPU
        optimizers = (torch.optim.AdamW(groups, weight_decay=config.training.weight_decay, **fused), None)
    return Trainer(
        model=model,
        args=args,
        optimizers=optimizers,
        train_dataset=data.train,
        eval_dataset=data.eval,
        data_collator=collator,
        compute_metrics=_compute_metrics,
    )


def self_train(config: ClassifierConfig, model: Any, data: PreparedPages, trainer: Any, output: Any, resume: bool = False) -> tuple[Any, Any, int]:
    """Label the unlabelled real pages with the trained model, keep its confident
    lines, and train again on both (checkpoints in OUTPUT/checkpoints-self-training,
    continued from the newest when ``resume``). Returns the new trainer, its training
    output and the number of lines kept (the given trainer and output when no page
    could be read)."""
    model.eval()
    pages, labels = _pseudo_labels(model, config.self_training)
    model.train()
    if not pages:
        return trainer, output, 0
    pseudo = page_windows(model, pages, labels)
    data.train = WindowDataset(data.train.items + pseudo, config.dom_dropout, config.training.seed)
    args = training_args(config, model, Path(config.output_dir) / "checkpoints-self-training")
    trainer = build_trainer(config, model, args, data)
    resume_from = last_checkpoint(args.output_dir) if resume else None
    log.info("self-training on %d windows, evaluating on %d", len(data.train), len(data.eval))
    output = trainer.train(resume_from_checkpoint=resume_from)
    return trainer, output, sum(x != -100 for row in labels for x in row)


def finish(config: ClassifierConfig, trainer: Any, model: Any, data: PreparedPages, train_output: Any, self_training_lines: int = 0) -> dict[str, Any]:
    """Score the best checkpoint line by line, save the model directory through the
    model class, push when asked; return the metrics."""
    from vnnews.metrics import classification_report
    from vnnews.models.loading import device_description

    prediction = trainer.predict(data.eval)
    logits, gold = prediction.predictions, prediction.label_ids
    keep = gold != -100
    report = classification_report([LABELS[i] for i in gold[keep]], [LABELS[i] for i in logits.argmax(-1)[keep]], LABELS)
    metrics = {
        "eval": report.to_dict(),
        "eval_split": config.eval_split + (f" (without the families {', '.join(config.exclude_families)})" if config.exclude_families else ""),
        "train_pages": len(data.train_pages),
        "eval_pages": len(data.eval_pages),
        "train_windows": len(data.train),
        "self_training_lines": self_training_lines,
        "train_runtime_s": round(train_output.metrics.get("train_runtime", 0.0), 1),
        "device": device_description(),
        "families": dict(Counter(str(a.meta.get("family")) for a in data.train_pages)),
        "history": [h for h in trainer.state.log_history if "eval_macro_f1" in h],
    }
    save_and_push(trainer, model, config, metrics)
    return metrics


def train_classifier(config: ClassifierConfig, resume: bool = False, overwrite: bool = False) -> dict[str, Any]:
    """Train a page labeller per ``config``; write a self-contained model directory to
    ``config.output_dir`` and return its metrics. An output directory that holds a run
    is continued only with ``resume`` (same config) and replaced only with ``overwrite``
    (:func:`~vnnews.recipes.common.claim_output`). The same steps as train/train_classifier.py."""
    claim = claim_output(config, resume, overwrite)
    model = load_model(config)
    args = training_args(config, model)
    with args.main_process_first(desc="encoding pages"):
        data = prepare_data(config, model)
    trainer = build_trainer(config, model, args, data)
    output = train_resumable(trainer, claim, f"{len(data.train)} windows, evaluating on {len(data.eval)}")
    kept = 0
    if config.self_training.pages:
        trainer, output, kept = self_train(config, model, data, trainer, output, resume=claim.checkpoint is not None)
    return finish(config, trainer, model, data, output, kept)
