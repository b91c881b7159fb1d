"""Site adaptation inside a job, without labels (issue 38, item 3).

A batch job over many pages of one site knows more than any one page: a line printed on
most of the site's pages is furniture (menu, footer, a "most read" box), and the lines the
model is sure of show how this site marks its article. ``adapt_to_sites`` fits, for each
site of the job with at least ``min_pages`` pages, the cheap part of the page labeller (the
layers after the line encoder: :attr:`PageLabeler.HEAD_MODULES`) to those pseudo-labels,
on line vectors the encoder computes once: seconds per site on a CPU. ``AdaptedLabeler``
then labels each site's pages with its own fit and every other page with the model as it
was, so a site it could not adapt to (too few pages, too few sure lines) gets exactly the
unadapted output.

Pseudo-labels of a site's page: a line whose text is on at least ``REPEATED_SHARE`` of the
site's pages is boilerplate (the model's best boilerplate label for it); then the page's own
structured data, where it has some: a line of at least ``BODY_MIN_WORDS`` words found in the
page's JSON-LD ``articleBody`` is article text (body, unless the model reads it as another
part of the article), and where that ``articleBody`` holds at least ``BODY_COVERAGE`` of the
lines the model reads as body (so it is the whole article, not its first paragraphs), a body
line the model reads that is not in it is boilerplate (the related teasers written as whole
sentences that a model lets in); then a line the model labels with at least
``min_confidence`` keeps that label; the rest are not trained on.

Another rendering of the same article in the job (its AMP page, its print page, the same
article under another address: pages that name one another by ``<link rel=canonical>``,
``<link rel=amphtml>`` or ``<link rel=alternate media=print>``, or by their own URLs;
:func:`rendering_groups`) is evidence of the same kind where a page has no articleBody: the
lines both the model and trafilatura's second opinion keep on the other rendering label
this page's lines as the articleBody does, and where the other rendering's article text
(what either keeps) holds ``BODY_COVERAGE`` of this page's body lines, a body line of this
page found nowhere in it is boilerplate. A simpler rendering shows less chrome: menus,
follow prompts and teasers of the full page are absent from an AMP or print page.
"""

from __future__ import annotations

import contextlib
import html
import logging
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import torch
from torch import nn

from vnnews.ingest import Article
from vnnews.labels import COARSE, FURNITURE, LABELS
from vnnews.layout import site_key, text_key
from vnnews.text.normalize import word_key

log = logging.getLogger("vnnews")

MIN_PAGES = 5
MIN_CONFIDENCE = 0.9
REPEATED_SHARE = 0.5
MIN_LINES = 50  # pseudo-labelled lines a site needs
BODY_MIN_WORDS = 6  # a line this long found in the page's articleBody is article text
BODY_COVERAGE = 0.8  # the articleBody holds this share of the model's body lines: the whole article
MAX_RENDERINGS = 4  # pages of a job naming one address: more is a canonical link to a section or the home page
ARTICLE_TEXT = ("title", "lead", "body", "subheading")  # what another rendering's article text is made of
ARTICLE = tuple(label for label in LABELS if COARSE[label] != "boilerplate")  # title, lead, body, subheading, caption
_TAG = re.compile(r"<[^>]{0,500}>")


@dataclass
class SiteAdaptation:
    """One site's fit: its pages, the lines trained on, the time, and the fitted layers
    (``state``: None where the site was not adapted, with ``reason``)."""

    site: str
    pages: int
    lines: int = 0
    repeated: int = 0
    structured: int = 0
    rendered: int = 0  # lines labelled by another rendering of the page's article (AMP, print)
    seconds: float = 0.0
    state: dict[str, torch.Tensor] | None = None
    reason: str = ""

    def describe(self) -> str:
        """One line for the job's log: pages, and what was fitted on or why nothing was."""
        if self.state is None:
            return f"{self.pages} page(s), not adapted: {self.reason}"
        return (f"{self.pages} page(s), adapted on {self.lines} line(s) ({self.repeated} repeated across its pages, "
                f"{self.structured} from its articleBody, {self.rendered} from other renderings) in {self.seconds:.1f}s")


def article_body(page: Article) -> str | None:
    """The words of the page's JSON-LD ``articleBody`` (tags and entities undone), space
    padded for whole-word search; None where the page has none of 200 characters or more."""
    for obj in (page.meta.get("document") or {}).get("jsonld") or []:
        body = obj.get("articleBody") if isinstance(obj, dict) else None
        if isinstance(body, str) and len(body) >= 200:
            return f" {word_key(html.unescape(_TAG.sub(' ', body)))} "
    return None


@dataclass(frozen=True)
class Reference:
    """A page's article text as evidence from outside its own markup, space-padded words
    (``word_key``) for whole-word search: ``sure``, where a line found is article text;
    ``whole``, where a body line found nowhere is boilerplate once ``whole`` holds
    ``BODY_COVERAGE`` of the page's body lines. An articleBody is both; another rendering's
    ``sure`` is what the model and trafilatura both keep there, its ``whole`` what either keeps."""

    sure: str
    whole: str
    source: str  # "articleBody" or "rendering"


class PseudoLabels(NamedTuple):
    """Label ids per line of each page (-100: not trained on) and how many lines each kind of
    evidence labelled."""

    targets: list[list[int]]
    repeated: int
    structured: int
    rendered: int


def pseudo_labels(
    model: Any, pages: Sequence[Article], predictions: Sequence[Sequence[Any]], min_confidence: float = MIN_CONFIDENCE,
    renderings: Sequence[Reference | None] | None = None,
) -> PseudoLabels:
    """Label ids per line of ``pages`` (-100: not trained on), and how many lines the site's
    repetition, the pages' ``articleBody`` and their other renderings (``renderings``, one
    :class:`Reference` or None per page: :func:`rendering_reference`) labelled (see the
    module's docstring). A page's articleBody goes before another rendering."""
    labels = list(model.config.labels)
    column = {label: k for k, label in enumerate(labels)}
    on_pages: Counter[str] = Counter()
    for page in pages:
        on_pages.update({text_key(t) for t in page.texts})
    n = len(pages)
    out, repeated, counted = [], 0, {"articleBody": 0, "rendering": 0}

    def furniture(pred: Any) -> int:
        return column[pred.label if pred.label in FURNITURE else max(FURNITURE, key=lambda lab: pred.probabilities.get(lab, 0.0))]

    for p, (page, preds) in enumerate(zip(pages, predictions, strict=True)):
        body = article_body(page)
        ref = Reference(body, body, "articleBody") if body is not None else (renderings[p] if renderings is not None else None)
        keys = [word_key(t) for t in page.texts]
        long = [len(key.split()) >= BODY_MIN_WORDS for key in keys]
        in_sure = [ref is not None and is_long and f" {key} " in ref.sure for key, is_long in zip(keys, long, strict=True)]
        said_body = {k for k, pred in enumerate(preds) if pred.label == "body" and long[k]}
        in_whole = {k for k in said_body if ref is not None and f" {keys[k]} " in ref.whole}
        whole = ref is not None and bool(said_body) and len(in_whole) >= BODY_COVERAGE * len(said_body)
        row = []
        for k, (text, pred) in enumerate(zip(page.texts, preds, strict=True)):
            if n >= MIN_PAGES and on_pages[text_key(text)] / n >= REPEATED_SHARE:
                row.append(furniture(pred))
                repeated += 1
            elif in_sure[k]:
                row.append(column[pred.label if pred.label in ARTICLE else "body"])
                counted[ref.source] += 1  # type: ignore[union-attr]
            elif whole and k in said_body and k not in in_whole:
                row.append(furniture(pred))
                counted[ref.source] += 1  # type: ignore[union-attr]
            elif pred.confidence >= min_confidence:
                row.append(column[pred.label])
            else:
                row.append(-100)
        out.append(row)
    return PseudoLabels(out, repeated, counted["articleBody"], counted["rendering"])


def _url_key(url: str, base: str | None = None) -> str | None:
    """An address as renderings are matched on it (``https`` and ``http`` alike, ``www.``,
    the fragment, ``utm_`` parameters and a trailing slash aside; a relative link resolved
    against ``base``); None for what names no article (no host, a site's root, not http)."""
    from vnnews import urls

    address = urls.join(base, url.strip()) if base else url.strip()
    parts = urls.split(address) if address is not None else None  # None: malformed (an unclosed IPv6 bracket, a bad port)
    if parts is None:
        return None
    host, path = urls.host(address), parts.path.rstrip("/")
    if parts.scheme.lower() not in ("http", "https") or not host or not path:
        return None
    query = "&".join(q for q in parts.query.split("&") if q and not q.lower().startswith("utm_"))
    return f"{host}{path}" + (f"?{query}" if query else "")


def _addresses(page: Article) -> list[str]:
    """The page's own address (``meta["url"]``) and those its markup gives its article: the
    canonical link, the AMP and print links (relative ones resolved against the page's own
    address, else its canonical one)."""
    document = page.meta.get("document") or {}
    own = str(page.meta.get("url") or "") or None
    canonical = document.get("canonical") if isinstance(document.get("canonical"), str) else None
    base = own or canonical
    links = [canonical, *((document.get("renderings") or {}).values())]
    keys = [_url_key(own)] if own else []
    keys += [_url_key(link, base) for link in links if isinstance(link, str)]
    return [k for k in dict.fromkeys(keys) if k]


def rendering_groups(pages: Sequence[Article], most: int = MAX_RENDERINGS) -> list[list[int]]:
    """Indices of ``pages`` that render one article, per article with two renderings or more
    in the job: pages connected by an address (:func:`_addresses`: one page's AMP link is
    another's own URL, an AMP page's canonical link is the full page's). A group of more than
    ``most`` pages is left out: one address shared by that many pages is a canonical link to a
    section or the home page, not an article's."""
    parent = list(range(len(pages)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, page in enumerate(pages):
        for key in _addresses(page):
            j = first.setdefault(key, i)
            parent[find(i)] = find(j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(pages)):
        groups[find(i)].append(i)
    return [g for g in groups.values() if 2 <= len(g) <= most]


def rendering_reference(page: Article, others: Sequence[tuple[Article, Sequence[Any]]]) -> Reference | None:
    """A :class:`Reference` for ``page`` from the other renderings of its article (each with
    the model's predictions on it): ``sure``, the lines the model reads as article text there
    and trafilatura keeps too (where that page was read with its second opinion); ``whole``,
    the lines either keeps. A copy of the page itself (the same lines) is no other rendering;
    None where none is left."""
    from vnnews.ingest.second_opinion import page_flags

    own = [text_key(t) for t in page.texts]
    sure: list[str] = []
    whole: list[str] = []
    for other, preds in others:
        if [text_key(t) for t in other.texts] == own:
            continue
        kept = page_flags(other.meta, len(other.texts))
        for k, (text, pred) in enumerate(zip(other.texts, preds, strict=True)):
            model_keeps = pred.label in ARTICLE_TEXT
            rules_keep = kept is not None and kept[k] == "1" and bool(text.strip())
            if model_keeps and (kept is None or rules_keep):
                sure.append(word_key(text))
            if model_keeps or rules_keep:
                whole.append(word_key(text))
    if not whole:
        return None
    return Reference(f" {' '.join(sure)} ", f" {' '.join(whole)} ", "rendering")


def _head_state(model: Any) -> dict[str, torch.Tensor]:
    return {f"{name}.{k}": v.detach().clone() for name in model.HEAD_MODULES for k, v in getattr(model, name).state_dict().items()}


def _load_head(model: Any, state: dict[str, torch.Tensor]) -> None:
    for name in model.HEAD_MODULES:
        part = {k.split(".", 1)[1]: v for k, v in state.items() if k.split(".", 1)[0] == name}
        getattr(model, name).load_state_dict(part)


@contextlib.contextmanager
def _kept_head(model: Any, state: dict[str, torch.Tensor] | None = None) -> Iterator[Any]:
    """``model`` with the head layers of ``state`` (when given) for the block, and its own
    put back after it whatever happens there: fitting, labelling or saving one site never
    changes the model the other sites are labelled with."""
    own = _head_state(model)
    if state is not None:
        _load_head(model, state)
    try:
        yield model
    finally:
        _load_head(model, own)


def check_adaptable(model: Any) -> None:
    """Refuse, before any page is read, a model that cannot be adapted (the rules, an export)."""
    if not hasattr(model, "page_logits"):
        raise ValueError("site adaptation adapts a page labeller: give --classifier a trained model directory or Hub id (not 'weak', not an ONNX export)")


@torch.inference_mode()
def _vectors(model: Any, encoded: Sequence[Any]) -> list[torch.Tensor]:
    """The encoder's vector of every line of every page, once (the encoder is not adapted)."""
    from vnnews.models.page_labeler import collate

    pad = model.tokenizer.pad_token_id if model.tokenizer is not None else 1
    out = []
    for page in encoded:
        if not page.ids:
            out.append(torch.zeros((0, model.line_proj.in_features)))
            continue
        batch = collate([(page.ids, page.features, None)], pad)
        out.append(model.pool_lines(batch["input_ids"].to(model.device), batch["attention_mask"].to(model.device)).float().cpu())
    return out


def fit_site(model: Any, vectors: Sequence[torch.Tensor], encoded: Sequence[Any], targets: Sequence[Sequence[int]], steps: int = 60, lr: float = 1e-3, seed: int = 0) -> dict[str, torch.Tensor]:
    """The head layers fitted to ``targets`` (label ids, -100 ignored) on the line vectors,
    in windows of the model's ``window_lines``; the model itself is left as it was."""
    from vnnews.models.page_labeler import windows

    torch.manual_seed(seed)
    cfg = model.config
    items = []
    for vec, page, labs in zip(vectors, encoded, targets, strict=True):
        for s, e in windows(len(labs), cfg.window_lines, cfg.window_overlap):
            if e > s and any(t != -100 for t in labs[s:e]):
                items.append((vec[s:e], torch.tensor(page.features[s:e], dtype=torch.float32), torch.tensor(labs[s:e], dtype=torch.long)))
    weight = torch.tensor(cfg.class_weights, dtype=torch.float) if cfg.class_weights else None
    params = [p for name in model.HEAD_MODULES for p in getattr(model, name).parameters()]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    was_training = model.training
    model.train()
    generator = torch.Generator().manual_seed(seed)
    try:
        with _kept_head(model):
            for _ in range(steps):
                chosen = [items[int(i)] for i in torch.randperm(len(items), generator=generator)[:8]]
                width = max(len(v) for v, _, _ in chosen)
                vec = torch.zeros((len(chosen), width, chosen[0][0].shape[-1]))
                feats = torch.zeros((len(chosen), width, chosen[0][1].shape[-1]))
                labs = torch.full((len(chosen), width), -100, dtype=torch.long)
                mask = torch.zeros((len(chosen), width), dtype=torch.bool)
                for b, (v, f, t) in enumerate(chosen):
                    vec[b, : len(v)], feats[b, : len(f)], labs[b, : len(t)], mask[b, : len(t)] = v, f, t, True
                logits = model.page_logits(vec.to(model.device), feats.to(model.device), mask.to(model.device))
                loss = nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), labs.to(model.device).reshape(-1), weight=None if weight is None else weight.to(model.device), ignore_index=-100)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            return _head_state(model)
    finally:
        model.train(was_training)


def adapt_to_sites(
    model: Any,
    articles: Sequence[Article],
    min_pages: int = MIN_PAGES,
    min_confidence: float = MIN_CONFIDENCE,
    steps: int = 60,
    on_site: Callable[[SiteAdaptation], None] | None = None,
) -> dict[str, SiteAdaptation]:
    """An adaptation for every site of ``articles`` (``site_key``): fitted where the site has
    ``min_pages`` pages and ``MIN_LINES`` pseudo-labelled lines, else recorded with why not."""
    by_site: dict[str, list[int]] = defaultdict(list)
    for i, article in enumerate(articles):
        by_site[site_key(article)].append(i)
    others = {i: [j for j in group if j != i] for group in rendering_groups(articles) for i in group}
    predicted: dict[int, Any] = {}  # predictions of the pages read so far that render an article another page renders too
    out = {}
    for site, idx in sorted(by_site.items()):
        t0 = time.perf_counter()
        pages = [articles[i] for i in idx]
        result = SiteAdaptation(site, len(pages))
        if len(pages) < min_pages:
            result.reason = f"{len(pages)} page(s), fewer than {min_pages}"
        else:
            encoded = model.encode(pages)
            predictions = model.predict(pages, encoded=encoded)
            predicted.update((i, preds) for i, preds in zip(idx, predictions, strict=True) if i in others)  # only those: a job's worth of predictions is not kept
            wanted = sorted({j for i in idx for j in others.get(i, ()) if j not in predicted})  # renderings on another host
            predicted.update(zip(wanted, model.predict([articles[j] for j in wanted]) if wanted else [], strict=True))
            renderings = [rendering_reference(articles[i], [(articles[j], predicted[j]) for j in others.get(i, ())]) if i in others else None for i in idx]
            targets, result.repeated, result.structured, result.rendered = pseudo_labels(model, pages, predictions, min_confidence, renderings)
            result.lines = sum(t != -100 for row in targets for t in row)
            if result.lines < MIN_LINES:
                result.reason = f"{result.lines} sure line(s), fewer than {MIN_LINES}"
            else:
                result.state = fit_site(model, _vectors(model, encoded), encoded, targets, steps=steps)
        result.seconds = time.perf_counter() - t0
        out[site] = result
        if on_site is not None:
            on_site(result)
    return out


class AdaptedLabeler:
    """A page labeller that labels each adapted site's pages with that site's fitted layers
    and every other page as the model does. Everything else is the model's."""

    def __init__(self, model: Any, adaptations: dict[str, SiteAdaptation]) -> None:
        self.model = model
        self.adaptations = {site: a for site, a in adaptations.items() if a.state is not None}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    def predict(self, articles: Any, batch_size: int | None = None, encoded: Sequence[Any] | None = None, should_stop: Callable[[], bool] | None = None) -> Any:
        single = isinstance(articles, (str, bytes, Article))
        pages = [articles] if single else list(articles)
        if not all(isinstance(a, Article) for a in pages):
            return self.model.predict(articles, batch_size=batch_size, encoded=encoded, should_stop=should_stop)
        encoded = list(encoded) if encoded is not None else self.model.encode(pages)
        groups: dict[str | None, list[int]] = defaultdict(list)
        for i, page in enumerate(pages):
            site = site_key(page)
            groups[site if site in self.adaptations else None].append(i)
        out: list[Any] = [None] * len(pages)
        for site, idx in groups.items():
            with _kept_head(self.model, self.adaptations[site].state if site is not None else None):
                preds = self.model.predict([pages[i] for i in idx], batch_size=batch_size, encoded=[encoded[i] for i in idx], should_stop=should_stop)
            for i, p in zip(idx, preds, strict=True):
                out[i] = p
        return out[0] if single else out


def site_dir_name(site: str) -> str:
    """A folder name for ``site`` ("dantri.com.vn/2022" -> "dantri.com.vn_2022")."""
    return "".join(ch if ch.isalnum() or ch in ".-_" else "_" for ch in site) or "site"


def write_adapted_models(model: Any, adaptations: dict[str, SiteAdaptation], out_dir: Any) -> list[Any]:
    """One model directory per adapted site under ``out_dir`` (its metrics say which site,
    how many pages and lines it was fitted on), and ``adapt.json`` listing every site, adapted
    or not and why. Returns the directories written."""
    import json
    from pathlib import Path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    record = getattr(model, "training_record", None) or {}
    try:
        for site, result in sorted(adaptations.items()):
            if result.state is None:
                continue
            metrics = {**(record.get("metrics") or {}), "adapted_to": {"site": site, "pages": result.pages, "lines": result.lines, "repeated_lines": result.repeated,
                                                         "structured_lines": result.structured, "rendering_lines": result.rendered}}
            model.training_record = {"config": record.get("config") or {}, "metrics": metrics}
            with _kept_head(model, result.state):  # the model saved with the site's layers, then as it was
                model.save_pretrained(out / site_dir_name(site))
            written.append(out / site_dir_name(site))
    finally:
        model.training_record = record
    summary = [{"site": r.site, "pages": r.pages, "lines": r.lines, "repeated_lines": r.repeated, "structured_lines": r.structured,
                "rendering_lines": r.rendered, "seconds": round(r.seconds, 2),
                "model": site_dir_name(r.site) if r.state is not None else None, "reason": r.reason or None} for r in adaptations.values()]
    (out / "adapt.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return written


__all__ = [
    "AdaptedLabeler", "PseudoLabels", "Reference", "SiteAdaptation", "adapt_to_sites", "check_adaptable", "fit_site", "pseudo_labels", "rendering_groups",
    "rendering_reference", "site_dir_name", "write_adapted_models",
]
