"""What every subcommand shares: overrides split from inputs, one-line failures, config loading, the OUT argument."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vnnews.ingest.readers import URL_INPUT, is_url

_OVERRIDE_RE = re.compile(r"^[A-Za-z_][\w.]*=")


SYMLINKS_HELP = (
    "skip every symbolic link inside input folders (reported in the errors). By default a link to a file inside "
    "the folder is read; links leading outside it, links to directories and broken links are reported and skipped"
)


def _split_overrides(items: Sequence[str]) -> tuple[list[str], list[str]]:
    """Separate key=value overrides from input paths (an existing path always counts as
    input). A page's URL is refused at once: vnnews reads files, it does not fetch pages
    (remote storage, ``s3://...``, is read: vnnews.ingest.remote)."""
    paths, overrides = [], []
    for item in items:
        if is_url(item):
            raise ValueError(f"{item} {URL_INPUT}")
        if _OVERRIDE_RE.match(item) and not Path(item).exists():
            overrides.append(item)
        else:
            paths.append(item)
    return paths, overrides


def _inputs_and_overrides(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """``args.inputs`` split as :func:`_split_overrides` splits them; ValueError (the one-line
    message) for a page's URL, or for no input at all unless ``--print-config`` asks only for
    the resolved config."""
    inputs, overrides = _split_overrides(args.inputs)
    if not inputs and not args.print_config:
        raise ValueError("no INPUT given")
    return inputs, overrides


class _ErrorCounter:
    """Collects ingestion errors, logging each as it happens."""

    def __init__(self) -> None:
        self.errors: list[object] = []

    def __call__(self, error: object) -> None:
        self.errors.append(error)
        logging.getLogger("vnnews").warning("skipped %s", error)


def _flag_overrides(**flags: object) -> list[str]:
    """Command-line flags given, as config overrides (they win over the YAML file)."""
    return [f"{k}={v}" for k, v in flags.items() if v is not None]


def _short_path(name: Any) -> str:
    """A path for a one-line message: printable, and a very long one cut in the middle
    with its length said."""
    from vnnews.ingest.article import printable

    text = printable(os.fsdecode(name) if isinstance(name, (bytes, os.PathLike)) else str(name))
    return text if len(text) <= 120 else f"{text[:60]}...{text[-40:]} ({len(text)} characters)"


def _refuse_earlier_run(path: Path, overwrite: bool) -> None:
    """An output file an earlier vnnews run wrote is replaced only with ``--overwrite``
    (one vnnews did not write is refused by ``outputs.check_output`` whatever the flag)."""
    from vnnews.outputs import OutputRefused, is_ours

    if path.exists() and is_ours(path) and not overwrite:
        raise OutputRefused(f"{path} exists (written by an earlier run): pass --overwrite to replace it")


def _fail(message: str) -> int:
    print(f"vnnews: error: {message}", file=sys.stderr)
    return 2


def _load(config_class: Any, args: argparse.Namespace, kind: str, overrides: Sequence[str]) -> Any:
    """The command's config: ``--config`` (a file, or a shipped config's name for ``kind``),
    then the overrides. Raises ConfigError/ValueError naming the key."""
    from vnnews.config import config_path, load_config

    return load_config(config_class, config_path(getattr(args, "config", None), kind), overrides)


def _print_config(config: Any) -> int:
    """``--print-config``: the resolved config, as YAML a ``--config`` file takes."""
    import yaml

    from vnnews.config import to_dict

    print(yaml.safe_dump(to_dict(config), allow_unicode=True, sort_keys=False), end="")
    return 0


def _add_out(p: Any, what: str) -> None:
    """OUT as a positional argument or as -o/--output/--out, as every command names its output."""
    p.add_argument("out", metavar="OUT", nargs="?", help=f"{what} (or -o OUT)")
    p.add_argument("-o", "--output", "--out", dest="out_option", metavar="OUT", help=argparse.SUPPRESS)
