"""The page labeller: every line of a page labelled with the whole page in view.

A line-at-a-time classifier cannot tell the article's headline from a related
headline, or the lead from a teaser: the difference is in the page. This model
reads the page:

1. each line is encoded once by a PhoBERT-format encoder (word-segmented,
   explicitly truncated to ``max_line_chars`` characters and ``max_line_tokens``
   tokens, mean-pooled);
2. its layout features (:mod:`vnnews.layout`: position, shape, repetition in the
   page and across the site's pages, the page's own title/lead candidates, DOM
   features for HTML) are projected and added;
3. a bidirectional LSTM runs over the page's lines, so each label sees the page;
4. decoding keeps one title block and one lead block (the most probable of each), and
   the page-level rules of :mod:`vnnews.models.decoding`; where the model plainly missed
   the article (its body a fraction of the rules'), the rules' article lines are taken
   (:func:`vnnews.models.decoding.rules_fallback`).

Pages longer than ``window_lines`` are read in windows overlapping by
``window_overlap`` lines (a line's probabilities are averaged over the windows
that hold it): memory is bounded by the window, never by the page, and nothing is
cut off.

It is a ``transformers`` model of its own (``PageLabelerConfig``/``PageLabeler``):
``save_pretrained`` writes config.json (label maps, encoder config, settings,
segmenter, feature names) + model.safetensors + the tokenizer;
``from_pretrained`` loads it back (safetensors only, no remote code: the class is
this one); ``push_to_hub`` publishes it. ``PageLabeler.from_encoder`` starts a new
one from any PhoBERT-format checkpoint or Hub id (``vinai/phobert-base-v2``).
Training lives apart, in :mod:`vnnews.recipes.classifier`; the directory format
(tokenizer, training config, metrics, card) in :mod:`vnnews.models.directory`.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

import numpy as np
import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import TokenClassifierOutput

from vnnews.cancel import check_stop
from vnnews.ingest import Article
from vnnews.ingest.html import metadata_titles
from vnnews.ingest.second_opinion import page_flags
from vnnews.labels import COARSE, FURNITURE, LABELS
from vnnews.layout import FEATURE_NAMES, N_FEATURES, SiteIndex, page_features
from vnnews.models.card import VIETNEWS, card_data, data_terms, licence_section, render
from vnnews.models.decoding import (
    SECOND_OPINION_BELOW,
    decode,
    may_have_missed_article,
    rules_fallback,
    second_opinion_labels,
    stray_body,
)
from vnnews.models.directory import VnnewsModelMixin
from vnnews.models.line_cache import DEFAULT_CACHE_MIB, LineVectorCache
from vnnews.models.line_tokens import LineTokenizer, SegmentPool, features_within_time

log = logging.getLogger(__name__)

PAGE_MODEL_TYPE = "vnnews-page-labeler"
# Padded tokens per encoder call (lines sorted by length, see PageLabeler.pool_lines): small
# groups are fastest on a CPU (int8 PhoBERT-base export on 2 cores: 148.8 lines/s at 1,024 against
# 119.2 at 4,096, benchmarks/export_speed.py, docs/benchmarks.md); a GPU wants large ones: a plain
# RoBERTa-base loop reached its best rate on an H200 at 512 lines x 51 tokens (26k), and 65,536
# leaves room for long lines while a base encoder's activations stay under a few GiB in bf16.
ENCODER_TOKENS = {"cpu": 1024, "cuda": 65536}
# What one encoder call costs beyond the tokens it computes, in tokens (the cost model of
# encoder_groups): on a GPU a call's fixed cost (a few hundred kernel launches forward, more
# backward) is worth a few thousand tokens of RoBERTa-base compute; on a CPU little. Filling
# every call up to the budget instead padded a base-shaped training step's lines to 3.9x their
# real tokens on composed pages (2.4x in a predict pass) at the GPU budget (docs/benchmarks.md).
ENCODER_CALL_TOKENS = {"cpu": 256, "cuda": 4096}
# Lines per forward pass (page windows packed up to it) when the caller does not say: the BiLSTM
# and head are cheap, the encoder groups inside a pass follow ENCODER_TOKENS.
PREDICT_LINES = {"cpu": 128, "cuda": 4096}


class PageLabelerConfig(PretrainedConfig):
    """Everything needed to rebuild the model and encode pages as in training."""

    model_type = PAGE_MODEL_TYPE

    def __init__(
        self,
        encoder: dict[str, Any] | None = None,
        labels: Sequence[str] = LABELS,
        feature_names: Sequence[str] = FEATURE_NAMES,
        hidden_size: int = 128,
        num_layers: int = 1,
        dropout: float = 0.1,
        segmenter: str = "underthesea",
        tone_style: str | None = "new",
        max_line_tokens: int = 32,
        max_line_chars: int = 400,
        window_lines: int = 256,
        window_overlap: int = 64,
        class_weights: Sequence[float] | None = None,
        leak_weight: float = 0.0,
        **kwargs: Any,
    ) -> None:
        self.encoder = dict(encoder or {})
        self.labels = list(labels)
        self.feature_names = list(feature_names)
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.segmenter = segmenter
        self.tone_style = tone_style
        self.max_line_tokens = max_line_tokens
        self.max_line_chars = max_line_chars
        self.window_lines = window_lines
        self.window_overlap = window_overlap
        self.class_weights = list(class_weights) if class_weights is not None else None
        self.leak_weight = float(leak_weight)  # training only: the cost of article-text probability on a boilerplate line
        kwargs.setdefault("id2label", dict(enumerate(self.labels)))
        kwargs.setdefault("label2id", {label: i for i, label in enumerate(self.labels)})
        super().__init__(**kwargs)
        if window_overlap * 2 >= window_lines:
            raise ValueError(f"window_overlap ({window_overlap}) must be less than half of window_lines ({window_lines})")


@dataclass(frozen=True)
class LinePrediction:
    label: str
    confidence: float
    probabilities: dict[str, float]
    text: str = ""  # the line as the model read it (after cleaning), so a prediction on raw text says which line it is


@dataclass
class EncodedPage:
    """A page as the model reads it: token ids and layout features of every line."""

    ids: list[list[int]]
    features: list[list[float]]


def windows(n: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """(start, end) of overlapping windows covering ``n`` lines; one window if it fits."""
    if n <= size:
        return [(0, n)]
    step = size - overlap
    starts = list(range(0, n - size, step)) + [n - size]
    return [(s, s + size) for s in starts]


def collate(items: Sequence[tuple[list[list[int]], list[list[float]], list[int] | None]], pad_id: int) -> dict[str, torch.Tensor]:
    """Tensors for a batch of windows: every line of every window in one encoder
    batch (``input_ids``/``attention_mask``), their slots in the padded page grid
    (``line_index``), the features and mask of the grid, and labels (-100 = none)."""
    n_pages, n_lines = len(items), max((len(ids) for ids, _, _ in items), default=0)
    lines = [line for ids, _, _ in items for line in ids]
    lengths = torch.tensor([len(x) for x in lines], dtype=torch.long)
    width = max(int(lengths.max()) if len(lines) else 1, 1)
    # one tensor from all ids, scattered under the mask: a tensor per line cost about 20 us a
    # line, a third of a GPU forward pass (issue 20)
    attention = (torch.arange(width).unsqueeze(0) < lengths.unsqueeze(1)).long()
    input_ids = torch.full((len(lines), width), pad_id, dtype=torch.long)
    input_ids[attention.bool()] = torch.from_numpy(np.fromiter(itertools.chain.from_iterable(lines), dtype=np.int64, count=int(lengths.sum())))
    features = torch.zeros((n_pages, n_lines, N_FEATURES))
    mask = torch.zeros((n_pages, n_lines), dtype=torch.bool)
    labels = torch.full((n_pages, n_lines), -100, dtype=torch.long)
    index = []
    for p, (ids, feats, labs) in enumerate(items):
        k = len(ids)
        if k:
            features[p, :k] = torch.from_numpy(np.asarray(feats, dtype=np.float32))  # numpy reads nested lists 2-3x faster than torch
        mask[p, :k] = True
        if labs is not None:
            labels[p, :k] = torch.tensor(labs, dtype=torch.long)
        index += [p * n_lines + i for i in range(k)]
    batch = {
        "input_ids": input_ids,
        "attention_mask": attention,
        "line_index": torch.tensor(index, dtype=torch.long),
        "features": features,
        "line_mask": mask,
    }
    if any(labs is not None for _, _, labs in items):
        batch["labels"] = labels
    return batch


def encoder_groups(lengths: Sequence[int], budget: int, call_tokens: int) -> list[list[int]]:
    """The lines (indices into ``lengths``, their token counts) in groups for the encoder,
    each to be padded to its longest line: lines sorted by length (longest first, stable),
    cut where the cost ``padded tokens + call_tokens x calls`` is least, with at most
    ``budget`` padded tokens a call. A page's lines are mostly short (menus, captions)
    beside a few long paragraphs: one call padded to the longest line makes most of its
    compute padding, one call per length makes most of its time call overhead.

    Lines of one length are never split between groups (except to keep to ``budget``),
    so the plan is a shortest path over the distinct lengths (at most ``max_line_tokens``
    of them): exact, and at most quadratic in that number (a bound stops each row early)."""
    if not len(lengths):
        return []
    arr = np.maximum(np.asarray(lengths, dtype=np.int64), 1)
    order = np.argsort(-arr, kind="stable")
    sorted_widths = arr[order]
    widths, counts = np.unique(sorted_widths, return_counts=True)  # ascending: turn to longest first
    widths, counts = widths[::-1].tolist(), counts[::-1].tolist()
    m = len(widths)
    firsts = [0] * (m + 1)  # the first sorted line of each length
    real = [0] * (m + 1)  # real tokens of the lines from length j on
    for j in range(m):
        firsts[j + 1] = firsts[j] + counts[j]
    for j in range(m - 1, -1, -1):
        real[j] = real[j + 1] + widths[j] * counts[j]
    best = [0.0] * (m + 1)  # least cost of the lines from length j on
    cut = [m] * (m + 1)
    for j in range(m - 1, -1, -1):
        width, per_call = widths[j], max(1, budget // widths[j])
        best[j] = float("inf")
        for k in range(j + 1, m + 1):
            rows = firsts[k] - firsts[j]
            if rows * width + real[k] >= best[j]:
                break  # a lower bound that only grows with k: no longer group is cheaper
            cost = rows * width + -(-rows // per_call) * call_tokens + best[k]
            if cost < best[j]:
                best[j], cut[j] = cost, k
    groups: list[list[int]] = []
    j = 0
    while j < m:
        start, stop = firsts[j], firsts[cut[j]]
        while start < stop:  # each call up to the budget, at the width of its own longest line
            take = max(1, budget // int(sorted_widths[start]))
            groups.append(order[start : min(stop, start + take)].tolist())
            start += take
        j = cut[j]
    return groups


class PageLabeler(VnnewsModelMixin, PreTrainedModel):
    """Labels every line of a page (see the module docstring)."""

    config_class = PageLabelerConfig
    base_model_prefix = "page_labeler"
    main_input_name = "input_ids"
    # decoding weighs its unsure article lines against the lines trafilatura keeps, where the
    # page was read with them (vnnews.ingest.second_opinion; vnnews.extraction.page_options)
    reads_second_opinion = True

    def __init__(self, config: PageLabelerConfig) -> None:
        super().__init__(config)
        unknown = [name for name in config.feature_names if name not in FEATURE_NAMES]
        if unknown:
            raise ValueError(
                f"this model was trained with layout features this version of vnnews does not compute ({', '.join(unknown)}); "
                "retrain it or install the vnnews version that made it"
            )
        # A model made before a feature was added reads the features it was trained with, and
        # labels as it did: the columns it knows, in its order (None: all of them, as computed).
        columns = [FEATURE_NAMES.index(name) for name in config.feature_names]
        self.feature_columns: list[int] | None = None if columns == list(range(N_FEATURES)) else columns
        encoder_config = AutoConfig.for_model(**config.encoder)
        # SDPA: fused attention kernels (flash / memory-efficient on a GPU); the encoder's own default may be eager
        self.encoder = AutoModel.from_config(encoder_config, add_pooling_layer=False, attn_implementation="sdpa")
        self.encoder_tokens: int | None = None  # padded tokens per encoder group; None: ENCODER_TOKENS of the device
        self.encoder_call_tokens: int | None = None  # a call's cost in tokens (encoder_groups); None: ENCODER_CALL_TOKENS of the device
        width = encoder_config.hidden_size
        d = config.hidden_size
        self.line_proj = nn.Linear(width, d)
        self.feature_proj = nn.Linear(len(columns), d)
        self.mix = nn.Sequential(nn.GELU(), nn.Dropout(config.dropout), nn.LayerNorm(d))
        self.sequence = nn.LSTM(d, d // 2, num_layers=config.num_layers, batch_first=True, bidirectional=True)
        self.head = nn.Sequential(nn.Dropout(config.dropout), nn.Linear(d, len(config.labels)))
        self.tokenizer: Any = None  # attached by from_pretrained / from_encoder
        self.identity: dict[str, str | None] = {"id": None, "revision": None}
        self.training_record: dict[str, Any] = {}
        self.line_cache: LineVectorCache | None = None  # cache_lines(): vectors kept across passes (inference only)
        self.page_time_limit_s: float | None = None  # seconds a page's layout features may take (vnnews.deadline); None: no limit
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(0.0, 0.02)
            if module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.data.normal_(0.0, 0.02)
        elif isinstance(module, nn.LayerNorm):
            module.weight.data.fill_(1.0)
            module.bias.data.zero_()

    # ------------------------------------------------------------ creation and loading
    @classmethod
    def from_encoder(
        cls, encoder: str, labels: Sequence[str] = LABELS, revision: str | None = None, **settings: Any
    ) -> PageLabeler:
        """A new, untrained page labeller whose line encoder is the PhoBERT-format
        checkpoint ``encoder`` (a directory or Hub id), with its tokenizer."""
        from vnnews.models.loading import expected_unused_weights, load_kwargs, load_tokenizer

        tokenizer = load_tokenizer(encoder, revision)
        with expected_unused_weights():  # a masked-LM checkpoint: its lm_head is not part of a line encoder
            base = AutoModel.from_pretrained(encoder, add_pooling_layer=False, **load_kwargs(revision))
        config = PageLabelerConfig(encoder=base.config.to_dict(), labels=labels, **settings)
        model = cls(config)
        model.encoder = base
        model.tokenizer = tokenizer
        return model

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path: Any, *args: Any, device: str | None = None, precision: str = "auto", **kwargs: Any) -> PageLabeler:  # type: ignore[override]
        """Load a saved page labeller (directory or Hub id) with its tokenizer, ready
        to label: safetensors only, no remote code; on ``device`` (default: CUDA
        where available), in ``precision`` (auto: bf16 on a GPU that supports it, fp32 on a
        CPU; see :func:`vnnews.models.loading.prepare_for_inference`)."""
        from vnnews.models.loading import (
            check_loaded,
            check_model_dir,
            check_parameter_budget,
            check_precision,
            load_errors,
            load_kwargs,
            load_tokenizer,
            model_identity,
            prepare_for_inference,
        )

        revision = kwargs.pop("revision", None)
        for key, value in load_kwargs(revision).items():
            kwargs.setdefault(key, value)
        held = check_model_dir(pretrained_model_name_or_path)
        with load_errors(pretrained_model_name_or_path, "config.json"):
            config = kwargs.get("config") or PretrainedConfig.get_config_dict(str(pretrained_model_name_or_path), **({"revision": revision} if revision else {}))[0]
        model_type = config.get("model_type") if isinstance(config, dict) else config.model_type
        if model_type != PAGE_MODEL_TYPE:
            raise ValueError(f"{pretrained_model_name_or_path} is not a vnnews page labeller (model_type {model_type!r}, expected {PAGE_MODEL_TYPE!r})")
        check_precision("precision", precision)
        if isinstance(config, dict) and config.get("vnnews_export"):
            if precision == "bf16":
                logging.getLogger(__name__).warning("%s is an ONNX export: it runs in the precision it was exported in (precision bf16 is for torch models)", pretrained_model_name_or_path)
            return cls._from_export(str(pretrained_model_name_or_path), config, revision)
        with load_errors(pretrained_model_name_or_path, "config.json"):
            settings = config if not isinstance(config, dict) else PageLabelerConfig(**{k: v for k, v in config.items() if k not in ("model_type", "transformers_version", "architectures")})
            check_parameter_budget(pretrained_model_name_or_path, held, lambda: cls(settings))
        with load_errors(pretrained_model_name_or_path):
            model, info = super().from_pretrained(pretrained_model_name_or_path, *args, output_loading_info=True, **kwargs)
        check_loaded(pretrained_model_name_or_path, info)
        with load_errors(pretrained_model_name_or_path):
            model.tokenizer = load_tokenizer(str(pretrained_model_name_or_path), revision)
        model.check_line_encoding(str(pretrained_model_name_or_path))
        model.identity = model_identity(str(pretrained_model_name_or_path), model, revision)
        model.load_training_record(str(pretrained_model_name_or_path), revision)
        prepared, _ = prepare_for_inference(model, device, precision)
        return prepared

    @classmethod
    def _from_export(cls, path: str, config: dict[str, Any], revision: str | None) -> PageLabeler:
        """A directory written by ``vnnews export`` (ONNX line encoder + torch head), on the CPU."""
        from safetensors.torch import load_file
        from transformers.utils import cached_file

        from vnnews.models.loading import load_errors, load_tokenizer
        from vnnews.models.runtimes import HEAD_FILE, ONNX_FILE, OnnxLinePooler

        kwargs = {"revision": revision} if revision else {}
        settings = {k: v for k, v in config.items() if k not in ("vnnews_export", "model_type", "transformers_version", "architectures")}
        with torch.device("meta"):  # the torch encoder is never built: ONNX Runtime runs it
            model = cls(PageLabelerConfig(**settings))
        with load_errors(path, ONNX_FILE):
            model.encoder = OnnxLinePooler(cached_file(path, ONNX_FILE, **kwargs))
        with load_errors(path, HEAD_FILE):
            model.load_state_dict(load_file(cached_file(path, HEAD_FILE, **kwargs)), strict=False, assign=True)
        with load_errors(path):
            model.tokenizer = load_tokenizer(path, revision)
        model.check_line_encoding(path)
        model.export = config["vnnews_export"]
        onnx = Path(path) / ONNX_FILE
        model.identity = {"id": path, "revision": revision or (config["vnnews_export"].get("weights") if onnx.is_file() else None)}
        model.load_training_record(path, revision)
        return model.eval()

    def save_pretrained(self, save_directory: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """The model directory (:mod:`vnnews.models.directory`): weights (safetensors)
        and config.json, the tokenizer, training config, metrics and card, so the
        directory loads and publishes on its own."""
        for unsupported in ("push_to_hub", "repo_id"):
            if kwargs.pop(unsupported, None):
                raise ValueError(f"save_pretrained({unsupported}=...): call model.push_to_hub(repo_id) instead")
        return self.write_directory(save_directory, **kwargs)

    def _save_weights(self, out: Any, **kwargs: Any) -> None:
        kwargs.setdefault("safe_serialization", True)
        PreTrainedModel.save_pretrained(self, str(out), **kwargs)

    def build_card(self, repo_id: str | None = None) -> Any:
        """The card: what the model does, its measured metrics (model-index), training
        data, usage with vnnews and limitations."""
        config = self.training_record.get("config") or {}
        metrics = self.training_record.get("metrics") or {}
        report = (metrics.get("eval") or {})
        c = self.config
        base = config.get("base_model") or (c.encoder or {}).get("_name_or_path") or "a PhoBERT-format encoder"
        results = [(k, name, report[k]) for k, name in (("macro_f1", "macro-F1 (lines)"), ("accuracy", "accuracy (lines)")) if k in report]
        data = card_data(config, "token-classification", "Line labelling of news pages", results, ["phobert", "boilerplate-removal", "web-extraction", "vietnamese", "news"], "vnnews classifier (page labeller)")
        families = ", ".join(f"{k} {v}" for k, v in sorted((metrics.get("families") or {}).items())) or "not recorded"
        by_family = metrics.get("families") or {}
        real = int(by_family.get("seed", 0))
        composed = sum(int(n) for k, n in by_family.items() if k not in ("seed", "")) if by_family else 1  # older models: composed
        composition = " ".join(
            [f"{composed} composed pages wrap article records ({VIETNEWS}) in generated sites and layouts, rendered as HTML or text dumps." if composed else "",
             f"{real} real pages were hand-labelled (gold annotations)." if real else ""]
        ).strip()
        if real and not composed:
            seen = f"It was trained on {real} hand-labelled real pages only: expect it to know their sites' layouts best."
        elif real:
            seen = f"Besides composed pages it saw {real} hand-labelled real pages; sites laid out unlike any of them may score lower."
        else:
            seen = "It never saw a real page in training (unless self-training was on); sites laid out unlike any composed family may score lower."
        table = _metrics_table(report, c.labels) if report else "No evaluation recorded (an untrained or hand-built model)."
        body = f"""# vnnews classifier (page labeller)

Labels every line of a Vietnamese news page ({", ".join(f"`{label}`" for label in c.labels)}) with the whole
page in view: each line is encoded once by `{base}` (word-segmented with `{c.segmenter}`, at most
{c.max_line_chars} characters and {c.max_line_tokens} tokens), joined with its layout features (position, shape,
repetition in the page and across the site's pages, the page's own title and lead candidates, DOM features for
HTML), and a bidirectional LSTM reads the page's lines; decoding keeps one title block and one lead block and,
on a page read with trafilatura's second opinion (`vnnews.extract`, `vnnews infer`, the service), makes the body
lines it gives under {SECOND_OPINION_BELOW} that trafilatura leaves out boilerplate.
Pages longer than {c.window_lines} lines are read in windows overlapping by {c.window_overlap} lines.

## Evaluation ({metrics.get("eval_split", "not recorded")}, {metrics.get("eval_pages", 0)} composed pages)

{table}

On real pages and against trafilatura: `vnnews evaluate extraction --model PATH_OR_HUB_ID` (the project's
docs/classifier.md has the figures of the published recipe).

## Training data

{metrics.get("train_pages", 0)} pages, {metrics.get("train_windows", 0)} windows; layout families: {families}.
{composition} DOM and candidate features were dropped on {float(config.get("dom_dropout", 0.0)):.0%} of
training pages. Self-training lines: {metrics.get("self_training_lines", 0)}. Full config: `training_config.yaml`.

{licence_section(config, data_terms(composed, real))}

## Usage

```python
# pip install vnnews
from vnnews.extraction import MODEL_PAGE_OPTIONS
from vnnews.ingest import iter_articles
from vnnews.models import PageLabeler

model = PageLabeler.from_pretrained("PATH_OR_HUB_ID")   # vnnews' own class: no remote code
pages = list(iter_articles(["page.html"], MODEL_PAGE_OPTIONS))   # with trafilatura's second opinion
for line, pred in zip(pages[0].lines, model.predict(pages)[0]):
    print(pred.label, round(pred.confidence, 2), line.text[:60])
```

Or the whole job: `vnnews infer pages/ -o articles.jsonl classifier=PATH_OR_HUB_ID`. A stock transformers
`pipeline()` cannot run this model: it needs vnnews' segmentation and layout features.

## Intended use and limitations

The first stage of `vnnews infer` and `vnnews serve`: cutting the article out of Vietnamese news pages. {seen}
"""
        return render(data, body, repo_id)

    # ------------------------------------------------------------ the network
    HEAD_MODULES = ("line_proj", "feature_proj", "mix", "sequence", "head")  # what reads the line vectors: the cheap part

    def page_logits(self, vectors: torch.Tensor, features: torch.Tensor, line_mask: torch.Tensor) -> torch.Tensor:
        """Logits of every line from its vector (pages x lines x hidden, the encoder's pooled
        output) and its layout features: the part of the model after the line encoder, which
        site adaptation (:mod:`vnnews.adapt`) fits on vectors computed once."""
        n_lines = line_mask.shape[1]
        if self.feature_columns is not None:
            features = features[..., self.feature_columns]
        x = self.line_proj(vectors) + self.feature_proj(features.to(vectors.dtype))
        x = self.mix(x)
        lengths = line_mask.sum(1).clamp(min=1).cpu()
        with torch.autocast(device_type=x.device.type, enabled=False):  # float32 under a bf16 Trainer too (above)
            packed = nn.utils.rnn.pack_padded_sequence(x.float(), lengths, batch_first=True, enforce_sorted=False)
            out, _ = self.sequence(packed)
            out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=n_lines)
        return self.head(out.to(self.head[-1].weight.dtype))

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        line_index: torch.Tensor,
        features: torch.Tensor,
        line_mask: torch.Tensor,
        labels: torch.Tensor | None = None,
        **_: Any,
    ) -> TokenClassifierOutput:
        n_pages, n_lines = line_mask.shape
        if self.sequence.weight_ih_l0.dtype != torch.float32:
            # The LSTM stays in float32 when the rest goes to bf16/fp16: cuDNN cannot make bf16
            # weights one block (flatten_parameters skips them, then warns and copies them on
            # every call), and it is a sliver of the compute (one vector per line, not per token).
            self.sequence.float()
        self.sequence.flatten_parameters()  # after .to(device) the LSTM's weights are no longer one block
        pooled = self.pool_lines(input_ids, attention_mask)
        grid = pooled.new_zeros((n_pages * n_lines, pooled.shape[-1]))
        grid[line_index] = pooled
        logits = self.page_logits(grid.view(n_pages, n_lines, -1), features, line_mask)
        loss = None
        if labels is not None:
            weight = torch.tensor(self.config.class_weights, device=logits.device, dtype=torch.float) if self.config.class_weights else None
            loss = nn.functional.cross_entropy(logits.float().view(-1, logits.shape[-1]), labels.view(-1), weight=weight, ignore_index=-100)
            if getattr(self.config, "leak_weight", 0.0):
                loss = loss + self.config.leak_weight * leak_loss(logits, labels, self.config.labels)
        return TokenClassifierOutput(loss=loss, logits=logits)

    def pool_lines(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """One vector per line: the encoder's token states averaged over the line's
        tokens. Lines go through the encoder sorted by length, in groups of at most
        ``ENCODER_TOKENS`` padded tokens (by device), each group cut to its longest line and
        the cuts chosen by :func:`encoder_groups` (padding against calls): a page's
        lines are mostly short (menus, captions) beside a few long paragraphs, and
        padding every line to the longest one would make most of the compute padding.
        The result does not depend on the grouping (attention and pooling are masked).

        Outside training, a line that occurs several times in the pass goes through the
        encoder once: a batch of one site's pages repeats its menus, footers and related
        lists on every page (on composed pages of many sites, 4,096 lines a pass hold
        about 37 % distinct ones: benchmarks/classifier_speed.py counts them), and a line's vector does not depend on the others. In
        training each occurrence is its own sample (dropout draws apart)."""
        if not self.training and getattr(self, "line_cache", None) is not None:
            return self._pool_cached(input_ids, attention_mask)
        if not self.training and len(input_ids) > 1:
            keys, inverse = torch.unique(input_ids * 2 + attention_mask, dim=0, return_inverse=True)
            if len(keys) < len(input_ids):
                return self._pool_sorted(keys // 2, keys % 2)[inverse]
        return self._pool_sorted(input_ids, attention_mask)

    def cache_lines(self, max_mib: float | None = DEFAULT_CACHE_MIB) -> LineVectorCache | None:
        """Keep line vectors across forward passes, chunks and requests (at most ``max_mib``
        MiB, least recently used first out; None or 0: no cache): a site's menus and footers
        are encoded once per job instead of once per page (:mod:`vnnews.models.line_cache`).
        The labels are those without the cache."""
        self.line_cache = LineVectorCache(int(max_mib * 2**20)) if max_mib else None
        return self.line_cache

    def _pool_cached(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """:meth:`pool_lines` through the line cache: lines seen before (in this pass or an
        earlier one) take their kept vector; the others are encoded once each and kept."""
        cache = self.line_cache
        lengths = attention_mask.sum(1).tolist()
        rows = input_ids.tolist()
        keys = [tuple(row[:n]) for row, n in zip(rows, lengths, strict=True)]
        found: dict[tuple[int, ...], torch.Tensor] = {}
        todo: dict[tuple[int, ...], int] = {}  # a new key -> the first row holding it
        for i, key in enumerate(keys):
            if key in found or key in todo:
                cache.hits += 1
                continue
            vector = cache.get(key)
            if vector is not None:
                found[key] = vector
                cache.hits += 1
            else:
                todo[key] = i
                cache.misses += 1
        if todo:
            index = torch.tensor(list(todo.values()), device=input_ids.device)
            fresh = self._pool_sorted(input_ids[index], attention_mask[index]).detach()
            for key, vector in zip(todo, fresh, strict=True):
                found[key] = vector
                cache.put(key, vector.clone())  # its own storage: a kept row must not hold its whole pass
        if not found:
            return self.line_proj.weight.new_zeros((0, self.line_proj.in_features))
        return torch.stack([found[key] for key in keys])

    def _pool_sorted(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        lengths = attention_mask.sum(1).tolist()  # one device-to-host copy, not one per group
        device = "cuda" if input_ids.is_cuda else "cpu"
        budget = self.encoder_tokens or ENCODER_TOKENS[device]
        call_tokens = ENCODER_CALL_TOKENS[device] if self.encoder_call_tokens is None else self.encoder_call_tokens
        pooled: torch.Tensor | None = None
        for rows in encoder_groups(lengths, budget, call_tokens):  # stable: the same groups every run
            width = max(int(lengths[rows[0]]), 1)
            index = torch.tensor(rows, device=input_ids.device)
            part = self._pool_group(input_ids[index, :width], attention_mask[index, :width])
            if pooled is None:
                pooled = part.new_zeros((len(lengths), part.shape[-1]))
            pooled = pooled.index_copy(0, index, part)
        if pooled is None:
            width = self.line_proj.in_features
            return self.line_proj.weight.new_zeros((0, width))
        return pooled

    def _pool_group(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Mean-pooled encoder states of a group of lines (ONNX Runtime computes the same
        in an export: ``OnnxLinePooler``)."""
        if getattr(self.encoder, "pooled_output", False):
            return self.encoder(input_ids, attention_mask).to(self.line_proj.weight.dtype)
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)

    # ------------------------------------------------------------ labelling pages
    @property
    def line_tokenizer(self) -> LineTokenizer:
        if getattr(self, "_line_tokenizer", None) is None:
            if self.tokenizer is None:
                raise ValueError("no tokenizer attached: load the model with PageLabeler.from_pretrained or from_encoder")
            self._line_tokenizer = LineTokenizer(self.tokenizer, self.config)
        return self._line_tokenizer

    def encode(
        self,
        articles: Sequence[Article],
        site_index: SiteIndex | None = None,
        should_stop: Callable[[], bool] | None = None,
        workers: int = 0,
    ) -> list[EncodedPage]:
        """Token ids and layout features of every line, per article. Repetition across
        pages is counted among ``articles`` themselves (pages of one site in a batch
        see each other's menus) unless ``site_index`` is given. A line seen before (a
        site's menu on every page) is segmented once. ``workers`` > 0: the distinct new
        lines are word-segmented and tokenized, and the pages' layout features computed,
        in that many processes (kept for the next calls; ``close()`` stops them), by the
        same functions as in this process, so ids and features are the same. Lines a
        dataset stored segmented (``presegment``, same settings) are only tokenized.
        ``should_stop`` is asked every 256 lines; ``Cancelled`` is raised once it says yes."""
        index = site_index if site_index is not None else SiteIndex(articles)
        tok = self.line_tokenizer
        wanted = tok.settings()
        for article in articles:  # segmented when the dataset was built: tokenized only
            if article.meta.get("segmented") and article.meta.get("segmentation") == wanted:
                tok.remember_segmented(article.texts, article.meta["segmented"])
        if workers > 0:
            todo = tok.missing([t for a in articles for t in a.texts])
            if len(todo) >= 64:
                tok.remember(todo, self._segment_pool(workers).encode(todo, should_stop))
        ids_of: list[list[list[int]]] = [[] for _ in articles]
        for p, article in enumerate(articles):
            for i, text in enumerate(article.texts):
                if i % 256 == 0:
                    check_stop(should_stop)
                ids_of[p].append(tok(text))
        limit = self.page_time_limit_s  # a page whose features run past it fails alone (vnnews infer sets it)
        if workers > 0 and sum(len(a.lines) for a in articles) >= 256:  # features in the workers too: ~10,000 lines/s a core
            features = self._segment_pool(workers).features(articles, [index.shares(a) for a in articles], should_stop, limit)
        else:
            features = [features_within_time(a, limit, lambda a=a: page_features(a, index, should_stop)) for a in articles]
        return [EncodedPage(ids, f) for ids, f in zip(ids_of, features, strict=True)]

    @overload
    def predict(
        self, articles: str | bytes | Article, batch_size: int | None = None, encoded: Sequence[EncodedPage] | None = None, should_stop: Callable[[], bool] | None = None
    ) -> list[LinePrediction]: ...

    @overload
    def predict(
        self, articles: Sequence[str | bytes | Article], batch_size: int | None = None, encoded: Sequence[EncodedPage] | None = None, should_stop: Callable[[], bool] | None = None
    ) -> list[list[LinePrediction]]: ...

    @torch.inference_mode()
    def predict(
        self,
        articles: str | bytes | Article | Sequence[str | bytes | Article],
        batch_size: int | None = None,
        encoded: Sequence[EncodedPage] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[LinePrediction] | list[list[LinePrediction]]:
        """Label, confidence and probabilities of every line, per page (one page in, one
        list out). A page is an :class:`Article`, or the page itself as a str or bytes:
        HTML (detected) or a text dump, read as ``vnnews.extract`` reads it (the lines
        are then those of ``vnnews.ingest.content.page_article``). ``batch_size``: lines per forward pass (default by device,
        ``PREDICT_LINES``); windows of up to ``window_lines`` lines are packed together up
        to it (one window at least). ``should_stop`` is asked between forward passes;
        ``Cancelled`` is raised once it says yes (a service whose callers have gone stops
        within one pass). Once :meth:`start_workers` has started the pool, the lines are
        segmented and their layout features computed in it."""
        batch_size = batch_size or PREDICT_LINES["cuda" if self.device.type == "cuda" else "cpu"]
        single = not isinstance(articles, (list, tuple))
        pages = [_as_article(a, i) for i, a in enumerate([articles] if single else articles)]
        pool = getattr(self, "_pool", None)  # started by start_workers (vnnews infer, serve): it encodes here too
        encoded = list(encoded) if encoded is not None else self.encode(pages, should_stop=should_stop, workers=pool.workers if pool is not None else 0)
        cfg = self.config
        jobs = [(p, s, e) for p, page in enumerate(encoded) for s, e in windows(len(page.ids), cfg.window_lines, cfg.window_overlap) if e > s]
        sums = [torch.zeros((len(page.ids), len(cfg.labels))) for page in encoded]
        counts = [torch.zeros(len(page.ids)) for page in encoded]
        pad = self.tokenizer.pad_token_id if self.tokenizer is not None else 1
        chunks: list[list[tuple[int, int, int]]] = []
        for job in jobs:  # windows packed up to ``batch_size`` lines per forward pass (at least one window)
            if chunks and sum(e - s for _, s, e in chunks[-1]) + job[2] - job[1] <= batch_size:
                chunks[-1].append(job)
            else:
                chunks.append([job])
        for chunk in chunks:
            check_stop(should_stop)
            items = [(encoded[p].ids[s:e], encoded[p].features[s:e], None) for p, s, e in chunk]
            batch = {k: v.to(self.device) for k, v in collate(items, pad).items()}
            probs = torch.softmax(self(**batch).logits.float(), dim=-1).cpu()
            for row, (p, s, e) in enumerate(chunk):
                sums[p][s:e] += probs[row, : e - s]
                counts[p][s:e] += 1
        out = []
        column = {label: k for k, label in enumerate(cfg.labels)}
        for p in range(len(encoded)):
            probs = sums[p] / counts[p].clamp(min=1).unsqueeze(-1)
            page, texts = pages[p], pages[p].texts
            link_densities = [line.link_density for line in page.lines]
            labels = decode(
                probs, cfg.labels, texts, (page.meta.get("candidates") or {}).get("title", ()),
                [line.tag_path for line in page.lines], link_densities, metadata_titles(page.meta),
            )
            if "body" in cfg.labels and may_have_missed_article(labels, texts):  # the rules only where the model may have missed the article
                from vnnews.labels.weak import weak_label

                rules = weak_label(page)
                taken = {i: labels[i] for i in rules_fallback(labels, rules, texts, link_densities)}
                for i in taken:
                    labels[i] = rules[i]
                for i in stray_body(labels, probs, cfg.labels, texts, link_densities, short=False) if taken else ():
                    if i in taken:  # the rules' lines in a box of teaser cards away from the article go back
                        labels[i] = taken[i]
            second_opinion_labels(labels, probs, cfg.labels, page_flags(page.meta, len(texts)))  # unsure article lines trafilatura left out
            rows = probs.tolist()  # one conversion per page: reading a tensor element by element costs microseconds a number
            out.append([LinePrediction(label, row[column[label]], dict(zip(cfg.labels, row, strict=True)), texts[i]) for i, (label, row) in enumerate(zip(labels, rows, strict=True))])
        return out[0] if single else out

    def check_line_encoding(self, where: str) -> None:
        """Refuse, at load, a model whose segmenter, tone style or tokenizer cannot encode a
        line (a config naming an unknown segmenter, a tokenizer class that does not fit its
        files): otherwise it would load and then fail every article."""
        from vnnews.models.loading import ModelFileError
        from vnnews.text.segment import available_segmenters

        cfg = self.config
        if cfg.segmenter not in available_segmenters():
            raise ModelFileError(f"{where}/config.json: segmenter {cfg.segmenter!r} is not one vnnews has ({', '.join(available_segmenters())})")
        if cfg.tone_style not in (None, "new", "old"):
            raise ModelFileError(f"{where}/config.json: tone_style {cfg.tone_style!r} is not 'new', 'old' or null")
        try:
            ids = self.line_tokenizer("Khởi động.")
        except Exception as exc:  # noqa: BLE001 - whatever fails here would fail every article
            raise ModelFileError(f"{where}: cannot encode a line with its segmenter and tokenizer ({type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''})") from None
        vocab = getattr(getattr(self.encoder, "config", None), "vocab_size", None)
        if not ids or not all(isinstance(i, int) for i in ids) or (vocab is not None and max(ids) >= vocab):
            raise ModelFileError(f"{where}: its tokenizer gives ids outside the encoder's vocabulary ({max(ids, default=-1)} >= {vocab}): the tokenizer files do not belong to this model")

    @property
    def labels(self) -> list[str]:
        return list(self.config.labels)

    def start_workers(self, workers: int) -> None:
        """Start the segmentation processes now (a service at start-up, a benchmark before
        its clock) rather than in the first ``encode`` that needs them."""
        if workers > 0:
            self._segment_pool(workers).encode(["Khởi động."])

    def _segment_pool(self, workers: int) -> SegmentPool:
        pool = getattr(self, "_pool", None)
        if pool is None or pool.workers != workers:
            self.close()
            self._pool = SegmentPool(workers, self.tokenizer, self.config.to_dict())
        return self._pool

    def close(self) -> None:
        """Stop the segmentation processes, if any were started."""
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.close()
            self._pool = None


def _as_article(page: str | bytes | Article, index: int) -> Article:
    """A page given as an Article, or as HTML or a text dump (str or bytes)."""
    if isinstance(page, Article):
        return page
    if isinstance(page, (str, bytes)):
        from vnnews.ingest.content import MODEL_PAGE_OPTIONS, page_article

        return page_article(page, f"page-{index}", "predict", options=MODEL_PAGE_OPTIONS)
    raise TypeError(f"predict takes a page or a list of pages, each a str (HTML or a text dump), bytes or Article, got {type(page).__name__}")


def _metrics_table(report: dict[str, Any], labels: Sequence[str]) -> str:
    """Per-label precision/recall/F1 of a ``ClassificationReport.to_dict()``."""
    rows = ["| label | precision | recall | F1 | lines |", "|---|---:|---:|---:|---:|"]
    per = report.get("per_class") or {}
    for label in labels:
        if label in per:
            r = per[label]
            rows.append(f"| {label} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['support']} |")
    rows.append(f"| **macro** | | | **{report.get('macro_f1', 0.0):.3f}** | |")
    rows.append(f"| accuracy | | | {report.get('accuracy', 0.0):.3f} | |")
    return "\n".join(rows)


def leak_loss(logits: torch.Tensor, labels: torch.Tensor, names: Sequence[str]) -> torch.Tensor:
    """Precision first in training (issue 38): on lines whose gold is boilerplate, the mean
    of ``-log(1 - p(article text))``: probability put on title, lead, body or subheading for
    a menu, a teaser or a footer line costs more than the cross-entropy alone makes it (a
    boilerplate line in the body is the error users see). Zero when no such line is in the batch."""
    text = [k for k, name in enumerate(names) if COARSE.get(name) == "content"]  # what extraction keeps as the article's text
    boiler = torch.tensor([k for k, name in enumerate(names) if name in FURNITURE], device=labels.device)
    flat_logits, flat_labels = logits.float().reshape(-1, logits.shape[-1]), labels.reshape(-1)
    rows = torch.isin(flat_labels, boiler)
    if not bool(rows.any()):
        return flat_logits.sum() * 0.0
    p_text = torch.softmax(flat_logits[rows], dim=-1)[:, text].sum(-1).clamp(max=1 - 1e-6)
    return -torch.log1p(-p_text).mean()


# ``AutoConfig``/``AutoModel`` know the class once vnnews is imported (as for any library's
# own architecture): ``AutoModel.from_pretrained(dir)`` gives a PageLabeler, and loading the
# tokenizer of a saved labeller does not warn about an unknown model type.
AutoConfig.register(PAGE_MODEL_TYPE, PageLabelerConfig, exist_ok=True)
AutoModel.register(PageLabelerConfig, PageLabeler, exist_ok=True)
