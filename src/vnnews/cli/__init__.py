"""The ``vnnews`` command. Each subcommand is a thin layer over a library
function, in a module of its concept (:mod:`vnnews.cli.data`, ``models``, ``jobs``,
``configs``; shared helpers in ``common``); heavy imports (datasets, underthesea) happen
inside the subcommand so ``vnnews --help`` answers at once."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence

from vnnews import __version__
from vnnews.cli.common import _OVERRIDE_RE, _fail, _short_path, _split_overrides
from vnnews.cli.configs import _add_config, _add_docs
from vnnews.cli.data import _add_annotate, _add_build_dataset, _add_ingest, _add_stats, _add_validate_annotations, _add_weak_label
from vnnews.cli.jobs import _add_extract, _add_infer, _add_pipeline, _add_serve
from vnnews.cli.models import _add_adapt, _add_evaluate, _add_export, _add_make_replica, _add_make_tiny, _add_push, _add_train

EPILOG = """Configs: every knob lives in a YAML file under configs/ (--config FILE);
key=value arguments override it (split_ratios.train=0.9 num_proc=1).
Docs: `vnnews docs` (the project's docs/ pages ship with the package)."""


def build_parser() -> argparse.ArgumentParser:
    """The command line: one ``_add_<command>`` per subcommand, in the order ``--help`` lists them."""
    parser = argparse.ArgumentParser(
        prog="vnnews",
        description="Turn scraped Vietnamese news pages into clean, structured articles and summaries.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"vnnews {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("-q", "--quiet", action="store_true", help="log errors only (no skipped-input warnings)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_build_dataset(sub)
    _add_stats(sub)
    _add_ingest(sub)
    _add_weak_label(sub)
    _add_annotate(sub)
    _add_validate_annotations(sub)
    _add_make_tiny(sub)
    _add_make_replica(sub)
    _add_train(sub)
    _add_export(sub)
    _add_evaluate(sub)
    _add_adapt(sub)
    _add_extract(sub)
    _add_config(sub)
    _add_docs(sub)
    _add_infer(sub)
    _add_pipeline(sub)
    _add_serve(sub)
    _add_push(sub)
    return parser


GLOBAL_FLAGS = {"-v": "verbose", "--verbose": "verbose", "-q": "quiet", "--quiet": "quiet"}
# What a command keeps when it is stopped with Ctrl-C, and how to go on.


INTERRUPTED = {
    "infer": "finished chunks are kept in OUTPUT.parts: run the same command with --resume to continue",
    "train": "checkpoints are kept in OUTPUT/checkpoints: run the same command with --resume to continue",
    "pipeline": "finished stages are kept (WORK/stages.json): run the same command with --resume to continue",
    "build-dataset": "nothing was written: the unfinished build is cleared when the command runs again",
    "evaluate": "nothing was written",
}


def _interrupt_hint(args: argparse.Namespace) -> str:
    """What was kept and how to go on, with the command's own paths where it names them
    (``runs/x.jsonl.parts``, not ``OUTPUT.parts``)."""
    hint = INTERRUPTED.get(getattr(args, "command", None) or "", "")
    overrides = dict(o.split("=", 1) for o in getattr(args, "overrides", None) or [] if "=" in o)
    output = getattr(args, "output", None) or getattr(args, "out", None) or overrides.get("output_dir") or overrides.get("output")
    if output:
        hint = hint.replace("OUTPUT", str(output))
    if overrides.get("work_dir"):
        hint = hint.replace("WORK", overrides["work_dir"])
    return hint


def _known_options(parser: argparse.ArgumentParser, command: str | None) -> list[str]:
    subparsers = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    chosen = subparsers.choices.get(command) if subparsers and command else None
    return [o for a in (chosen or parser)._actions for o in a.option_strings]


def _as_overrides(extra: Sequence[str], known: Sequence[str]) -> tuple[list[str], list[str]]:
    """HF-style ``--key value`` / ``--key=value`` items as ``key=value`` overrides (a flag
    with no value is ``true``); the items that are not such (with a close known option,
    a likely typo) stay unrecognised."""
    import difflib

    overrides, rest = [], []
    i = 0
    while i < len(extra):
        item = extra[i]
        if _OVERRIDE_RE.match(item):
            overrides.append(item)
        elif item.startswith("--") and len(item) > 2:
            key, sep, value = item[2:].partition("=")
            if not sep:
                if i + 1 < len(extra) and not extra[i + 1].startswith("--"):
                    value, i = extra[i + 1], i + 1
                else:
                    value = "true"
            close = difflib.get_close_matches(item.split("=")[0], known, n=1, cutoff=0.85)
            if close:
                rest.append(f"{item} (did you mean {close[0]}?)")
            else:
                overrides.append(f"{key.replace('-', '_')}={value}")
        else:
            rest.append(item)
        i += 1
    return overrides, rest


def main(argv: Sequence[str] | None = None) -> int:
    from vnnews.machine import wait_passively

    wait_passively()  # before anything imports torch: threads that wait sleep (vnnews.machine)
    if argv is None and hasattr(signal, "SIGPIPE"):  # `vnnews config list | head`: stop quietly, as Unix tools do
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    given = list(argv)  # as typed: a command that starts processes of its own passes it on
    flags = {GLOBAL_FLAGS[a] for a in argv if a in GLOBAL_FLAGS}  # -v/-q anywhere, before or after the command
    argv = [a for a in argv if a not in GLOBAL_FLAGS]
    # key=value overrides (and HF-style --key value) may follow options, which argparse does
    # not take as positionals there: collect them by hand.
    args, extra = parser.parse_known_args(argv)
    for flag in flags:
        setattr(args, flag, True)
    args.argv = given
    if extra:
        overrides, rest = _as_overrides(extra, _known_options(parser, getattr(args, "command", None)))
        target = "inputs" if hasattr(args, "inputs") else "overrides" if hasattr(args, "overrides") else None
        if rest or (overrides and target is None):
            parser.error(f"unrecognized arguments: {' '.join(rest or extra)}")
        if overrides:
            getattr(args, target).extend(overrides)
    if hasattr(args, "out_option"):
        if args.out and args.out_option and args.out != args.out_option:
            parser.error(f"two outputs given: {args.out} and -o {args.out_option}")
        args.out = args.out or args.out_option
        if not args.out:
            parser.error(f"{args.command}: give the output directory (OUT or -o OUT)")
    from vnnews.console import configure
    from vnnews.lifecycle import exit_on_sigterm

    configure(quiet=bool(args.quiet))  # bars only on a terminal, never with -q
    exit_on_sigterm()  # SIGTERM cleans up as Ctrl-C does: no worker, Ray or part file left behind
    level = logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        # trafilatura runs as the page labeller's second opinion (vnnews.ingest.second_opinion);
        # its own ERROR lines ("empty HTML tree") are about pages it gives no opinion on, and
        # the page is read regardless: -v shows them
        logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    from vnnews.extras import MissingExtra

    try:
        return args.func(args)
    except MissingExtra as exc:  # an optional dependency: one line naming the extra
        return _fail(str(exc))
    except OSError as exc:
        if exc.filename is None:
            raise
        # a path the system refuses (a name over 255 bytes, a loop of links, no permission):
        # one line naming it, as for any other bad input; -v shows the traceback
        logging.getLogger(__name__).debug("failed on %s", exc.filename, exc_info=True)
        return _fail(f"{_short_path(exc.filename)}: {exc.strerror or type(exc).__name__}")
    except KeyboardInterrupt:
        hint = _interrupt_hint(args)
        if not _started_by_launcher():
            print(f"\nvnnews: interrupted{': ' + hint if hint else ''}", file=sys.stderr)
        return 130
    except SystemExit as exc:
        if exc.code == 128 + signal.SIGTERM and not _started_by_launcher():  # exit_on_sigterm: clean-up has run on the way here
            hint = _interrupt_hint(args)
            print(f"vnnews: stopped (SIGTERM){': ' + hint if hint else ''}", file=sys.stderr)
        raise


def _started_by_launcher() -> bool:
    """One of the processes `vnnews infer processes=N` started: the command that started it
    says once how to go on, not once a process."""
    from vnnews.inference.launch import started_by_launcher

    return started_by_launcher()


__all__ = ["_split_overrides", "build_parser", "main"]


if __name__ == "__main__":
    sys.exit(main())
