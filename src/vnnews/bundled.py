"""The data that ships with vnnews, and the checkout's, for notebooks and examples.

A notebook must run where a user runs it: inside the repository, or with only ``pip install
vnnews`` beside it. The five seed pages and their gold labels ship in the package
(``bundled_pages``, ``bundled_annotations``); the real pages of ``data/real`` do not (their
text belongs to their publishers: data/real/README.md), so :func:`real_pages` finds them only
in a checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

_RESOURCES = Path(__file__).resolve().parent / "resources"


def bundled_pages() -> Path:
    """The folder of the five seed pages (text dumps of real articles: data/raw in the checkout)."""
    return _RESOURCES / "seeds"


def bundled_annotations() -> Path:
    """The folder of the seed pages' gold line labels (data/annotations in the checkout)."""
    return _RESOURCES / "annotations"


def checkout_root(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The vnnews repository that ``start`` (default: the working directory) is in or
    directly beside (a notebook runs from notebooks/ or from the root), else None."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, here.parent):
        if (folder / "data" / "raw").is_dir() and (folder / "src" / "vnnews").is_dir():
            return folder
    return None


def real_pages(start: str | os.PathLike[str] | None = None) -> tuple[Path, Path] | None:
    """(pages, annotations) of the checkout's real-page evaluation set, or None outside a checkout."""
    root = checkout_root(start)
    if root is None or not (root / "data" / "real" / "pages").is_dir():
        return None
    return root / "data" / "real" / "pages", root / "data" / "real" / "annotations"


def vietnews_sample(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The VietNews training file where it lies: ``$VNNEWS_VIETNEWS``, else ``../shared`` beside a checkout; None if neither."""
    named = os.environ.get("VNNEWS_VIETNEWS")
    if named:
        return Path(named) if Path(named).is_file() else None
    root = checkout_root(start)
    path = root.parent / "shared" / "corpora" / "vietnews" / "train.jsonl.gz" if root else None
    return path if path is not None and path.is_file() else None


__all__ = ["bundled_annotations", "bundled_pages", "checkout_root", "real_pages", "vietnews_sample"]
