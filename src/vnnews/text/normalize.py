"""Vietnamese text normalisation.

Scraped Vietnamese text mixes two Unicode forms (precomposed NFC and decomposed
NFD, the latter common in Windows-1258 pages), two tone-mark placement styles
("hoá" and "hóa" both appear in the same article), non-breaking and zero-width
spaces, and stray control characters. Models and metrics see these as different
strings, so every stage of vnnews goes through :func:`normalize` first.

The function is idempotent and never removes or changes a letter: it only moves
a tone mark inside a syllable, drops invisible characters and collapses
whitespace (pinned by property tests in tests/text/test_normalize.py).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Literal

ToneStyle = Literal["new", "old"]
TONE_STYLES: tuple[str, ...] = ("new", "old")

# The five combining tone marks: grave, acute, tilde, hook above, dot below.
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_VOWELS = frozenset("aăâeêioôơuưy")
_SHAPED_VOWELS = frozenset("ăâêôơư")  # vowels that carry a shape mark take the tone
_CONSONANTS = frozenset("bcdđghklmnpqrstvxfjwz")
# Open syllables whose two-vowel nucleus is where the styles differ:
# old style "hóa, khỏe, thúy", new style "hoá, khoẻ, thuý".
_STYLE_PAIRS = frozenset({"oa", "oe", "uy"})

# Letters plus combining marks, so a stray mark keeps its syllable out of retoning.
_WORD_RE = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")
_SPACES_RE = re.compile(r"[ \t]+")


def _is_invisible(ch: str) -> bool:
    """Characters that carry no text: controls (Cc), format chars (Cf: zero-width
    space/joiners, BOM, soft hyphen, bidi marks) and unassigned/private code points."""
    return unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cn", "Cs"}


def _clean_line(line: str) -> str:
    if line.isprintable():  # fast path: no controls, format chars or odd spaces
        return line
    out = []
    for ch in line:
        if ch == "\t" or unicodedata.category(ch) in {"Zs", "Zl", "Zp"}:
            out.append(" ")  # NBSP, thin space, ideographic space, ...
        elif not _is_invisible(ch):
            out.append(ch)
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def _split_tone(ch: str) -> tuple[str, str]:
    """Split a character into (base with shape marks, tone marks)."""
    decomposed = unicodedata.normalize("NFD", ch)
    base = "".join(c for c in decomposed if c not in _TONE_MARKS)
    tone = "".join(c for c in decomposed if c in _TONE_MARKS)
    return unicodedata.normalize("NFC", base), tone


def _tone_position(lower: str, style: ToneStyle) -> int | None:
    """Index of the vowel that should carry the tone in a syllable, or None when
    the word is not a single Vietnamese syllable (foreign word, run-together text)."""
    if any(c not in _VOWELS and c not in _CONSONANTS for c in lower):
        return None
    start = 0
    # "qu" and "gi" before a vowel are consonant clusters: "quá", "giữa".
    if len(lower) > 2 and lower[:2] in ("qu", "gi") and lower[2] in _VOWELS:
        start = 2
    while start < len(lower) and lower[start] not in _VOWELS:
        start += 1
    end = start
    while end < len(lower) and lower[end] in _VOWELS:
        end += 1
    if start == end or any(c in _VOWELS for c in lower[end:]):
        return None  # no vowel, or more than one vowel group: not one syllable
    cluster = lower[start:end]
    if len(cluster) > 3:
        return None
    shaped = [i for i, c in enumerate(cluster) if c in _SHAPED_VOWELS]
    if shaped:
        offset = shaped[-1]  # "người" -> ơ, "cứu" -> ư, "tiếng" -> ê
    elif end < len(lower):
        offset = len(cluster) - 1  # closed syllable: "hoàn", "huỳnh"
    elif len(cluster) == 3:
        offset = 1  # "ngoài", "khuỷu", "xoáy"
    elif len(cluster) == 2 and cluster in _STYLE_PAIRS:
        offset = 1 if style == "new" else 0
    elif len(cluster) == 2:
        offset = 0  # "mái", "mía", "múa"
    else:
        offset = 0
    return start + offset


@functools.lru_cache(maxsize=1 << 16)  # Vietnamese has ~7,000 distinct syllables
def _retone_word(word: str, style: ToneStyle) -> str:
    if word.isascii():
        return word
    parts = [_split_tone(ch) for ch in word]
    toned = [i for i, (_, tone) in enumerate(parts) if tone]
    if len(toned) != 1 or len(parts[toned[0]][1]) != 1:
        return word  # untoned, or not a well-formed syllable: leave as written
    bases = [base for base, _ in parts]
    if any(len(b) != 1 for b in bases):
        return word
    target = _tone_position("".join(bases).lower(), style)
    if target is None or target == toned[0]:
        return word
    tone = parts[toned[0]][1]
    bases[target] = unicodedata.normalize("NFC", bases[target] + tone)
    return "".join(bases)


def normalize_tone_marks(text: str, style: ToneStyle = "new") -> str:
    """Put every syllable's tone mark where ``style`` says ("new": hoá, thuý;
    "old": hóa, thúy). Only the oa/oe/uy open syllables differ between styles;
    every other misplaced mark ("hoàn" typed as "hòan") is fixed either way."""
    if style not in TONE_STYLES:
        raise ValueError(f"tone style must be one of {TONE_STYLES}, got {style!r}")
    return _WORD_RE.sub(lambda m: _retone_word(m.group(0), style), text)


def normalize(text: str, tone_style: ToneStyle | None = "new", keep_newlines: bool = True) -> str:
    """Normalise Vietnamese text for comparison and modelling.

    Steps: drop control, zero-width and format characters; turn every Unicode
    space (NBSP included) into a plain space; compose to NFC; move tone marks to
    ``tone_style`` (``None`` keeps them where they are); collapse runs of spaces
    and strip each line. ``keep_newlines=False`` also joins lines with a space.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = unicodedata.normalize("NFC", "\n".join(_clean_line(line) for line in lines))
    if tone_style is not None:
        text = normalize_tone_marks(text, tone_style)
    lines = [_SPACES_RE.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines) if keep_newlines else " ".join(line for line in lines if line)


_KEY_RE = re.compile(r"\w+")


def word_key(text: str) -> str:
    """The words of ``text``, lower-cased, punctuation dropped: two texts with the same
    key say the same thing ("Tiêu đề: thật!" and "tiêu đề thật"), for matching a line
    against a title the page names."""
    return " ".join(_KEY_RE.findall(text.lower()))
