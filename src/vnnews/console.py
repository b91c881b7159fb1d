"""Progress bars only where a person watches them.

A bar redraws itself with carriage returns: on a terminal that is a live line, in a log
file (systemd, a CI job, ``> log.txt``) it is kilobytes of half-drawn lines (a 70 KB
demo log). So bars are drawn only when standard error is a terminal and ``-q`` was not
given; otherwise vnnews' own bars are off and so are those of datasets, huggingface_hub,
transformers (their switches) and the Trainer (``disable_tqdm``). Closing lines (``N done
in Xs``) are printed either way.
"""

from __future__ import annotations

import os
import sys

_QUIET = False
_CONFIGURED = False  # by the command line; library use (a notebook, whose stderr is no terminal) keeps its bars


def bars_wanted() -> bool:
    """Whether to draw progress bars: from the command line, when standard error is a
    terminal and ``-q`` was not given; in library use, always."""
    return not _CONFIGURED or (not _QUIET and sys.stderr.isatty())


def quiet() -> bool:
    """Whether the command line was given ``-q``: only closing lines are printed."""
    return _QUIET


def configure(quiet: bool) -> None:
    """Called once by the command line before any work: remembers ``-q`` and, when no
    bar is wanted, turns off the libraries' bars (the variables for those not imported
    yet, their switches for those that are)."""
    global _QUIET, _CONFIGURED
    _QUIET, _CONFIGURED = quiet, True
    if bars_wanted():
        return
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    if "huggingface_hub" in sys.modules:
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    if "datasets" in sys.modules:
        import datasets

        datasets.disable_progress_bars()
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()


__all__ = ["bars_wanted", "configure"]
