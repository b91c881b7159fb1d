"""Subcommands that make data: build-dataset, stats, ingest, weak-label, annotate, validate-annotations."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vnnews.cli.common import (
    SYMLINKS_HELP,
    _add_out,
    _ErrorCounter,
    _fail,
    _inputs_and_overrides,
    _load,
    _print_config,
    _refuse_earlier_run,
    _short_path,
)


def cmd_build_dataset(args: argparse.Namespace) -> int:
    from vnnews.config import ConfigError
    from vnnews.dataset import DatasetConfig, build_dataset, stats_table

    try:
        inputs, overrides = _inputs_and_overrides(args)
    except ValueError as exc:
        return _fail(str(exc))
    if args.no_follow_symlinks:
        overrides.append("follow_symlinks=false")
    try:
        config = _load(DatasetConfig, args, "dataset", overrides)
    except (ConfigError, ValueError, TypeError) as exc:
        return _fail(str(exc))
    if args.print_config:
        return _print_config(config)
    if not args.out:
        return _fail("give the output directory: -o/--output DIR")
    try:
        result = build_dataset(inputs, args.out, config, overwrite=args.overwrite)
    except (FileExistsError, ValueError) as exc:
        return _fail(str(exc))
    print(stats_table(args.out))
    if result.errors:
        print(f"\n{len(result.errors)} input(s) skipped; causes in {Path(args.out) / 'errors.jsonl'}")
    print(f"\nBuilt {result.n_articles} articles in {result.seconds:.1f}s ({result.n_articles / max(result.seconds, 1e-9):.0f} articles/s) -> {args.out}")
    if args.push_to_hub:
        from vnnews.hub import push_dataset

        url = push_dataset(args.out, args.push_to_hub, private=args.private)
        print(f"Pushed to {url}")
    return 0


def _add_build_dataset(sub: Any) -> None:
    p = sub.add_parser(
        "build-dataset",
        help="build the Hugging Face dataset (segments, summarization, pages) from pages and records",
        description="Read pages and records (txt, html, jsonl, parquet, directories, .gz), label every line "
        "(gold annotations, structured records, else weak rules), split per article (near-duplicates kept in their "
        "original's split), and write a Hugging Face dataset with three subsets: `segments` (one row per line, with its "
        "label and neighbours: line classifiers), `summarization` (one row per article: body -> lead, the summarizer) and "
        "`pages` (one row per page, every line labelled: the page labeller), plus README.md (the dataset card, whose "
        "configs make `datasets.load_dataset(DIR, \"segments\")` work), build.json and errors.jsonl. Prints its statistics.",
        epilog="Examples:\n  vnnews build-dataset data/raw ../shared/corpora/vietnews/train.jsonl.gz -o build/dataset "
        "split_ratios.train=0.9 split_ratios.validation=0.05 split_ratios.test=0.05\n"
        "  vnnews build-dataset data/raw records.jsonl.gz -o build/classifier-pages --config classifier-pages\n"
        "  python -c \"import datasets; print(datasets.load_dataset('build/dataset', 'summarization'))\"",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="files or directories (vnnews reads files: it does not fetch URLs); key=value items override the config")
    p.add_argument("-o", "--output", "--out", dest="out", metavar="DIR", help="output directory (written atomically)")
    p.add_argument("--config", metavar="FILE_OR_NAME", default=None, help="YAML config, or a shipped one's name (default, classifier-pages, vietnews: vnnews config list)")
    p.add_argument("--print-config", action="store_true", help="print the resolved config (file, then overrides) as YAML and exit")
    p.add_argument("--overwrite", action="store_true", help="replace DIR if an earlier build wrote it (a directory vnnews did not write is never replaced)")
    p.add_argument("--push-to-hub", metavar="REPO_ID", help="also upload the dataset to the Hugging Face Hub (token from HF_TOKEN or `hf auth login`)")
    p.add_argument("--private", action="store_true", help="create the Hub repository as private")
    p.add_argument("--no-follow-symlinks", action="store_true", help=SYMLINKS_HELP)
    p.set_defaults(func=cmd_build_dataset)


def cmd_stats(args: argparse.Namespace) -> int:
    from vnnews.dataset import stats_table

    if not (Path(args.dataset) / "build.json").exists():
        return _fail(f"{args.dataset} is not a dataset built by `vnnews build-dataset` (no build.json)")
    print(stats_table(args.dataset))
    return 0


def _add_stats(sub: Any) -> None:
    p = sub.add_parser("stats", help="print the statistics of a built dataset", description="Print articles, rows, labels and label sources per split of a dataset built by build-dataset.")
    p.add_argument("dataset", metavar="DIR")
    p.set_defaults(func=cmd_stats)


def cmd_ingest(args: argparse.Namespace) -> int:
    from vnnews.ingest import IngestOptions, iter_articles
    from vnnews.outputs import locked_output, write_file

    errors = _ErrorCounter()
    counted = [0]

    def records() -> Iterator[str]:
        for article in iter_articles(args.inputs, IngestOptions(tone_style=args.tone_style), errors):
            record = {
                "id": article.id,
                "source": article.source,
                "meta": article.meta,
                "lines": [{k: v for k, v in dataclasses.asdict(line).items() if v is not None} for line in article.lines],
            }
            counted[0] += 1
            yield json.dumps(record, ensure_ascii=False) + "\n"

    if not args.output:
        for line in records():
            sys.stdout.write(line)
    else:
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)  # as every vnnews command: the output's folders are made
        try:
            with locked_output(out, args.inputs):
                _refuse_earlier_run(out, args.overwrite)
                write_file(out, records(), written_by_command="vnnews ingest")  # the old file stays until the new one is complete
        except OSError as exc:  # OutputRefused included
            return _fail(str(exc))
    print(f"{counted[0]} articles, {len(errors.errors)} skipped", file=sys.stderr)
    return 0 if counted[0] else 1


def _add_ingest(sub: Any) -> None:
    p = sub.add_parser(
        "ingest",
        help="read pages and records into normalised articles (JSONL), for inspection",
        description="Read INPUTs as build-dataset does and write one JSON object per article: id, source, meta and its lines (text, HTML tag path and link density, label for structured records).",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    p.add_argument("-o", "--output", "--out", dest="output", metavar="FILE", help="write here instead of standard output (never an input, never a file vnnews did not write)")
    p.add_argument("--overwrite", action="store_true", help="replace FILE if an earlier `vnnews ingest` wrote it")
    p.add_argument("--tone-style", choices=["new", "old"], default="new", help="tone-mark placement: new (hoá) or old (hóa); default new")
    p.set_defaults(func=cmd_ingest)


def cmd_weak_label(args: argparse.Namespace) -> int:
    from vnnews.ingest import IngestOptions, iter_articles
    from vnnews.labels import weak_label

    if args.evaluate:
        from vnnews.labels.report import write_weak_label_report

        text = write_weak_label_report(args.raw, args.annotations, args.vietnews, args.report)
        print(text)
        return 0
    if not args.inputs:
        return _fail("give INPUT pages to label, or --evaluate")
    for article in iter_articles(args.inputs, IngestOptions()):  # skipped inputs are logged
        print(f"# {article.id} ({article.source})")
        for (label, rule), line in zip(weak_label(article, explain=True), article.lines, strict=True):
            print(f"{label}\t{line.text}" + (f"\t[{rule}]" if args.explain else ""))
    return 0


def _add_weak_label(sub: Any) -> None:
    p = sub.add_parser(
        "weak-label",
        help="label pages with the rule-based weak labeller, or --evaluate it against the gold seeds",
        description="Print a label for every line of INPUT pages (label<TAB>text, the annotation format), or with --evaluate "
        "score the rules against the gold annotations and structured VietNews records and write the report.",
    )
    p.add_argument("inputs", nargs="*", metavar="INPUT")
    p.add_argument("--explain", action="store_true", help="show which rule gave each label")
    p.add_argument("--evaluate", action="store_true", help="per-class precision/recall/F1 against gold labels")
    p.add_argument("--raw", default="data/raw", help="gold pages (default data/raw)")
    p.add_argument("--annotations", default="data/annotations", help="gold labels (default data/annotations)")
    p.add_argument("--vietnews", default=None, metavar="JSONL", help="also score on structured records rendered as pages (e.g. ../shared/corpora/vietnews/validation.jsonl.gz)")
    p.add_argument("--report", default=None, metavar="FILE", help="write the report here (e.g. docs/weak-labeler.md)")
    p.set_defaults(func=cmd_weak_label)


def cmd_annotate(args: argparse.Namespace) -> int:
    from vnnews.console import bars_wanted
    from vnnews.labels.drafts import draft_annotations

    out = args.out or args.out_option
    if not out:
        return _fail("give the folder to write the drafts to: vnnews annotate PAGES -o DRAFTS/")
    if Path(out).exists() and not Path(out).is_dir():
        return _fail(f"{_short_path(out)} is a file: -o names the folder the drafts go to")
    errors = _ErrorCounter()
    try:
        summary = draft_annotations(args.inputs, out, model=args.classifier, overwrite=args.overwrite, on_error=errors, progress=bars_wanted())
    except (ValueError, OSError) as exc:
        return _fail(str(exc))
    if not summary.written and not summary.kept:
        return _fail(str(errors.errors[0]) if errors.errors else f"no pages in {' '.join(args.inputs)}")
    print(
        f"{len(summary.written)} draft(s) written to {out}"
        + (f", {summary.unsure_lines} line(s) marked '# check'" if summary.unsure_lines else "")
        + (f"; {len(summary.kept)} kept as they were (already there{'' if args.overwrite else '; --overwrite replaces unreviewed drafts'})" if summary.kept else "")
        + (f"; {len(errors.errors)} input(s) skipped" if errors.errors else ""),
        file=sys.stderr,
    )
    pages = args.inputs[0] if len(args.inputs) == 1 else "PAGES"
    print(
        f"next: correct the labels (docs/labels.md), delete each file's DRAFT line, then\n"
        f"  vnnews validate-annotations --raw {pages} --annotations {out}\n"
        f"  vnnews build-dataset {pages} annotations_dir={out} -o build/my-pages",
        file=sys.stderr,
    )
    return 0


def _add_annotate(sub: Any) -> None:
    p = sub.add_parser(
        "annotate",
        help="draft the line labels of your own pages, to review instead of typing",
        description="Write one annotation file per page of PAGES into DRAFTS/ (label<TAB>text, the format of data/annotations, "
        "docs/labels.md), labelled by a trained page labeller (--classifier) or by the rules. Lines the model was least sure of "
        "get a '# check' comment above them. Each draft keeps a DRAFT line until you delete it after review: files already in "
        "DRAFTS/ are never replaced, unreviewed drafts only with --overwrite; run it again after a stop to draft the rest.",
        epilog="Examples:\n  vnnews annotate my-pages/ -o my-annotations/\n"
        "  vnnews annotate my-pages/ -o my-annotations/ --classifier runs/classifier   # a trained model drafts better than the rules\n"
        "  vnnews validate-annotations --raw my-pages --annotations my-annotations",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="PAGES", help="pages (txt, html, folders, .gz)")
    _add_out(p, "folder for the drafts (made if missing)")
    p.add_argument("--classifier", metavar="DIR_OR_HUB_ID", default=None, help="page labeller to draft with (trained directory or Hub id); default: the rule labeller")
    p.add_argument("--overwrite", action="store_true", help="replace drafts that still carry their DRAFT line (reviewed files are never replaced)")
    p.set_defaults(func=cmd_annotate)


def cmd_validate_annotations(args: argparse.Namespace) -> int:
    from vnnews.labels import validate_annotations

    problems = validate_annotations(args.raw, args.annotations)
    for problem in problems:
        print(problem)
    from vnnews.labels.drafts import is_unreviewed_draft

    files = list(Path(args.annotations).rglob("*.tsv"))
    drafts = sum(is_unreviewed_draft(f) for f in files)
    print(
        f"{len(files)} annotation file(s) checked, {len(problems)} problem(s)"
        + (f"; {drafts} still carry the DRAFT line of `vnnews annotate` (not reviewed yet)" if drafts else ""),
        file=sys.stderr,
    )
    return 1 if problems else 0


def _add_validate_annotations(sub: Any) -> None:
    p = sub.add_parser(
        "validate-annotations",
        help="check that every gold annotation matches its raw page and uses known labels",
        description="Exit 1 and list the problems when an annotation no longer matches its page, uses an unknown label, or a page or annotation is missing.",
    )
    p.add_argument("--raw", default="data/raw", help="pages (default data/raw)")
    p.add_argument("--annotations", default="data/annotations", help="annotations (default data/annotations)")
    p.set_defaults(func=cmd_validate_annotations)
