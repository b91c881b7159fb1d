"""Which language a page is written in, before the models read it.

A crawl (CC-NEWS, a newsroom's own crawler) holds pages in every language; the models
are trained on Vietnamese and only waste time on the rest, and their records would be
noise downstream. py3langid (Lui and Baldwin's langid.py, 97 languages and a few
aliases, numpy only, a 4 MB model in the wheel: nothing downloads) names the language
of a page from a sample of its longest lines, where the article is, rather than from
its menus, which a page in another language may share with Vietnamese sites. It reads
Vietnamese written without its tone marks as Vietnamese too.

:func:`detect` gives ``(language, score)``; :func:`refusal` says why a page is skipped
for a job that keeps only some languages (``languages: [vi]``, the default of
``vnnews infer`` and ``vnnews extract``), or None when it is kept. A page with too little
text to tell (under :data:`MIN_LETTERS` letters) is kept: an empty or tiny page is no
evidence of another language.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

SAMPLE_CHARS = 1_000  # of the longest lines: enough to be sure (a paragraph or two), and what bounds the cost
MIN_LETTERS = 40  # fewer letters than this: too little to tell, the page is kept
ALL = "all"  # languages: all keeps every page

_lock = threading.Lock()
_identifier: Any = None


class Detected(NamedTuple):
    language: str
    score: float  # the identifier's probability for it, 0..1


def _model() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            try:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier
            except ImportError as exc:  # a dependency: only a broken install lacks it
                raise ImportError("the language filter needs py3langid (pip install py3langid), or give --languages all") from exc
            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def known_languages() -> list[str]:
    """The codes :func:`detect` can answer (ISO 639-1 where there is one)."""
    return sorted(_model().labels)


def sample(texts: Iterable[str], chars: int = SAMPLE_CHARS) -> str:
    """The page's longest lines, in page order, up to about ``chars`` characters."""
    lines = [t for t in texts if t and t.strip()]
    chosen: set[int] = set()
    total = 0
    for i in sorted(range(len(lines)), key=lambda i: -len(lines[i])):
        if total >= chars:
            break
        chosen.add(i)
        total += len(lines[i])
    return "\n".join(lines[i][:chars] for i in sorted(chosen))


def detect(texts: Sequence[str] | str) -> Detected | None:
    """The language of a page's lines (or of one text), None when it has too little text to tell."""
    text = texts if isinstance(texts, str) else sample(texts)
    text = text[: SAMPLE_CHARS * 2]
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return None
    language, score = _model().classify(text)
    return Detected(str(language), round(float(score), 4))


def mark(article: Any) -> Detected | None:
    """The language of ``article`` (an Article), detected once: kept in its
    ``meta["detected_language"]`` (``{language, score}`` or None), which the record reads."""
    if "detected_language" in article.meta:
        found = article.meta["detected_language"]
        return Detected(found["language"], found["score"]) if found else None
    detected = detect(article.texts)
    article.meta["detected_language"] = detected._asdict() if detected else None
    return detected


def check_languages(languages: Sequence[str] | str | None) -> tuple[str, ...] | None:
    """The languages a job keeps, as a tuple; None keeps every page (``all``, empty, None).
    A code the identifier does not know is refused here, when the config loads."""
    if languages is None:
        return None
    items = [languages] if isinstance(languages, str) else list(languages)
    codes = [str(c).strip().lower() for item in items for c in str(item).split(",") if str(c).strip()]
    if not codes or ALL in codes:
        return None
    known = set(known_languages())
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValueError(f"languages: unknown code(s) {', '.join(unknown)} (ISO 639-1, such as vi or en; 'all' keeps every page)")
    return tuple(dict.fromkeys(codes))


def refusal(detected: Detected | None, languages: tuple[str, ...] | None) -> str | None:
    """Why a page in ``detected`` is skipped by a job that keeps ``languages``; None: kept."""
    if languages is None or detected is None or detected.language in languages:
        return None
    kept = ", ".join(languages)
    return f"written in {detected.language} (score {detected.score:.2f}), not in languages [{kept}]: skipped (--languages all keeps every page)"


__all__ = ["ALL", "Detected", "check_languages", "detect", "known_languages", "mark", "refusal", "sample"]
