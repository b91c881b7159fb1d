"""Word segmentation for PhoBERT input, behind one small interface.

PhoBERT was pre-trained on word-segmented text ("Bộ Ngoại_giao tích_cực"), so
its input must be segmented the same way. Segmenters differ in speed, licence
and set-up (underthesea ships its model in the wheel; VnCoreNLP, the segmenter
PhoBERT's authors used, needs Java and a jar the user downloads), so callers ask
:func:`get_segmenter` by name, and the name is stored in the model's config so
inference segments exactly as training did.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import struct
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from vnnews.text.normalize import ToneStyle, normalize_tone_marks

if TYPE_CHECKING:
    from vnnews.text.crf import CRFScorer

log = logging.getLogger(__name__)


@runtime_checkable
class Segmenter(Protocol):
    """Turns normalised text into space-separated words, syllables of one word
    joined by "_"."""

    name: str

    def segment(self, text: str) -> str: ...

    def segment_batch(self, texts: Iterable[str]) -> list[str]: ...


class _BaseSegmenter:
    name = "base"

    def segment(self, text: str) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def segment_batch(self, texts: Iterable[str]) -> list[str]:
        return [self.segment(t) for t in texts]

    def segment_prefix(self, text: str, words: int) -> str:
        """The first ``words`` words of ``segment(text)``: all a reader that keeps only so
        many tokens of a line needs (the page labeller)."""
        return " ".join(self.segment(text).split(" ")[:words])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class UndertheseaSegmenter(_BaseSegmenter):
    """underthesea's CRF word segmenter: offline (model bundled in the wheel), the
    default. Imported lazily because importing underthesea takes seconds.

    underthesea rewrites tone marks to the old style ("hoá" comes back "hóa"), so
    its output is put back into ``tone_style`` (None leaves it as underthesea gives it)."""

    name = "underthesea"

    def __init__(self, tone_style: ToneStyle | None = "new") -> None:
        from underthesea import word_tokenize

        self._tokenize = word_tokenize
        self._split = regex_tokens  # underthesea's regex tokenizer, as word_tokenize calls it
        self.tone_style = tone_style
        self._scorer = underthesea_scorer()

    @property
    def uses_weights(self) -> bool:
        """True when the CRF is scored from its weights (vnnews.text.crf), False where
        underthesea's model is not one that path understands (its own path is used)."""
        return self._scorer is not None

    def segment(self, text: str) -> str:
        if not text.strip():
            return ""
        if self._scorer is None:
            out = self._tokenize(text, format="text")
        else:  # word_tokenize(text, format="text"), with the CRF scored from its weights
            tokens = self._split(text)
            out = _join(self._scorer.tag(tokens), tokens)
        return normalize_tone_marks(out, self.tone_style) if self.tone_style else out

    def segment_prefix(self, text: str, words: int) -> str:
        """The first ``words`` words of ``segment(text)``, the same string, reading only as
        much of a long line as settles them (:meth:`CRFScorer.tag_prefix`): the page
        labeller keeps a few dozen tokens of a line, and a paragraph has hundreds of syllables."""
        if self._scorer is None or not text.strip():
            return super().segment_prefix(text, words)
        limit = words + words // 2 + 8  # a word is 1.3 tokens on average; the path settles a few tokens on
        while True:
            tokens = self._split(text, limit + 1)
            if len(tokens) <= limit:  # the whole line: as segment() reads it
                out = " ".join(_join(self._scorer.tag(tokens), tokens).split(" ")[:words])
                break
            tags = self._scorer.tag_prefix(tokens, words)
            if tags is not None:
                out = _join(tags, tokens)
                break
            limit *= 2  # not settled yet (rare): read further
        return normalize_tone_marks(out, self.tone_style) if self.tone_style else out


def _join(tags: list[str], tokens: list[str]) -> str:
    """Tokens into words: an I-W token joins the word before it with "_" (as word_tokenize
    writes ``format="text"``), spaces inside a token become "_" too."""
    words: list[str] = []
    for tag, token in zip(tags, tokens, strict=False):  # tags may be fewer: the words of a prefix
        if tag == "I-W" and words:
            words[-1] += "_" + token.replace(" ", "_")
        else:
            words.append(token.replace(" ", "_"))
    return " ".join(words)


def regex_tokens(text: str, limit: int | None = None) -> list[str]:
    """underthesea's regex tokenizer as ``word_tokenize`` calls it
    (``tokenize(text, use_token_normalize=True, fixed_words=[])``), the same tokens at about
    twice its speed: each match's token is the first named group that matched, read from one
    ``Match.groups`` call (underthesea builds a dict of every group per match), and each
    token's normalisation is cached (it depends on the token alone; tokens repeat). A chunk
    of plain letters (:func:`_plain_chunk`, most of a Vietnamese line) is its own tokens
    without the regex; the regex reads the other chunks from their first character in the
    whole text (no match of its patterns holds a space, but for the unescaped "Th.S", which
    sends the whole line through the regex, as do fixed words). With ``limit``, the first
    ``limit`` tokens only (matches are found left to right, lazily: the same first tokens)."""
    from underthesea.pipeline.text_normalize.character_normalize import normalize_characters_in_text
    from underthesea.pipeline.word_tokenize import regex_tokenize

    pattern = regex_tokenize.patterns  # read each call: underthesea rebinds it for fixed words
    text = normalize_characters_in_text(text)
    named = _named_groups(pattern)
    out: list[str] = []

    def take(match: re.Match[str]) -> None:
        groups = match.groups()
        for index in named:
            if groups[index] is not None:
                out.append(_normal_token(groups[index]))
                return

    if "fixed_words" in pattern.groupindex or _TH_S.search(text):
        for match in pattern.finditer(text):
            take(match)
            if limit is not None and len(out) >= limit:
                break
        return out
    whole = _plain_chunks(text)  # most prose lines: every chunk plain, no chunk-by-chunk loop ("Th.s" ruled out above)
    if whole is not None:
        return [_normal_token(t) for t in (whole if limit is None else whole[:limit])]
    for chunk in _CHUNK.finditer(text):
        plain = _plain_chunk(chunk.group())
        if plain is not None:
            out += map(_normal_token, plain)
        else:
            pos, end = chunk.span()
            while pos < end:
                match = pattern.search(text, pos)
                if match is None or match.start() >= end:
                    break
                take(match)
                pos = max(match.end(), pos + 1)
        if limit is not None and len(out) >= limit:
            return out[:limit]
    return out


# A chunk of letters, perhaps ending in one "," or ".": underthesea's patterns give it as its
# letters (its "word" group) and the mark (its "punct" group), with these exceptions, which
# go through the regex: a run of [A-ZĐ] before a "." is an abbreviation ("TP."), as are
# "Tp.", "Mr.", "Mrs.", "Ms.", "Dr.", "ThS."; "ʺ" is a letter (U+02BA) that its punctuation
# group takes alone; and "Th.S"/"Th.s" are unescaped in its abbreviations, so "Th", any
# character, then "s" (across a space too) is one: a line holding that goes through the
# regex whole.
_CHUNK = re.compile(r"\S+")
_PLAIN_CHUNK = re.compile(r"[^\W\d_]+[.,]?")
_TH_S = re.compile(r"Th.[sS]", re.S)
_CAPS = re.compile(r"[A-ZĐ]+")
_DOT_ABBREVIATIONS = frozenset(("Tp", "Mr", "Mrs", "Ms", "Dr", "ThS"))


def _plain_chunk(chunk: str) -> tuple[str, ...] | None:
    """The tokens of a whitespace-separated chunk of plain letters (a final "," or "."
    apart), as underthesea's patterns give them; None for any other chunk."""
    if "ʺ" in chunk or not _PLAIN_CHUNK.fullmatch(chunk):
        return None
    mark = chunk[-1]
    if mark not in ".,":
        return (chunk,)
    letters = chunk[:-1]
    if mark == "." and (letters in _DOT_ABBREVIATIONS or _CAPS.fullmatch(letters)):
        return None
    return (letters, mark)


def _plain_tokens(text: str) -> list[str] | None:
    """The tokens of a line made only of plain chunks (:func:`_plain_chunk`); None where any
    chunk is not plain or the line holds "Th", a character and "s"."""
    return None if _TH_S.search(text) else _plain_chunks(text)


def _plain_chunks(text: str) -> list[str] | None:
    """:func:`_plain_tokens` for a line already known to hold no "Th", character, "s"."""
    out: list[str] = []
    for chunk in text.split():
        plain = _plain_chunk(chunk)
        if plain is None:
            return None
        out += plain
    return out


@functools.lru_cache(maxsize=4)
def _named_groups(pattern: re.Pattern[str]) -> tuple[int, ...]:
    """Where ``pattern``'s named groups are in ``Match.groups()``, in group order
    (underthesea's ``extract_match`` walks ``groupdict()``, which has that order)."""
    return tuple(sorted(index - 1 for index in pattern.groupindex.values()))


@functools.lru_cache(maxsize=1 << 16)
def _normal_token(token: str) -> str:
    from underthesea.pipeline.text_normalize import token_normalize

    return token_normalize(token, use_character_normalize=True)


@functools.lru_cache(maxsize=1)
def underthesea_scorer() -> CRFScorer | None:
    """The CRF of underthesea's bundled word segmenter, read once per process for scoring
    from its weights (vnnews.text.crf); None (and underthesea's own path) where its files are
    missing or not understood."""
    import underthesea.pipeline.word_tokenize as wt

    from vnnews.text.crf import CRFScorer

    try:
        return CRFScorer(os.path.join(os.path.dirname(wt.__file__), "models", "ws_crf_vlsp2013_20230727"))
    except (ValueError, OSError, struct.error) as exc:  # CRFModelError is a ValueError
        log.info("word segmentation through underthesea's own tagger: %s", exc)
        return None


class VnCoreNLPSegmenter(_BaseSegmenter):
    """VnCoreNLP's RDRSegmenter, the one PhoBERT was pre-trained with. Needs the
    ``py_vncorenlp`` package, Java, and the VnCoreNLP files in ``save_dir``
    (``py_vncorenlp.download_model(save_dir)`` fetches them once)."""

    name = "vncorenlp"

    def __init__(self, save_dir: str) -> None:
        try:
            import py_vncorenlp
        except ImportError as exc:
            raise ImportError(
                "segmenter 'vncorenlp' needs `pip install py_vncorenlp` and Java; "
                "use segmenter 'underthesea' (the default) otherwise"
            ) from exc
        self._model = py_vncorenlp.VnCoreNLP(annotators=["wseg"], save_dir=save_dir)

    def segment(self, text: str) -> str:
        return " ".join(self._model.word_segment(text)) if text.strip() else ""


class WhitespaceSegmenter(_BaseSegmenter):
    """No segmentation: syllables stay as they are. For models pre-trained on raw
    syllables (ViT5) and for fast tests."""

    name = "none"

    def segment(self, text: str) -> str:
        return " ".join(text.split())


_REGISTRY: dict[str, Callable[..., Segmenter]] = {
    UndertheseaSegmenter.name: UndertheseaSegmenter,
    VnCoreNLPSegmenter.name: VnCoreNLPSegmenter,
    WhitespaceSegmenter.name: WhitespaceSegmenter,
}


def available_segmenters() -> list[str]:
    return sorted(_REGISTRY)


def get_segmenter(name: str = "underthesea", **options: object) -> Segmenter:
    """Build the segmenter called ``name`` ("underthesea", "vncorenlp", "none")."""
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown segmenter {name!r}; choose one of {available_segmenters()}") from None
    return factory(**options)


@functools.lru_cache(maxsize=8)
def model_segmenter(name: str, tone_style: str | None) -> Segmenter:
    """The segmenter a model's stored settings name, built once per process: the
    tone style applies to underthesea (the others take text as it is)."""
    return get_segmenter(name, tone_style=tone_style) if name == "underthesea" else get_segmenter(name)
