"""underthesea's word segmenter, scored from its CRF's weights (issue 35, item 2).

underthesea segments a sentence in three steps: a regex tokenizer splits it into syllables
and symbols, a featurizer (Rust, ``underthesea_core.CRFFeaturizer``) writes 43 feature
strings for every token ("T[-1,0].lower=bác sĩ", "T[0].is_in_dict=True"...), and a CRF
tagger (``CRFTagger``) maps those strings back to attribute ids, sums their weights and runs
Viterbi over two labels (B-W, I-W). Building and returning the strings costs about two
thirds of the time (benchmarks/segmentation_profile.py).

This module reads the same CRFsuite model file and the same dictionary, and scores each
token directly: the 43 features fall into twelve spans of the sentence (five single tokens,
four pairs, three triples), and the summed weight of all features of one span depends only
on the span's text and its offset. Those sums are computed once per distinct token, pair and
triple and kept (bounded caches), so a token costs three dictionary look-ups and twelve
additions. With two labels only the
difference of the two emission scores matters. Viterbi is the tagger's own, ties broken the
same way (the lower label id wins). The featurizer's functions are reproduced from its
source (``featurizers.rs``): ``lower`` is Unicode lower-casing, ``isdigit`` is "parses as
a 32-bit integer", ``istitle`` is "every space-separated part starts with a character
that upper-casing leaves unchanged", ``is_in_dict`` looks the lower-cased text up.

The output is compared with underthesea's own ``word_tokenize`` by tests on a sample and by
benchmarks/segmentation_speed.py on every line of VietNews, the seeds and data/real.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from pathlib import Path

# The feature templates this scorer implements, in underthesea's order: a model shipped with
# other templates is refused (the caller falls back to underthesea's own path).
TEMPLATES = (
    "T[-2]", "T[-1]", "T[0]", "T[1]", "T[2]", "T[-2,-1]", "T[-1,0]", "T[0,1]", "T[1,2]", "T[-2,0]", "T[-1,1]", "T[0,2]",
    "T[-2].lower", "T[-1].lower", "T[0].lower", "T[1].lower", "T[2].lower",
    "T[-2,-1].lower", "T[-1,0].lower", "T[0,1].lower", "T[1,2].lower",
    "T[-1].isdigit", "T[0].isdigit", "T[1].isdigit",
    "T[-2].istitle", "T[-1].istitle", "T[0].istitle", "T[1].istitle", "T[2].istitle", "T[0,1].istitle", "T[0,2].istitle",
    "T[-2].is_in_dict", "T[-1].is_in_dict", "T[0].is_in_dict", "T[1].is_in_dict", "T[2].is_in_dict",
    "T[-2,-1].is_in_dict", "T[-1,0].is_in_dict", "T[0,1].is_in_dict", "T[1,2].is_in_dict",
    "T[-2,0].is_in_dict", "T[-1,1].is_in_dict", "T[0,2].is_in_dict",
)  # fmt: skip
_TEMPLATE = re.compile(r"T\[(-?\d+)(?:,(-?\d+))?\](?:\.(\w+))?$")
_INT32 = re.compile(r"[+-]?[0-9]+")
# The functions a template may apply to its span's text, in the order the templates of one span
# come in TEMPLATES (the order its weights are summed in)
_FUNCTION_ORDER: tuple[str | None, ...] = (None, "lower", "isdigit", "istitle", "is_in_dict")
_SpanTable = tuple[dict[str, float], dict[str, float], tuple[tuple[float, float], ...]]
_PAD = 2  # BOS entries before a sentence's span sums: the widest look-back of a template
CACHE_ENTRIES = 400_000  # per span cache; cleared when full (a few tens of MB at most)


class CRFModelError(ValueError):
    """The model file is not a CRFsuite model this reader understands."""


def read_crfsuite(path: str | Path) -> tuple[list[str], dict[str, int], dict[tuple[int, int], float], list[list[float]]]:
    """(labels, attribute -> id, (attribute id, label id) -> weight, transitions[from][to])
    of a CRFsuite model file (``lCRF``/``FOMC``: a header, a FEAT chunk, two CQDB string
    tables), as CRFsuite writes it."""
    data = Path(path).read_bytes()
    if len(data) < 48 or data[:4] != b"lCRF" or data[8:12] != b"FOMC":
        raise CRFModelError(f"{path}: not a CRFsuite model")
    num_labels, num_attrs, off_features, off_labels, off_attrs = struct.unpack_from("<5I", data, 20)
    labels = _cqdb(data, off_labels, num_labels, path)
    attrs = _cqdb(data, off_attrs, num_attrs, path)
    if data[off_features : off_features + 4] != b"FEAT":
        raise CRFModelError(f"{path}: no FEAT chunk")
    (count,) = struct.unpack_from("<I", data, off_features + 8)
    state: dict[tuple[int, int], float] = {}
    transitions = [[0.0] * len(labels) for _ in labels]
    for kind, src, dst, weight in struct.iter_unpack("<IIId", data[off_features + 12 : off_features + 12 + 20 * count]):
        if kind == 0:
            state[(src, dst)] = weight
        elif kind == 1:
            transitions[src][dst] = weight
    return [labels[i] for i in range(len(labels))], {s: i for i, s in attrs.items()}, state, transitions


def _cqdb(data: bytes, start: int, count: int, path: str | Path) -> dict[int, str]:
    """id -> string of a CQDB table (its backward array: one offset per id)."""
    if data[start : start + 4] != b"CQDB":
        raise CRFModelError(f"{path}: no string table at {start}")
    bwd_size, bwd_offset = struct.unpack_from("<II", data, start + 16)
    out: dict[int, str] = {}
    for i in range(min(count, bwd_size)):
        (offset,) = struct.unpack_from("<I", data, start + bwd_offset + 4 * i)
        if offset == 0:
            continue
        ident, ksize = struct.unpack_from("<II", data, start + offset)
        key = data[start + offset + 8 : start + offset + 8 + ksize].split(b"\0", 1)[0]
        out[ident] = key.decode("utf-8", errors="replace")
    if sorted(out) != list(range(len(out))):
        raise CRFModelError(f"{path}: string ids are not 0..{len(out) - 1}")
    return out


def _istitle(text: str) -> bool:
    return all(part[:1].upper() == part[:1] for part in text.split(" "))


def _isdigit(text: str) -> bool:
    return bool(_INT32.fullmatch(text)) and -(2**31) <= int(text) < 2**31


class CRFScorer:
    """underthesea's word-segmentation CRF, tagging token lists with the same labels as
    ``FastCRFSequenceTagger.predict`` (see the module's docstring)."""

    def __init__(self, model_dir: str | Path) -> None:
        import joblib

        model_dir = Path(model_dir)
        features = list(joblib.load(model_dir / "features.bin"))
        if tuple(features) != TEMPLATES:
            raise CRFModelError(f"{model_dir}: feature templates differ from the ones this scorer implements")
        self.dictionary: set[str] = set(joblib.load(model_dir / "dictionary.bin"))
        labels, attrs, state, transitions = read_crfsuite(model_dir / "models.bin")
        if sorted(labels) != ["B-W", "I-W"]:
            raise CRFModelError(f"{model_dir}: labels {labels}, expected B-W and I-W")
        self.labels = labels
        self._b = labels.index("B-W")
        i_w = labels.index("I-W")
        # attribute -> B-W's weight minus I-W's (with two labels only the difference matters)
        self._diff = {name: state.get((ident, self._b), 0.0) - state.get((ident, i_w), 0.0) for name, ident in attrs.items()}
        self._trans = transitions
        # Templates grouped by span: (offset1, offset2 or None) -> [(template, function)]
        self._spans: dict[tuple[int, int | None], list[tuple[str, str | None]]] = {}
        for template in features:
            match = _TEMPLATE.match(template)
            if match is None:  # pragma: no cover - TEMPLATES all match
                raise CRFModelError(f"unknown template {template}")
            a, b, function = int(match[1]), None if match[2] is None else int(match[2]), match[3]
            self._spans.setdefault((a, b), []).append((template, function))
        # Spans by width (0: one token, 1: a pair, 2: a triple): one cache per width, holding for
        # each distinct text the summed weights of every span of that width it can fill
        self._groups: list[tuple[int, list[tuple[int, int | None]], dict[str, tuple[float, ...]]]] = []
        for width in sorted({0 if b is None else b - a for a, b in self._spans}):
            spans = [span for span in self._spans if (0 if span[1] is None else span[1] - span[0]) == width]
            self._groups.append((width, spans, {}))
        # BOS/EOS: a span out of the sentence gives "template=BOS" (or EOS) for all its templates
        self._edges = {span: (self._edge(span, "BOS"), self._edge(span, "EOS")) for span in self._spans}
        # Per span, the weights of its templates by the value they read: the text's own and its
        # lower-cased form (value -> weight), and each boolean function's (False, True) weights,
        # in template order so that a span's sum adds the same numbers in the same order as
        # summing over its templates does (0.0 where a template or value has no weight)
        by_template: dict[str, dict[str, float]] = {}
        for name, weight in self._diff.items():
            template, _, value = name.partition("=")
            by_template.setdefault(template, {})[value] = weight
        self._tables = {span: self._table(span, by_template) for span in self._spans}
        self._group_edges = [
            (tuple(self._edges[span][0] for span in spans), tuple(self._edges[span][1] for span in spans)) for _w, spans, _c in self._groups
        ]
        self._sum = self._summer()
        # Per width group: the texts and lower-cased texts any of its spans has a weight for, and
        # the sums of a text with none of its own, by flags (see _scores)
        self._known = []
        for _width, spans, _cache in self._groups:
            texts = {value for span in spans for value in self._tables[span][0]}
            lowers = {value for span in spans for value in self._tables[span][1]}
            self._known.append((texts, lowers, [self._sums(spans, None, None, flags) for flags in range(8)]))

    def _table(self, span: tuple[int, int | None], by_template: dict[str, dict[str, float]]) -> _SpanTable:
        functions = [function for _template, function in self._spans[span]]
        if functions != sorted(functions, key=_FUNCTION_ORDER.index) or len(set(functions)) != len(functions):  # pragma: no cover - TEMPLATES are so
            raise CRFModelError(f"templates of span {span} are not in the order this scorer sums them")
        weights = {function: by_template.get(template, {}) for template, function in self._spans[span]}
        flags = tuple(
            (weights[f].get("False", 0.0), weights[f].get("True", 0.0)) if f in weights else (0.0, 0.0) for f in _FUNCTION_ORDER[2:]
        )
        return weights.get(None, {}), weights.get("lower", {}), flags

    def clear(self) -> None:
        """Forget the summed weights of the tokens, pairs and triples seen so far (they are
        rebuilt on demand: for benchmarks of a cold page)."""
        for _width, _spans, cache in self._groups:
            cache.clear()

    def _edge(self, span: tuple[int, int | None], edge: str) -> float:
        """The summed weights of a span out of the sentence: every template of it reads
        ``template=BOS`` (or EOS)."""
        return sum(self._diff.get(f"{template}={edge}", 0.0) for template, _function in self._spans[span])

    def _scores(self, g: int, text: str) -> tuple[float, ...]:
        """The summed weights of ``text`` in each span of width group ``g``: each function of
        the text computed once for all of them, each template's weight one look-up. Most
        pairs and triples have no weight of their own text: their sums depend on the three
        boolean functions alone (eight tuples, computed once)."""
        lower = text.lower()
        flags = _isdigit(text) * 4 + _istitle(text) * 2 + (lower in self.dictionary)
        texts, lowers, by_flags = self._known[g]
        if text not in texts and lower not in lowers:
            return by_flags[flags]
        return self._sums(self._groups[g][1], text, lower, flags)

    def _sums(self, spans: list[tuple[int, int | None]], text: str | None, lower: str | None, flags: int) -> tuple[float, ...]:
        """The summed weights of each of ``spans`` for a text, its lower-cased form and its
        flags (``isdigit * 4 + istitle * 2 + is_in_dict``), adding in template order (None:
        a text with no weight of its own in any of them)."""
        digit, title, known = flags >> 2, (flags >> 1) & 1, flags & 1
        out = []
        for span in spans:
            raw, low, (d, t, k) = self._tables[span]
            out.append(0.0 + raw.get(text, 0.0) + low.get(lower, 0.0) + d[digit] + t[title] + k[known])
        return tuple(out)

    def emissions(self, tokens: list[str]) -> list[float]:
        """For each token, B-W's emission score minus I-W's."""
        n = len(tokens)
        padded = []  # per width: BOS sums, the sums of each span text in the sentence, EOS sums
        for g, ((width, _spans, cache), (bos, eos)) in enumerate(zip(self._groups, self._group_edges, strict=True)):
            if len(cache) > CACHE_ENTRIES:
                cache.clear()
            texts = tokens if width == 0 else [" ".join(tokens[j : j + width + 1]) for j in range(n - width)]
            scores = [bos] * _PAD
            for text in texts:
                score = cache.get(text)
                if score is None:
                    score = cache[text] = self._scores(g, text)
                scores.append(score)
            scores.extend([eos] * (_PAD + 2))
            padded.append(scores)
        return self._sum(*padded, n)

    def _summer(self) -> Callable[..., list[float]]:
        """A function of the padded span sums of each width and the sentence length, giving
        each position's emission: ``0 + s1 + s2 + ...`` over the spans in the order of
        ``self._groups`` (the order of additions fixed, so the floats are the same whatever
        the sentence). The span at offset ``a`` of position ``i`` reads entry ``i + a`` of
        its width's sums, shifted by the BOS padding (positions past the sentence read EOS)."""
        terms = " + ".join(
            f"p{g}[i + {span[0] + _PAD}][{k}]" for g, (_width, spans, _cache) in enumerate(self._groups) for k, span in enumerate(spans)
        )
        names = ", ".join(f"p{g}" for g in range(len(self._groups)))
        return eval(f"lambda {names}, n: [0 + {terms} for i in range(n)]")  # noqa: S307 - built from the templates above, no input

    def _viterbi(self, diff: list[float]) -> tuple[float, float, list[tuple[int, int]]]:
        """The last position's two path scores and each later position's back-pointers
        (for labels 0 and 1) over emissions ``diff``, as the tagger runs Viterbi (ties to the
        lower label id); I-W's emission counts as 0, B-W's is the difference."""
        b = self._b
        (t00, t01), (t10, t11) = self._trans
        s0, s1 = (diff[0], 0.0) if b == 0 else (0.0, diff[0])
        back: list[tuple[int, int]] = []
        for d in diff[1:]:
            e0, e1 = (d, 0.0) if b == 0 else (0.0, d)
            a0, a1 = s0 + t00, s1 + t10  # into label 0 from label 0, from label 1
            best0, p0 = (a1, 1) if a1 > a0 else (a0, 0)
            a0, a1 = s0 + t01, s1 + t11  # into label 1
            best1, p1 = (a1, 1) if a1 > a0 else (a0, 0)
            s0, s1 = best0 + e0, best1 + e1
            back.append((p0, p1))
        return s0, s1, back

    def tag(self, tokens: list[str]) -> list[str]:
        """B-W or I-W for each token: Viterbi over the two labels, as the tagger runs it."""
        if not tokens:
            return []
        s0, s1, back = self._viterbi(self.emissions(tokens))
        labels = self.labels
        return [labels[y] for y in _backtrack(back, 1 if s1 > s0 else 0)]

    def tag_prefix(self, tokens: list[str], words: int) -> list[str] | None:
        """The labels of the tokens that make the first ``words`` words of a sentence that
        *begins* with ``tokens`` and goes on (its later tokens unread), exactly as
        :meth:`tag` labels them on the whole sentence; None when ``tokens`` do not settle
        them (read more and ask again).

        Why it is exact: a position's emission reads at most two tokens ahead, so the
        emissions of all but the last two of ``tokens`` are the whole sentence's, and so are
        Viterbi's scores and back-pointers up to there. Where the back-pointer chains of
        both labels at the last such position meet, every label before the meeting point is
        the one the whole sentence's best path takes, whatever follows; the first
        ``words`` words are settled when the word after them starts before that point."""
        m = len(tokens) - 2  # positions whose look-ahead lies inside ``tokens``
        if m < 2:
            return None
        _s0, _s1, back = self._viterbi(self.emissions(tokens)[:m])
        y0, y1, t = 0, 1, m - 1
        while y0 != y1 and t > 0:  # follow both chains back until they meet
            y0, y1 = back[t - 1][y0], back[t - 1][y1]
            t -= 1
        if y0 != y1:
            return None
        path = _backtrack(back[:t], y0)  # the settled labels of positions 0 to t
        b = self._b
        starts = 0
        for i, y in enumerate(path):
            if i == 0 or y == b:
                starts += 1
                if starts == words + 1:  # the next word starts here: the first ``words`` are whole
                    labels = self.labels
                    return [labels[y] for y in path[:i]]
        return None


def _backtrack(back: list[tuple[int, int]], last: int) -> list[int]:
    """The label of every position, from the last one's (``last``) back along the
    back-pointers (``back[t - 1]``: position t's, for labels 0 and 1)."""
    path = [last]
    for pointers in reversed(back):
        path.append(pointers[path[-1]])
    path.reverse()
    return path
