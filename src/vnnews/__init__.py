"""vnnews: clean, structured articles and summaries from scraped Vietnamese news pages.

    import vnnews
    record = vnnews.extract(html)                  # rules; or model="runs/classifier", summarizer=...
    record["title"], record["date_published"], record["text"]

    labeller = vnnews.PageLabeler.from_pretrained("runs/classifier")
    labeller.predict(html)                          # a label per line of the page
    vnnews.Summarizer.from_pretrained("runs/summarizer").summarize(body)

Imports are lazy: ``import vnnews`` loads no model library until a name below is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# public name -> the module that defines it (imported on first use)
_PUBLIC = {
    "extract": "vnnews.extraction",
    "PageLabeler": "vnnews.models.page_labeler",
    "PageLabelerConfig": "vnnews.models.page_labeler",
    "Summarizer": "vnnews.models.summarizer",
    "load_model": "vnnews.models",
    "load_classifier": "vnnews.models",
    "Article": "vnnews.ingest",
    "IngestOptions": "vnnews.ingest",
    "iter_articles": "vnnews.ingest",
    "InferenceConfig": "vnnews.inference",
    "run_inference": "vnnews.inference",
    "read_records": "vnnews.inference",
    "DatasetConfig": "vnnews.dataset",
    "build_dataset": "vnnews.dataset",
    "load_config": "vnnews.config",
}
__all__ = [  # a literal list, as linters read it; the same names as _PUBLIC (a test checks)
    "__version__", "extract", "PageLabeler", "PageLabelerConfig", "Summarizer", "load_model", "load_classifier", "Article", "IngestOptions",
    "iter_articles", "InferenceConfig", "run_inference", "read_records", "DatasetConfig", "build_dataset", "load_config",
]

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time the names load on first use
    from vnnews.config import load_config
    from vnnews.dataset import DatasetConfig, build_dataset
    from vnnews.extraction import extract
    from vnnews.inference import InferenceConfig, read_records, run_inference
    from vnnews.ingest import Article, IngestOptions, iter_articles
    from vnnews.models import load_classifier, load_model
    from vnnews.models.page_labeler import PageLabeler, PageLabelerConfig
    from vnnews.models.summarizer import Summarizer


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'vnnews' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public API (what ``__all__`` names), not this module's own imports."""
    return sorted(__all__)
