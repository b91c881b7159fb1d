"""vnnews: clean, structured articles and summaries from scraped Vietnamese news pages.

    import vnnews
    record = vnnews.extract(html)                  # rules; or model="runs/classifier", summarizer=...
    record["title"], record["date_published"], record["text"]

Imports are lazy: ``import vnnews`` loads no model library until a function needs it.
"""

from typing import Any

__version__ = "0.2.0"
__all__ = ["__version__", "extract"]


def __getattr__(name: str) -> Any:
    if name == "extract":
        from vnnews.extraction import extract

        return extract
    raise AttributeError(f"module 'vnnews' has no attribute {name!r}")
