"""Subcommands about the shipped configs and docs: config, docs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vnnews.cli.common import _fail


def cmd_config(args: argparse.Namespace) -> int:
    from vnnews.config import ConfigError, list_configs, shipped_config

    if args.action == "list":
        for name in list_configs():
            first = shipped_config(name).read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
            print(f"{name:<28} {first}")
        return 0
    if not args.name:
        return _fail(f"vnnews config {args.action} needs a NAME (vnnews config list shows them)")
    try:
        source = shipped_config(args.name)
    except ConfigError as exc:
        return _fail(str(exc))
    if args.action == "show":
        print(source.read_text(encoding="utf-8"), end="")
        return 0
    target = Path(args.file or source.name)
    if target.is_dir():
        target = target / source.name
    if target.exists():
        return _fail(f"{target} exists: vnnews never writes over a file it did not write; give another FILE")
    text = source.read_text(encoding="utf-8")
    if "include:" in text:  # the copy stands alone: its includes resolved, written out whole
        import yaml

        from vnnews.config import read_yaml, resolve_includes

        data = resolve_includes(read_yaml(source), base_dir=source.parent)
        text = f"# {args.name}, copied by `vnnews config cp` with its includes written out\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    target.write_text(text, encoding="utf-8")
    print(f"copied {args.name} to {target}: edit it, then --config {target}")
    return 0


def _add_config(sub: Any) -> None:
    p = sub.add_parser(
        "config",
        help="the shipped configs: list them, show one, copy one to edit (as torchtune's `tune ls/cp`)",
        description="vnnews ships its configs with the package: every command's --config takes a file or a shipped config's "
        "name (`--config tiny` for `vnnews train classifier` is classifier/tiny). `list` names them with their first line, "
        "`show NAME` prints one, `cp NAME [FILE]` copies one to edit (includes written out, never over an existing file).",
        epilog="Examples:\n  vnnews config list\n  vnnews config show classifier/tiny\n  vnnews config cp classifier/phobert-base-v2 my-classifier.yaml\n"
        "  vnnews train classifier --config my-classifier.yaml --print-config",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("action", choices=["list", "show", "cp"])
    p.add_argument("name", nargs="?", metavar="NAME", help="KIND/NAME (classifier/tiny), or a NAME only one kind has")
    p.add_argument("file", nargs="?", metavar="FILE", help="cp: where to copy it (default: NAME.yaml here)")
    p.set_defaults(func=cmd_config)


def cmd_docs(args: argparse.Namespace) -> int:
    from importlib import resources

    folder = resources.files("vnnews").joinpath("resources/docs")
    pages = {Path(str(p.name)).stem: p for p in folder.iterdir() if str(p.name).endswith(".md")} if folder.is_dir() else {}
    if not pages:
        return _fail("no documentation in this installation (vnnews/resources/docs is missing)")
    if not args.name:
        for name in sorted(pages):
            first = next((line.lstrip("# ").strip() for line in pages[name].read_text(encoding="utf-8").splitlines() if line.strip()), "")
            print(f"{name:<16} {first}")
        return 0
    name = args.name.removeprefix("docs/").removesuffix(".md")
    if name not in pages:
        return _fail(f"no page {args.name!r}; the pages: {', '.join(sorted(pages))}")
    sys.stdout.write(pages[name].read_text(encoding="utf-8"))
    return 0


def _add_docs(sub: Any) -> None:
    p = sub.add_parser(
        "docs",
        help="the documentation that ships with vnnews: list it, or print one page (inference, serving, labels...)",
        description="The docs/ pages of the project ship in the package, so a wheel user has what the --help texts "
        "point to: `vnnews docs` lists them with their first line, `vnnews docs NAME` prints one (Markdown).",
        epilog="Examples:\n  vnnews docs\n  vnnews docs inference | less",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="a page's name (inference, serving, labels, classifier, summarizer, benchmarks...)")
    p.set_defaults(func=cmd_docs)
