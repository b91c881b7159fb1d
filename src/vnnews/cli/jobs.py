"""Subcommands that run models over pages: extract, infer, pipeline, serve."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from vnnews.cli.common import (
    SYMLINKS_HELP,
    _ErrorCounter,
    _fail,
    _flag_overrides,
    _inputs_and_overrides,
    _load,
    _print_config,
    _refuse_earlier_run,
)
from vnnews.ingest.readers import URL_INPUT, is_url


def cmd_extract(args: argparse.Namespace) -> int:
    from vnnews.extraction import extract, page_article, page_options
    from vnnews.ingest import IngestError, iter_articles
    from vnnews.render import markdown, plain_text

    options = page_options(None if args.no_second_opinion else args.model)  # a page labeller also reads which lines trafilatura keeps
    if args.inputs == ["-"]:
        try:
            articles = [page_article(sys.stdin.buffer.read(), "stdin", "stdin", url=args.url, options=options)]
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
                page = fetch(url, max_bytes=options.max_page_bytes or (32 << 20))
                articles.append(page_article(page.body, url, url, url=page.url, options=options))
            except (FetchError, IngestError) as exc:
                errors(IngestError(url, str(exc).removeprefix(f"{url}: ")))
        files = [i for i in args.inputs if not is_url(i)]
        articles += list(iter_articles(files, options, on_error=errors)) if files else []
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
NO_SECOND_OPINION_HELP = (
    "the page labeller alone: by default the body lines it is unsure of that trafilatura leaves out of an HTML page are "
    "boilerplate (precision on unseen sites); this skips trafilatura, about a fifth of a page's time"
)


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
    p.add_argument("--no-second-opinion", action="store_true", help="with --model: " + NO_SECOND_OPINION_HELP)
    p.add_argument("--summarizer", metavar="DIR_OR_HUB_ID", help="also write a lead (summary)")
    p.add_argument("--url", help="the page's URL, when the page does not name it (and the base of relative image addresses)")
    p.add_argument("--fetch", action="store_true", help="fetch INPUTs that are http(s) URLs (15 s timeout, at most 5 redirects, max_page_bytes, "
                   "a vnnews user agent); without it a URL is refused: vnnews reads files")
    p.set_defaults(func=cmd_extract)


def cmd_infer(args: argparse.Namespace) -> int:
    from vnnews.config import ConfigError
    from vnnews.inference import InferenceConfig, run_inference

    try:
        inputs, overrides = _inputs_and_overrides(args)
    except ValueError as exc:
        return _fail(str(exc))
    overrides = _flag_overrides(classifier=args.classifier, summarizer=args.summarizer, stages=args.stages, chunk_size=args.chunk_size, engine=args.engine, processes=args.processes) + overrides
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
    if args.no_second_opinion:
        overrides.append("second_opinion=false")
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
        from vnnews.inference.launch import launched, resolve_processes, run_processes, watch_launcher

        watch_launcher()  # one of several processes started by `processes=N`: end with the command that started it
        n = 1 if launched() else resolve_processes(config.processes)
        if n > 1:
            return run_processes(args.argv, config, n)
        result = run_inference(inputs, args.output, config, resume=args.resume, overwrite=args.overwrite, errors_path=args.errors)
    except (ConfigError, ValueError, TypeError, FileExistsError, OSError) as exc:
        from vnnews.inference.launch import first_process
        from vnnews.outputs import OutputRefused

        if isinstance(exc, OutputRefused) and not first_process():
            return 2  # every process of the job is refused alike: the first one says why
        return _fail(str(exc))
    return 1 if result.merged and result.failed and not (result.done or result.skipped) else 0  # nothing but failures


def _add_infer(sub: Any) -> None:
    p = sub.add_parser(
        "infer",
        help="batch inference: label every line and summarize, pages in, clean article records out",
        description="Read INPUTs (anything ingestion reads, or a dataset built by build-dataset), label every line "
        "with the classifier, summarize each body, and write one record per article: id, source, title, lead, body, "
        "captions, byline, dateline, every line with its label and confidence, the summary, the models used and "
        "timings. Streams in chunks with flat memory; results go to atomic part files (OUTPUT.parts/), so a killed job "
        "continues with --resume and every article ends up in OUTPUT exactly once. Articles that fail go to "
        "OUTPUT.errors.jsonl with their cause. Several processes on this machine: processes=N or processes=auto (one per "
        "core; each takes a share of the inputs, the first merges; on a CPU the fastest way to use every core), or "
        "accelerate launch [--multi_gpu] --num_processes N -m vnnews infer ... "
        "Beyond one machine: --engine ray runs the same stages as a Ray Data pipeline (read tasks, classifier and "
        "summarizer actor pools) on a Ray cluster (pip install 'vnnews[ray]'; `vnnews docs inference`).",
        epilog="Examples:\n"
        "  vnnews infer data/raw --classifier runs/classifier-tiny --summarizer runs/summarizer-tiny --output build/articles.jsonl\n"
        "  vnnews infer pages/ --classifier ORG/vnnews-classifier --stages classify --output out.parquet chunk_size=512\n"
        "  vnnews infer clean.jsonl --summarizer runs/summarizer --output summaries/   # a saved dataset\n"
        "  vnnews infer pages/ --classifier weak --output out.jsonl   # the rule labeller, no model\n"
        "  vnnews infer pages/ --classifier runs/classifier-tiny -o out.jsonl processes=auto   # every core of a CPU machine\n"
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
    p.add_argument(
        "--processes", metavar="N", help="processes of the job on this machine, each reading its share of the inputs (the first merges); "
        "auto: one per core (per GPU where there are GPUs). On a CPU the fastest way to use every core (= processes=N; default 1)",
    )
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
    p.add_argument("--no-second-opinion", action="store_true", help=NO_SECOND_OPINION_HELP + " (= second_opinion=false)")
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


def cmd_serve(args: argparse.Namespace) -> int:
    from vnnews.config import ConfigError
    from vnnews.extras import require

    for module in ("fastapi", "uvicorn", "prometheus_client"):
        require(module, "serve", "vnnews serve")
    from vnnews.serving import ServeConfig, create_app

    overrides = _flag_overrides(classifier=args.classifier, summarizer=args.summarizer, host=args.host, port=args.port) + args.overrides
    if args.no_second_opinion:
        overrides.insert(0, "second_opinion=false")  # before the KEY=VALUE items, which have the last word
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
    p.add_argument("--no-second-opinion", action="store_true", help=NO_SECOND_OPINION_HELP + " (= second_opinion=false)")
    p.add_argument("--config", metavar="FILE_OR_NAME", help="YAML config (configs/serve/default.yaml, or its name: default): batching, limits, timeouts, generation")
    p.add_argument("--print-config", action="store_true", help="print the resolved config (file, then overrides) as YAML and exit")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides (max_batch=16 timeout_s=10)")
    p.set_defaults(func=cmd_serve)
