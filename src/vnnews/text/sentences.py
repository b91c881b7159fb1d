"""Sentence splitting for Vietnamese news text.

Why not underthesea's ``sent_tokenize``: it splits after "PGS.TS." (a title
chain before a name) and cuts a quotation off from its closing quote mark
(`nói: "Tốt.` | `" Sau đó`). News text is full of both, and the summarizer's
lead-N baselines and the body/lead statistics depend on them, so the rules
live here and are pinned by tests/text/test_sentences.py.

A sentence ends at ``.``, ``!``, ``?`` or an ellipsis, together with any closing
quotes or brackets, when whitespace and then an upper-case letter, a digit or an
opening quote follows, unless the word before the period is an abbreviation
("TP. HCM", "PGS.TS. Nguyễn", "Q. 1") or an initial ("Nguyễn V. A").
Decimals ("3,2 tỷ", "1.100"), dates ("17/12") and "SN 1990" never match because no
whitespace follows their punctuation.
"""

from __future__ import annotations

import re

# Abbreviations that take a period in Vietnamese news (titles, places, units).
ABBREVIATIONS: frozenset[str] = frozenset(
    """
    tp tx tt q p h x gs pgs ts ths bs bsck cn ks ls nxb nsnd nsưt ndt gđ pgđ
    ubnd hđnd tw mr mrs ms dr st co ltd inc corp no vs tr ng th ths.bs ts.bs
    """.split()
)

_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«(["
_BOUNDARY_RE = re.compile(rf"(?P<end>[.!?…]+[{re.escape(_CLOSERS)}]*)(?P<space>\s+)(?=\S)")


def _starts_sentence(rest: str) -> bool:
    """True when ``rest`` opens with an upper-case letter or digit, possibly after
    opening quotes, brackets or a dash."""
    stripped = rest.lstrip(_OPENERS + "-–— ")
    return bool(stripped) and (stripped[0].isupper() or stripped[0].isdigit())


def _is_abbreviation(token: str) -> bool:
    """``token`` ends with the period; true for "TP.", "PGS.TS.", "ThS.BS.", "V."."""
    core = token.rstrip(".")
    if not core:
        return False
    parts = [p for p in core.split(".") if p]
    if len(parts) == 1 and len(parts[0]) == 1 and parts[0].isupper():
        return True  # an initial: "Nguyễn V. A"
    return all(p.lower() in ABBREVIATIONS for p in parts)


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences; whitespace around sentences is stripped and
    empty pieces are dropped. Newlines are treated as hard boundaries."""
    sentences: list[str] = []
    for paragraph in text.split("\n"):
        start = 0
        for m in _BOUNDARY_RE.finditer(paragraph):
            if not _starts_sentence(paragraph[m.end() : m.end() + 8]):
                continue
            if m.group("end") == ".":
                before = paragraph[start : m.start("end") + 1].rsplit(None, 1)
                if before and _is_abbreviation(before[-1]):
                    continue
            piece = paragraph[start : m.end("end")].strip()
            if piece:
                sentences.append(piece)
            start = m.end("space")
        tail = paragraph[start:].strip()
        if tail:
            sentences.append(tail)
    return sentences
