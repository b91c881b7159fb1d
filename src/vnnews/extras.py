"""Optional dependencies: what each extra brings, and one clear error when it is missing.

The core install (``pip install vnnews``) loads, trains and runs the models, builds
datasets and runs batch inference. ``vnnews[serve]`` adds the HTTP service,
``vnnews[eval]`` the baselines and reference extractors of ``vnnews evaluate`` and
``vnnews pipeline``, ``vnnews[tensorboard]`` ``training.report_to: tensorboard``,
``vnnews[onnx]``/``vnnews[ct2]`` the exports, ``vnnews[ray]`` ``vnnews infer --engine ray``,
``vnnews[warc]`` FastWARC for WARC inputs (warcio is read where installed instead),
``vnnews[datatrove]`` the datatrove step; ``vnnews[all]`` all of them.
"""

from __future__ import annotations

import importlib
from typing import Any


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


def require(module: str, extra: str, what: str) -> Any:
    """Import ``module``, or raise MissingExtra saying that ``what`` needs ``vnnews[extra]``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtra(f"{what} needs the `{extra}` extra ({module} is not importable: {exc}); install it with: pip install 'vnnews[{extra}]'") from None
