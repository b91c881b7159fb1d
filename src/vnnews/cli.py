"""The ``vnnews`` command. Each subcommand is a thin layer over a library
function; heavy imports (datasets, underthesea) happen inside the subcommand so
``vnnews --help`` answers at once."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from vnnews import __version__
from vnnews.ingest.readers import URL_INPUT, is_url

_OVERRIDE_RE = re.compile(r"^[A-Za-z_][\w.]*=")

EPILOG = """Configs: every knob lives in a YAML file under configs/ (--config FILE);
key=value arguments override it (split_ratios.train=0.9 num_proc=1).
Docs: `vnnews docs` (the project's docs/ pages ship with the package)."""


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


# ---------------------------------------------------------------- build-dataset
def cmd_build_dataset(args: argparse.Namespace) -> int:
    from vnnews.config import ConfigError
    from vnnews.dataset import DatasetConfig, build_dataset, stats_table

    try:
        inputs, overrides = _split_overrides(args.inputs)
    except ValueError as exc:
        return _fail(str(exc))
    if not inputs and not args.print_config:
        return _fail("no INPUT given")
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


def cmd_stats(args: argparse.Namespace) -> int:
    from vnnews.dataset import stats_table

    if not (Path(args.dataset) / "build.json").exists():
        return _fail(f"{args.dataset} is not a dataset built by `vnnews build-dataset` (no build.json)")
    print(stats_table(args.dataset))
    return 0


# ---------------------------------------------------------------- ingest
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


# ---------------------------------------------------------------- weak-label
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


# ---------------------------------------------------------------- annotate
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


# ---------------------------------------------------------------- validate-annotations
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


# ---------------------------------------------------------------- models
def cmd_make_tiny(args: argparse.Namespace) -> int:
    from vnnews.tiny import make_tiny_classifier, make_tiny_summarizer

    make = make_tiny_classifier if args.task == "classifier" else make_tiny_summarizer
    out = make(args.out, args.corpus or None)
    print(f"tiny {args.task} checkpoint written to {out} (load it like a Hub id: --config ... base_model={out})")
    return 0


def cmd_make_replica(args: argparse.Namespace) -> int:
    from vnnews.outputs import check_output
    from vnnews.replicas import REPLICAS, make_replica, replica_problems

    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        return _fail(f"{out} is not empty; give a new or empty directory")
    try:
        check_output(out, args.corpus or [], "replica directory")
        make_replica(args.name, out, args.corpus or None, seed=args.seed)
    except (ValueError, FileExistsError, OSError) as exc:
        return _fail(str(exc))
    problems = replica_problems(args.name, out)
    if problems:  # cannot happen unless transformers changes how it writes configs
        return _fail(f"{out} differs from {REPLICAS[args.name].hub_id}: {'; '.join(problems)}")
    replica = REPLICAS[args.name]
    print(f"{args.name} replica written to {out}: config.json and tokenizer of {replica.hub_id} ({replica.tokenizer_size:,} ids), random weights")
    print(f"use it where the Hub id goes: base_model={out}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from vnnews.models.export import export_model

    try:
        out = export_model(args.model, args.out, args.format, args.quantize)
    except (ValueError, FileExistsError, OSError) as exc:
        return _fail(str(exc))
    info = json.loads((out / "config.json").read_text(encoding="utf-8"))["vnnews_export"]
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"exported {args.model} to {out}: {info['format']}, {info['quantize']}, {size / 2**20:,.1f} MiB, {info['seconds']}s")
    print(f"load it like the trained model: vnnews infer PAGES --{'classifier' if info['format'] == 'onnx' else 'summarizer'} {out} -o OUT")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from vnnews.config import ConfigError
    from vnnews.recipes.classifier import ClassifierConfig, train_classifier
    from vnnews.recipes.summarizer import SummarizerConfig, train_summarizer

    task = "classifier" if args.task in ("classifier", "labeler") else "summarizer"
    config_class, train, subset = {
        "classifier": (ClassifierConfig, train_classifier, "pages"),
        "summarizer": (SummarizerConfig, train_summarizer, "summarization"),
    }[task]
    try:
        config = _load(config_class, args, task, args.overrides)
    except (ConfigError, ValueError, TypeError) as exc:
        return _fail(str(exc))
    if args.print_config:
        return _print_config(config)
    if not Path(config.dataset_dir, subset).exists():
        return _fail(f"dataset {config.dataset_dir} has no `{subset}` subset: build it with `vnnews build-dataset ... -o {config.dataset_dir}`")
    try:
        metrics = train(config, resume=args.resume, overwrite=args.overwrite)
    except (ValueError, FileNotFoundError, OSError) as exc:
        return _fail(str(exc))
    if int(os.environ.get("RANK", "0")) != 0:  # under accelerate launch: the first process reports
        return 0
    ev = metrics["eval"]
    if task == "classifier":
        print(f"macro-F1 {ev['macro_f1']:.3f}, accuracy {ev['accuracy']:.3f} on {metrics['eval_split']} ({metrics['eval_pages']} pages)")
        print("on real pages, beside trafilatura: vnnews evaluate extraction --model " + config.output_dir)
    else:
        print(f"ROUGE-1/2/L F x 100 on {metrics['eval_split']} ({metrics['eval_articles']} articles): {ev['rouge1']:.2f}/{ev['rouge2']:.2f}/{ev['rougeL']:.2f} "
              f"on Vietnamese syllables (diacritics kept); {ev['compat_rouge1']:.2f}/{ev['compat_rouge2']:.2f}/{ev['compat_rougeL']:.2f} with rouge_score's "
              "default tokenizer, which drops letters with diacritics (only to compare with published figures)")
    print(f"model, tokenizer, config, metrics and card in {config.output_dir}")
    return 0


def _evaluate_extraction(args: argparse.Namespace) -> str:
    from vnnews.extraction_eval import evaluate_extraction, leave_one_family_out, leave_one_site_out
    from vnnews.recipes.classifier import ClassifierConfig

    if args.leave_one_site_out or args.leave_one_family_out:
        if not args.config:
            raise ValueError("--leave-one-site-out and --leave-one-family-out train models: give --config (e.g. configs/classifier/tiny.yaml, or tiny)")
        config = _load(ClassifierConfig, args, "classifier", args.overrides)
        if args.dataset:
            config.dataset_dir = args.dataset
        if args.leave_one_family_out:
            return leave_one_family_out(config, args.out or str(Path(config.output_dir) / "lofo"))
        return leave_one_site_out(
            config, args.pages, args.annotations, args.out or str(Path(config.output_dir) / "loso"), baselines=not args.no_baselines, adapt=args.adapt
        )
    if args.overrides:
        raise ValueError(f"unexpected arguments {' '.join(args.overrides)} (KEY=VALUE overrides go with --config)")
    if args.adapt:
        if len(args.model or []) != 1:
            raise ValueError("--adapt measures one model: give one --model")
        from vnnews.extraction_eval import evaluate_adaptation

        return evaluate_adaptation(args.model[0], args.pages, args.annotations, args.out, baselines=not args.no_baselines)
    return evaluate_extraction(args.model or [], args.pages, args.annotations, args.out, baselines=not args.no_baselines, text_dumps=args.as_text)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from vnnews.evaluation import evaluate_classifier, evaluate_summarizer

    try:
        if args.task == "extraction":
            print(_evaluate_extraction(args))
            return 0
        if args.overrides:
            return _fail(f"unexpected arguments {' '.join(args.overrides)} (KEY=VALUE overrides go with the leave-one-out runs of `evaluate extraction`)")
        model = args.model[0] if args.model else None
        if not model or not args.dataset:
            return _fail("give --model DIR and --dataset DIR")
        evaluate = evaluate_summarizer if args.task == "summarizer" else evaluate_classifier
        out = args.out or str(Path("build") / "eval" / f"{Path(model).name or 'model'}-{args.task}-{args.split}")  # never inside the model
        text = evaluate(model, args.dataset, args.split, out, args.batch_size, args.max_articles)
    except (ValueError, FileNotFoundError, OSError) as exc:
        return _fail(str(exc))
    print(text)
    print(f"report (evaluation.md, its JSON and the predictions) in {out}")
    return 0


# ---------------------------------------------------------------- adapt
def cmd_adapt(args: argparse.Namespace) -> int:
    from vnnews.adapt import adapt_to_sites, check_adaptable, write_adapted_models
    from vnnews.ingest import IngestOptions, iter_articles

    out = Path(args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        return _fail(f"{_short_path(out)} exists and is not an empty folder: give a new folder for the adapted models")
    errors = _ErrorCounter()
    pages = list(iter_articles(args.inputs, IngestOptions(tone_style=None), on_error=errors))
    if not pages:
        return _fail(str(errors.errors[0]) if errors.errors else f"no pages in {' '.join(args.inputs)}")
    try:
        from vnnews.models import load_classifier

        model = load_classifier(args.classifier)
        check_adaptable(model)
        adaptations = adapt_to_sites(model, pages, min_pages=args.min_pages, on_site=lambda result: print(f"{result.site}: {result.describe()}", file=sys.stderr))
        written = write_adapted_models(model, adaptations, out)
    except (ValueError, OSError) as exc:
        return _fail(str(exc))
    print(f"{len(written)} adapted model(s) -> {out} (adapt.json lists every site)", file=sys.stderr)
    return 0 if written else 1


# ---------------------------------------------------------------- infer
def cmd_infer(args: argparse.Namespace) -> int:
    from vnnews.config import ConfigError
    from vnnews.inference import InferenceConfig, run_inference

    try:
        inputs, overrides = _split_overrides(args.inputs)
    except ValueError as exc:
        return _fail(str(exc))
    if not inputs and not args.print_config:
        return _fail("no INPUT given")
    overrides = _flag_overrides(classifier=args.classifier, summarizer=args.summarizer, stages=args.stages, chunk_size=args.chunk_size, engine=args.engine) + overrides
    if args.ray_address is not None:
        overrides.insert(0, f"ray.address={args.ray_address}")
    if args.no_progress:
        overrides.append("progress=false")
    if args.no_follow_symlinks:
        overrides.append("follow_symlinks=false")
    if args.dedup:
        overrides.append("dedup=true")
    if args.adapt:
        overrides.append("adapt=true")
    if args.since:
        overrides.append(f"since={json.dumps(args.since)}")  # quoted: YAML would read a bare date as a date
    if args.until:
        overrides.append(f"until={json.dumps(args.until)}")
    if args.site:
        overrides.append(f"sites={json.dumps(args.site)}")
    if args.languages:
        overrides.append(f"languages={json.dumps(args.languages.split(','))}")
    if args.format:
        overrides.append(f"output_format={args.format}")
    try:
        config = _load(InferenceConfig, args, "inference", overrides)
        if args.print_config:
            return _print_config(config)
        if not args.output:
            return _fail("give the output: -o/--output OUT.jsonl, OUT.parquet or a directory")
        if args.ray_address is not None and config.engine != "ray":
            return _fail("--ray-address is for the Ray engine: add --engine ray (or engine: ray in the config)")
        result = run_inference(inputs, args.output, config, resume=args.resume, overwrite=args.overwrite, errors_path=args.errors)
    except (ConfigError, ValueError, TypeError, FileExistsError, OSError) as exc:
        return _fail(str(exc))
    return 1 if result.merged and result.failed and not (result.done or result.skipped) else 0  # nothing but failures


# ---------------------------------------------------------------- config
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


# ---------------------------------------------------------------- extract
def cmd_extract(args: argparse.Namespace) -> int:
    from vnnews.extraction import PAGE_OPTIONS, extract, page_article
    from vnnews.ingest import IngestError, iter_articles
    from vnnews.render import markdown, plain_text

    if args.inputs == ["-"]:
        try:
            articles = [page_article(sys.stdin.buffer.read(), "stdin", "stdin", url=args.url)]
        except (IngestError, ValueError) as exc:
            return _fail(f"stdin: {exc}")
        errors = _ErrorCounter()
    else:
        if "-" in args.inputs:
            return _fail("- (standard input) cannot be given beside files")
        urls = [i for i in args.inputs if is_url(i)]
        if urls and not args.fetch:
            return _fail(f"{urls[0]} {URL_INPUT}; or pass --fetch to let vnnews fetch it")
        errors = _ErrorCounter()
        articles = []
        from vnnews.fetch import FetchError, fetch

        for url in urls:  # --fetch: each page read within the time, size and redirect bounds (vnnews.fetch)
            try:
                page = fetch(url, max_bytes=PAGE_OPTIONS.max_page_bytes or (32 << 20))
                articles.append(page_article(page.body, url, url, url=page.url))
            except (FetchError, IngestError) as exc:
                errors(IngestError(url, str(exc).removeprefix(f"{url}: ")))
        files = [i for i in args.inputs if not is_url(i)]
        articles += list(iter_articles(files, PAGE_OPTIONS, on_error=errors)) if files else []
        if not articles:
            return _fail(str(errors.errors[0]) if errors.errors else f"nothing to extract in {' '.join(args.inputs)}")
        if args.url:
            if len(articles) > 1:
                return _fail("--url names one page's address: give one page with it")
            articles[0].meta["url"] = args.url
    try:
        records = [extract(a, model=args.model, summarizer=args.summarizer) for a in articles]
    except (ValueError, OSError) as exc:
        return _fail(str(exc))
    render = {"json": lambda r: json.dumps(r, ensure_ascii=False) + "\n", "markdown": markdown, "txt": plain_text}[args.format]
    joined = ("\n" if args.format != "json" else "").join(render(r) for r in records)
    if not args.output:
        sys.stdout.write(joined)
    else:
        try:
            written = _write_extracted(Path(args.output), records, render, joined, args)
        except OSError as exc:  # OutputRefused included
            return _fail(str(exc))
        print(f"{len(records)} article(s) -> {written}" + (f"; {len(errors.errors)} input(s) skipped" if errors.errors else ""), file=sys.stderr)
    return 0


_EXTRACT_SUFFIX = {"json": ".json", "markdown": ".md", "txt": ".txt"}


def _write_extracted(out: Path, records: list[dict[str, Any]], render: Any, joined: str, args: argparse.Namespace) -> str:
    """``-o`` of extract: a folder (one file per article, named from its id) when ``out``
    is a folder, ends with ``/`` or has no file suffix; else one file (JSON lines, or the
    articles one after another). Parent folders are made; nothing vnnews did not write is
    replaced, and what it wrote only with ``--overwrite``."""
    from vnnews.outputs import locked_output, mark_dir, write_file
    from vnnews.render import file_name

    folder = str(args.output).endswith(("/", os.sep)) or out.is_dir() or out.suffix.lower() not in (".json", ".jsonl", ".md", ".txt")
    inputs = [i for i in args.inputs if i != "-"]
    if folder:
        out.parent.mkdir(parents=True, exist_ok=True)
        with locked_output(out, inputs):
            mark_dir(out, written_by_command="vnnews extract")
            for record in records:
                path = out / file_name(str(record.get("id") or "article"), _EXTRACT_SUFFIX[args.format])
                _refuse_earlier_run(path, args.overwrite)
                write_file(path, [render(record)], written_by_command="vnnews extract")
        return f"{out}{os.sep} ({len(records)} file(s))"
    out.parent.mkdir(parents=True, exist_ok=True)
    with locked_output(out, inputs):
        _refuse_earlier_run(out, args.overwrite)
        write_file(out, [joined], written_by_command="vnnews extract")
    return str(out)


# ---------------------------------------------------------------- pipeline
def cmd_pipeline(args: argparse.Namespace) -> int:
    from vnnews.config import ConfigError
    from vnnews.pipeline import PipelineConfig, run_pipeline

    try:
        config = _load(PipelineConfig, args, "pipeline", args.overrides)
        if args.print_config:
            return _print_config(config)
        result = run_pipeline(config, resume=args.resume, overwrite=args.overwrite)
    except (ConfigError, ValueError, TypeError, FileExistsError, OSError) as exc:
        return _fail(str(exc))
    print(f"\nReport: {result.report} (work directory {result.work_dir}; {sum(result.seconds.values()):.0f}s)")
    return 0


# ---------------------------------------------------------------- push
def cmd_push(args: argparse.Namespace) -> int:
    from vnnews import hub

    try:
        if args.dry_run:
            stage = hub.dry_run(args.what, args.dir, args.repo_id, args.dry_run, args.license)
            total = sum(p.stat().st_size for p in stage)
            for path in stage:
                print(f"{path.stat().st_size:>12,}  {path.relative_to(args.dry_run)}")
            print(f"dry run: {len(stage)} files, {total:,} bytes would go to {args.repo_id} ({'private' if args.private else 'public'}); nothing uploaded. Files in {args.dry_run}")
            return 0
        url = (
            hub.push_model(args.dir, args.repo_id, private=args.private, revision=args.revision, licence=args.license)
            if args.what == "model"
            else hub.push_dataset(args.dir, args.repo_id, private=args.private)
        )
    except (ValueError, FileNotFoundError, FileExistsError) as exc:
        return _fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - network, authentication, Hub errors: one line, the traceback with -v
        logging.getLogger("vnnews").debug("push failed", exc_info=True)
        endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
        return _fail(f"could not push to {endpoint} ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no details'}); check the network and your token (HF_TOKEN or `hf auth login`); -v shows the traceback")
    print(f"Pushed to {url}")
    return 0


# ---------------------------------------------------------------- serve
def cmd_serve(args: argparse.Namespace) -> int:
    from vnnews.config import ConfigError
    from vnnews.extras import require

    for module in ("fastapi", "uvicorn", "prometheus_client"):
        require(module, "serve", "vnnews serve")
    from vnnews.serving import ServeConfig, create_app

    overrides = _flag_overrides(classifier=args.classifier, summarizer=args.summarizer, host=args.host, port=args.port) + args.overrides
    try:
        config = _load(ServeConfig, args, "serve", overrides)
    except (ConfigError, ValueError, TypeError) as exc:
        return _fail(str(exc))
    if args.print_config:
        return _print_config(config)
    import uvicorn

    from vnnews.serving.protocol import bounded_protocol

    print(f"vnnews serve on http://{config.host}:{config.port} (page at /, API docs at /docs); loading models...", file=sys.stderr)
    app = create_app(config)
    uvicorn.run(  # a port already taken: uvicorn says so in one line and exits
        app,
        host=config.host,
        port=config.port,
        # connections and requests in flight are bounded by vnnews, not uvicorn's limit_concurrency (serving/protocol.py)
        http=bounded_protocol(config.read_timeout_s, config.limit_concurrency, app.state.service.metrics.server_response),
        timeout_keep_alive=config.keep_alive_s,
        timeout_graceful_shutdown=int(config.graceful_shutdown_s),
        log_level="warning" if args.quiet else "info",
    )
    return 0


# ---------------------------------------------------------------- parser
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


def _add_out(p: Any, what: str) -> None:
    """OUT as a positional argument or as -o/--output/--out, as every command names its output."""
    p.add_argument("out", metavar="OUT", nargs="?", help=f"{what} (or -o OUT)")
    p.add_argument("-o", "--output", "--out", dest="out_option", metavar="OUT", help=argparse.SUPPRESS)


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


def _add_stats(sub: Any) -> None:
    p = sub.add_parser("stats", help="print the statistics of a built dataset", description="Print articles, rows, labels and label sources per split of a dataset built by build-dataset.")
    p.add_argument("dataset", metavar="DIR")
    p.set_defaults(func=cmd_stats)


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


def _add_validate_annotations(sub: Any) -> None:
    p = sub.add_parser(
        "validate-annotations",
        help="check that every gold annotation matches its raw page and uses known labels",
        description="Exit 1 and list the problems when an annotation no longer matches its page, uses an unknown label, or a page or annotation is missing.",
    )
    p.add_argument("--raw", default="data/raw", help="pages (default data/raw)")
    p.add_argument("--annotations", default="data/annotations", help="annotations (default data/annotations)")
    p.set_defaults(func=cmd_validate_annotations)


def _add_adapt(sub: Any) -> None:
    p = sub.add_parser(
        "adapt",
        help="fit a page labeller to each site of PAGES from the pages themselves (no labels), one model per site",
        description="For each site of PAGES with at least --min-pages pages, fit the layers after the line encoder to the "
        "site's own pages: lines on at least half of its pages are boilerplate, lines found in a page's JSON-LD articleBody "
        "are article text (and, where it is the whole article, the model's body lines outside it boilerplate), lines the model is sure of keep its label "
        "(vnnews.adapt; seconds per site on a CPU). Writes OUT/SITE/ (a model directory) per adapted site and OUT/adapt.json. "
        "To adapt inside a batch job instead: vnnews infer PAGES --classifier C --adapt -o OUT.jsonl.",
        epilog="Example: vnnews adapt crawl/dantri.com.vn/ --classifier runs/classifier -o runs/adapted/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="PAGES", help="pages of one or more sites (the site: the page's URL host, else its folder)")
    p.add_argument("--classifier", required=True, metavar="DIR_OR_HUB_ID", help="the page labeller to adapt")
    _add_out(p, "a new folder for the adapted models")
    p.add_argument("--min-pages", type=int, default=5, metavar="N", help="pages a site needs to be adapted (default 5)")
    p.set_defaults(func=cmd_adapt)


def _add_make_tiny(sub: Any) -> None:
    p = sub.add_parser(
        "make-tiny",
        help="build a tiny offline checkpoint in the Hub model's format (for tests and the CPU demo)",
        description="Write a tiny checkpoint with random weights and a tokenizer learned from the bundled corpus: "
        "classifier = PhoBERT format (RoBERTa, PhobertTokenizer vocab.txt + bpe.codes), loaded like vinai/phobert-base-v2; "
        "summarizer = ViT5 format (T5, spiece.model), loaded like VietAI/vit5-base.",
    )
    p.add_argument("task", choices=["classifier", "summarizer"], help="which model (summarizer: T5 with a sentencepiece vocabulary, like VietAI/vit5-base)")
    _add_out(p, "a new directory")
    p.add_argument("--corpus", nargs="*", metavar="INPUT", help="text to learn the tokenizer from (default: the bundled seed pages)")
    p.set_defaults(func=cmd_make_tiny)


def _add_make_replica(sub: Any) -> None:
    from vnnews.replicas import REPLICAS

    p = sub.add_parser(
        "make-replica",
        help="write a random-weight checkpoint identical in format to a Hub base model (offline runs of the real path)",
        description="Write NAME's replica to OUT: config.json with the published model's architecture values, tokenizer "
        "files of its format, size and special-token ids (pieces learned from the bundled pages or --corpus, padded to "
        "the published size), random weights in safetensors. Everything that runs on the Hub model runs on the replica "
        "(speed, memory, the code path), offline; its predictions mean nothing. "
        + "; ".join(f"{name} = {r.hub_id}" for name, r in REPLICAS.items()) + ".",
        epilog="Example: vnnews make-replica phobert-base-v2 build/replicas/phobert-base-v2 && "
        "vnnews train classifier --config configs/classifier/phobert-base-v2.yaml base_model=build/replicas/phobert-base-v2 training.max_steps=2",
    )
    p.add_argument("name", choices=sorted(REPLICAS), help="which base model")
    _add_out(p, "a new or empty directory")
    p.add_argument("--corpus", nargs="*", metavar="INPUT", help="text to learn the tokenizer's pieces from (default: the bundled seed pages)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random weights")
    p.set_defaults(func=cmd_make_replica)


def _add_train(sub: Any) -> None:
    p = sub.add_parser(
        "train",
        help="train the classifier (page labeller) or the summarizer from a YAML config",
        description="Fine-tune with the Hugging Face Trainer: CPU or CUDA picked automatically, bf16 where the GPU "
        "supports it (fp16 refused for T5), best checkpoint by macro-F1 (classifier, class-weighted loss) or ROUGE-L "
        "(summarizer, predict_with_generate), seeded, and resumed from OUTPUT/checkpoints after an interruption. "
        "Writes a self-contained model directory with its card; pushes it when the config says "
        "training.push_to_hub=true training.hub_model_id=ORG/NAME. Any TrainingArguments field is a training.KEY "
        "(lr_scheduler_type, gradient_checkpointing, optim, eval_steps, torch_compile, deepspeed, fsdp, "
        "report_to=tensorboard...). The same steps as train/train_classifier.py and train/train_summarizer.py; "
        "several GPUs: accelerate launch -m vnnews train classifier --config FILE.",
        epilog="Example: vnnews train classifier --config configs/classifier/tiny.yaml training.epochs=1 training.lr_scheduler_type=cosine output_dir=runs/x",
    )
    p.add_argument("task", choices=["classifier", "summarizer", "labeler"], help="which model: the classifier (page labeller; `labeler` is the same) or the summarizer")
    p.add_argument("--config", required=True, metavar="FILE_OR_NAME", help="YAML config, or a shipped one's name: tiny, phobert-base-v2, phobert-large (classifier); tiny, vit5-base, vit5-large (summarizer)")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides (dotted keys: training.epochs=1 training.learning_rate=3e-5; --learning_rate 3e-5 works too)")
    p.add_argument("--resume", action="store_true", help="continue the run in output_dir from its newest checkpoint (refused if the config changed)")
    p.add_argument("--overwrite", action="store_true", help="start over: remove the earlier run in output_dir first (only one vnnews wrote)")
    p.add_argument("--print-config", action="store_true", help="print the resolved config (file, then overrides) as YAML and exit")
    p.set_defaults(func=cmd_train)


def _add_export(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help="export a trained model for fast CPU inference (classifier: ONNX Runtime; summarizer: CTranslate2), int8 by default",
        description="Write MODEL (a trained directory or Hub id) to OUT (new or empty) for a CPU runtime: the classifier's "
        "line encoder to ONNX (the small head stays in torch), the summarizer to CTranslate2; int8 weights unless "
        "--quantize none. OUT is self-contained (model files, tokenizer, vnnews settings, generation config, a card "
        "naming the source model) and loads wherever a trained directory does: vnnews infer, vnnews serve, "
        "from_pretrained. Needs the extra of the runtime: pip install 'vnnews[onnx]' or 'vnnews[ct2]'.",
        epilog="Examples:\n  vnnews export runs/classifier build/classifier-int8\n"
        "  vnnews export runs/summarizer build/summarizer-int8 --format ct2\n"
        "  vnnews infer pages/ --classifier build/classifier-int8 --summarizer build/summarizer-int8 -o out.jsonl",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", metavar="MODEL", help="trained model directory or Hub id")
    _add_out(p, "a new or empty directory")
    p.add_argument("--format", choices=["onnx", "ct2"], help="runtime (default: onnx for the classifier, ct2 for the summarizer)")
    p.add_argument("--quantize", choices=["int8", "none"], default="int8", help="int8 weights (default) or float32")
    p.set_defaults(func=cmd_export)


def _add_evaluate(sub: Any) -> None:
    p = sub.add_parser(
        "evaluate",
        help="score a model and its baselines: extraction on real pages, a dataset split, or leave-one-out runs",
        description="Summarizer: ROUGE-1/2/L (Vietnamese syllables and compat tokenization), mean length, predictions.jsonl "
        "and examples, beside lead-1, lead-3 and TextRank-3. Classifier, on a dataset split: "
        "per-class precision/recall/F1, macro-F1 and word-weighted content precision/recall/F1 for the model, "
        "with the baselines all-content, jusText (Vietnamese stoplist) and the weak labeller in the same table; a "
        "confusion matrix PNG. "
        "Extraction: on real pages with gold labels (default data/real), per site and pooled: bag-of-tokens "
        "precision/recall/F1 of title+lead+body, titles exact, leads found, per-label F1, for each --model, the rules, "
        "trafilatura, jusText and readability-lxml; --leave-one-site-out and --leave-one-family-out train page "
        "classifiers (needs --config).",
        epilog="Example: vnnews evaluate extraction --model build/demo/classifier --out build/eval-real",
    )
    p.add_argument("task", choices=["extraction", "classifier", "summarizer"], help="what to score")
    p.add_argument("--model", metavar="DIR", action="append", help="trained model directory or Hub id (extraction: repeat to compare)")
    p.add_argument("--dataset", metavar="DIR", help="dataset built by build-dataset")
    p.add_argument("--split", default="test", help="split to score (default test)")
    p.add_argument("-o", "--output", "--out", dest="out", metavar="DIR", help="where to write the report (.md, .json, PNG); default build/eval/MODELNAME-TASK-SPLIT, never inside the model")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--max-articles", type=int, metavar="N", help="score only the first N articles (by id) of the split")
    p.add_argument("--config", metavar="FILE_OR_NAME", help="extraction: classifier training config (or shipped name: tiny) for --leave-one-site-out / --leave-one-family-out")
    p.add_argument("--pages", default="data/real/pages", metavar="DIR", help="extraction: real pages (default data/real/pages)")
    p.add_argument("--annotations", default="data/real/annotations", metavar="DIR", help="extraction: their gold labels (default data/real/annotations)")
    p.add_argument("--no-baselines", action="store_true", help="extraction: skip trafilatura, jusText and readability-lxml")
    p.add_argument("--as-text", action="store_true", help="extraction: the line labellers read the pages as text dumps (no DOM, no candidates)")
    p.add_argument("--leave-one-site-out", action="store_true", help="extraction: per site, train a labeller self-training on the other sites")
    p.add_argument(
        "--adapt", action="store_true",
        help="extraction: the model adapted to each site (vnnews infer --adapt), held out (half a site fits, the other half is scored) and in the job, "
        "beside the model as it is; with --leave-one-site-out, each held-out site's model also adapted to that site's own pages",
    )
    p.add_argument("--leave-one-family-out", action="store_true", help="extraction: per composed layout family, train without it (its pages neither train nor choose the checkpoint) and score on it")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides for the leave-one-out runs")
    p.set_defaults(func=cmd_evaluate)


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


def _add_extract(sub: Any) -> None:
    p = sub.add_parser(
        "extract",
        help="pages to articles (stdout, a file or a folder) (title, lead, body, dates, authors, URL, images...) as JSON, Markdown or text",
        description="Read pages (HTML or page dumps; files, folders, or - for stdin; a JSONL file gives one record per line) and "
        "print the article: JSON (the record `vnnews infer` writes: every field, every line labelled), Markdown (a YAML "
        "header with the metadata, then the article) or the reading text. Lines are labelled by the rules unless --model "
        "names a trained page labeller. vnnews reads files; it fetches a URL only with --fetch.",
        epilog="Examples:\n  vnnews extract page.html\n  vnnews extract a.html b.html pages/ -o out/ --format markdown\n  curl -s https://... | vnnews extract - --format markdown --url https://...\n"
        "  vnnews extract page.html --model runs/classifier --summarizer runs/summarizer --format txt",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="HTML pages, page dumps (.txt), JSONL files (a record per line), folders of them (read recursively), or - for stdin")
    p.add_argument("--format", choices=["json", "markdown", "txt"], default="json", help="json (default: the record, one JSON object per line), markdown, or txt (plain reading text, no marks)")
    p.add_argument("-o", "--output", metavar="FILE_OR_DIR", help="write here instead of standard output: a file (.json/.jsonl/.md/.txt: every article in it) or a folder "
                   "(ends with /, exists, or has no such suffix: one file per article, named from its id); parent folders are made")
    p.add_argument("--overwrite", action="store_true", help="replace files an earlier vnnews run wrote (never files vnnews did not write)")
    p.add_argument("--model", metavar="DIR_OR_HUB_ID", help="a trained page labeller (default: the rules)")
    p.add_argument("--summarizer", metavar="DIR_OR_HUB_ID", help="also write a lead (summary)")
    p.add_argument("--url", help="the page's URL, when the page does not name it (and the base of relative image addresses)")
    p.add_argument("--fetch", action="store_true", help="fetch INPUTs that are http(s) URLs (15 s timeout, at most 5 redirects, max_page_bytes, "
                   "a vnnews user agent); without it a URL is refused: vnnews reads files")
    p.set_defaults(func=cmd_extract)


def _add_infer(sub: Any) -> None:
    p = sub.add_parser(
        "infer",
        help="batch inference: label every line and summarize, pages in, clean article records out",
        description="Read INPUTs (anything ingestion reads, or a dataset built by build-dataset), label every line "
        "with the classifier, summarize each body, and write one record per article: id, source, title, lead, body, "
        "captions, byline, dateline, every line with its label and confidence, the summary, the models used and "
        "timings. Streams in chunks with flat memory; results go to atomic part files (OUTPUT.parts/), so a killed job "
        "continues with --resume and every article ends up in OUTPUT exactly once. Articles that fail go to "
        "OUTPUT.errors.jsonl with their cause. Several processes: "
        "accelerate launch [--multi_gpu] --num_processes N -m vnnews infer ... (each takes a share; the first merges). "
        "Beyond one machine: --engine ray runs the same stages as a Ray Data pipeline (read tasks, classifier and "
        "summarizer actor pools) on a Ray cluster (pip install 'vnnews[ray]'; `vnnews docs inference`).",
        epilog="Examples:\n"
        "  vnnews infer data/raw --classifier runs/classifier-tiny --summarizer runs/summarizer-tiny --output build/articles.jsonl\n"
        "  vnnews infer pages/ --classifier ORG/vnnews-classifier --stages classify --output out.parquet chunk_size=512\n"
        "  vnnews infer clean.jsonl --summarizer runs/summarizer --output summaries/   # a saved dataset\n"
        "  vnnews infer pages/ --classifier weak --output out.jsonl   # the rule labeller, no model\n"
        "  vnnews infer pages/ --classifier C --summarizer S -o out.parquet --engine ray ray.classify_actors=4\n"
        "  vnnews infer /shared/pages --classifier C -o /shared/out.parquet --engine ray --ray-address auto   # on a cluster",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "inputs", nargs="*", metavar="INPUT",
        help="files, directories, saved datasets, or remote storage through fsspec (s3://bucket/crawl/, gs://..., hf://datasets/..., "
        "a glob such as s3://b/CC-NEWS-*.warc.gz, an https:// JSONL, Parquet or WARC file; streamed). A page's address is refused: "
        "vnnews reads files, it does not fetch pages (vnnews extract --fetch does). key=value items override the config",
    )
    p.add_argument(
        "-o", "--output", "--out", dest="output", metavar="PATH",
        help="OUT.jsonl, OUT.parquet, or a directory (a saved Hugging Face dataset, or Markdown files with --format markdown); "
        "remote (s3://...): written locally first (VNNEWS_STAGING, default ~/.cache/vnnews/staging) and uploaded once complete",
    )
    p.add_argument("--classifier", metavar="DIR_OR_HUB_ID", help="classifier (trained directory or Hub id), or 'weak' for the rule labeller")
    p.add_argument("--summarizer", metavar="DIR_OR_HUB_ID", help="summarizer (trained directory or Hub id)")
    p.add_argument(
        "--stages",
        choices=["auto", "classify", "summarize", "both"],
        help="what to run; default auto = the stages whose model is given. summarize alone takes the input as clean "
        "text (or uses its own labels, for records and datasets)",
    )
    p.add_argument("--config", metavar="FILE_OR_NAME", help="YAML config (configs/inference/default.yaml, or its name: default): batch sizes, chunk size, generation overrides, device")
    p.add_argument("--print-config", action="store_true", help="print the resolved config (file, then overrides) as YAML and exit")
    p.add_argument("--chunk-size", type=int, metavar="N", help="articles per chunk and part file (default 256)")
    p.add_argument("--resume", action="store_true", help="continue a job: skip articles already in OUTPUT or its parts")
    p.add_argument("--overwrite", action="store_true", help="start over: ignore OUTPUT and an interrupted job's parts; the old OUTPUT is replaced only once the new one is complete (only an OUTPUT vnnews wrote)")
    p.add_argument("--errors", metavar="FILE", help="errors file (default OUTPUT.errors.jsonl); never an input, never a file vnnews did not write")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (logs, CI)")
    p.add_argument("--no-follow-symlinks", action="store_true", help=SYMLINKS_HELP)
    p.add_argument("--dedup", action="store_true", help="mark near-duplicates (syndicated, re-published articles): duplicate_of and duplicate_score in each record (= dedup=true)")
    p.add_argument("--since", metavar="DATE", help="WARC inputs: only records crawled on or after DATE (2026-07-01 or an ISO time; = since=DATE)")
    p.add_argument("--until", metavar="DATE", help="WARC inputs: only records crawled on or before DATE (a date includes its whole day)")
    p.add_argument("--site", action="append", metavar="HOST", help="WARC inputs: only records of HOST and its subdomains (repeat for several; = sites=[...])")
    p.add_argument(
        "--languages", metavar="CODES",
        help="only pages written in these languages reach the models (ISO 639-1, comma-separated: vi,en; default vi); "
        "the others are error records naming their language; all: every page (= languages=[...])",
    )
    p.add_argument(
        "--adapt", action="store_true",
        help="fit the page labeller to each site of the job from the job's own pages first, no labels needed (= adapt=true; "
        "sites with fewer than adapt_min_pages=5 pages keep the model's output; local engine, one process; docs/classifier.md)",
    )
    p.add_argument(
        "--format",
        choices=["auto", "jsonl", "parquet", "dataset", "markdown"],
        help="auto (default): from OUTPUT (.jsonl, .parquet, else a saved dataset); markdown: OUTPUT is a directory of one .md file per article",
    )
    p.add_argument(
        "--engine",
        choices=["local", "ray"],
        help="local (default): this machine's processes; ray: a Ray Data pipeline over a Ray cluster, knobs ray.* in the config (needs vnnews[ray])",
    )
    p.add_argument(
        "--ray-address",
        metavar="ADDRESS",
        help="with --engine ray: the cluster to join (auto, or ray://HOST:10001); default: start Ray on this machine (= ray.address)",
    )
    p.set_defaults(func=cmd_infer)


def _add_pipeline(sub: Any) -> None:
    p = sub.add_parser(
        "pipeline",
        help="the main job: build the dataset, train and evaluate both models, run batch inference, write a report",
        description="Run every stage from one config (configs/pipeline/*.yaml) in one working directory: build the "
        "dataset, build tiny base models (tiny: true, offline) or use the Hub models, train the classifier and the "
        "summarizer, evaluate both against their baselines, run `infer` over the pages, and write WORK/report.md with "
        "the metrics and a few articles line by line. Finished stages are recorded in WORK/stages.json.",
        epilog="Examples:\n"
        "  vnnews pipeline --config configs/pipeline/tiny.yaml --overwrite          # offline, CPU, a few minutes\n"
        "  vnnews pipeline --config configs/pipeline/phobert-vit5-base.yaml --resume   # the Hub models, a GPU",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", required=True, metavar="FILE_OR_NAME", help="pipeline config (configs/pipeline/tiny.yaml, or a shipped name: tiny, phobert-vit5-base)")
    p.add_argument("--print-config", action="store_true", help="print the resolved config (file, then overrides) as YAML and exit")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides (classifier.training.epochs=1 work_dir=build/x)")
    p.add_argument("--resume", action="store_true", help="skip the stages an earlier run finished; training continues from its checkpoints (refused if the config changed)")
    p.add_argument("--overwrite", action="store_true", help="start over: delete the working directory first, if an earlier `vnnews pipeline` made it (never one vnnews did not make)")
    p.set_defaults(func=cmd_pipeline)


def _add_serve(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="HTTP service: classify, summarize and process pages, micro-batched; a page at / to try it",
        description="Start an ASGI server (FastAPI + uvicorn): POST /v1/classify, /v1/summarize, /v1/process (one object "
        "or a list), GET /healthz, /readyz, /metrics (Prometheus), /docs (OpenAPI), and a page at / to paste a page dump "
        "into. Models load once at start from the paths given here (never from a request). Concurrent requests share "
        "model calls. Bad input: 422 naming the field; body over max_body_bytes: 413; past timeout_s: 504. SIGTERM "
        "finishes the requests in flight.",
        epilog="Example: vnnews serve --classifier runs/classifier-tiny --summarizer runs/summarizer-tiny --port 8000 timeout_s=30",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--classifier", metavar="DIR_OR_HUB_ID", help="classifier (trained directory or Hub id), or 'weak' for the rule labeller")
    p.add_argument("--summarizer", metavar="DIR_OR_HUB_ID", help="summarizer")
    p.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.add_argument("--config", metavar="FILE_OR_NAME", help="YAML config (configs/serve/default.yaml, or its name: default): batching, limits, timeouts, generation")
    p.add_argument("--print-config", action="store_true", help="print the resolved config (file, then overrides) as YAML and exit")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides (max_batch=16 timeout_s=10)")
    p.set_defaults(func=cmd_serve)


def _add_push(sub: Any) -> None:
    p = sub.add_parser(
        "push",
        help="publish a trained model or a built dataset to the Hugging Face Hub (--dry-run: write what would go)",
        description="Upload a model directory written by `vnnews train` (loaded and re-saved by its model class, as "
        "`model.push_to_hub(REPO_ID)` would: safetensors weights, configs, tokenizer, metrics, training config, and its "
        "card with the usage snippet pointing at REPO_ID; never checkpoints or pickles) or a "
        "dataset written by `vnnews build-dataset` (its card, then each subset as a config). The card is checked first: "
        "front matter, metrics table, training data, usage, limitations. The token comes from HF_TOKEN or `hf auth login` "
        "and is never printed. --dry-run DIR writes the files that would be uploaded into DIR and uploads nothing.",
        epilog="Examples:\n  vnnews push model runs/classifier --repo-id ORG/vnnews-classifier --dry-run build/push-preview\n"
        "  vnnews push dataset build/vietnews --repo-id ORG/vnnews-vietnews --private",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("what", choices=["model", "dataset"], help="what DIR holds")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--repo-id", required=True, metavar="ORG/NAME")
    p.add_argument("--private", action="store_true", help="create the repository as private")
    p.add_argument("--revision", metavar="BRANCH", help="model: push to this branch (created when missing) instead of main")
    p.add_argument("--dry-run", metavar="OUT", help="write the files that would be uploaded into OUT; upload nothing")
    p.add_argument("--license", metavar="SPDX-ID", help="model: the licence of the card (e.g. agpl-3.0, mit); needed when the model's own is unknown or contradicts its base model's")
    p.set_defaults(func=cmd_push)


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
    flags = {GLOBAL_FLAGS[a] for a in argv if a in GLOBAL_FLAGS}  # -v/-q anywhere, before or after the command
    argv = [a for a in argv if a not in GLOBAL_FLAGS]
    # key=value overrides (and HF-style --key value) may follow options, which argparse does
    # not take as positionals there: collect them by hand.
    args, extra = parser.parse_known_args(argv)
    for flag in flags:
        setattr(args, flag, True)
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
        print(f"\nvnnews: interrupted{': ' + hint if hint else ''}", file=sys.stderr)
        return 130
    except SystemExit as exc:
        if exc.code == 128 + signal.SIGTERM:  # exit_on_sigterm: clean-up has run on the way here
            hint = _interrupt_hint(args)
            print(f"vnnews: stopped (SIGTERM){': ' + hint if hint else ''}", file=sys.stderr)
        raise


if __name__ == "__main__":
    sys.exit(main())
