"""Subcommands about models: make-tiny, make-replica, train, export, evaluate, adapt, push."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from vnnews.cli.common import _add_out, _ErrorCounter, _fail, _load, _print_config, _short_path


def cmd_make_tiny(args: argparse.Namespace) -> int:
    from vnnews.tiny import TINY_VOCAB, make_tiny_classifier, make_tiny_summarizer

    if args.task == "classifier":
        vocab_size = TINY_VOCAB if args.vocab_size is None else args.vocab_size
        try:
            out = make_tiny_classifier(args.out, args.corpus or None, vocab_size=vocab_size, max_records=args.max_records)
        except ValueError as exc:
            return _fail(str(exc))
    else:
        if args.vocab_size is not None or args.max_records is not None:
            return _fail("--vocab-size and --max-records are for the classifier's BPE (the summarizer's sentencepiece vocabulary is fixed)")
        out = make_tiny_summarizer(args.out, args.corpus or None)
    print(f"tiny {args.task} checkpoint written to {out} (load it like a Hub id: --config ... base_model={out})")
    return 0


def _add_make_tiny(sub: Any) -> None:
    from vnnews.tiny import TINY_VOCAB

    p = sub.add_parser(
        "make-tiny",
        help="build a tiny offline checkpoint in the Hub model's format (for tests and the CPU demo)",
        description="Write a tiny checkpoint with random weights and a tokenizer learned from the bundled corpus: "
        "classifier = PhoBERT format (RoBERTa, PhobertTokenizer vocab.txt + bpe.codes), loaded like vinai/phobert-base-v2; "
        "summarizer = ViT5 format (T5, spiece.model), loaded like VietAI/vit5-base.",
    )
    p.add_argument("task", choices=["classifier", "summarizer"], help="which model (summarizer: T5 with a sentencepiece vocabulary, like VietAI/vit5-base)")
    _add_out(p, "a new directory")
    p.add_argument("--corpus", nargs="*", metavar="INPUT", help="pages, folders or records files to learn the tokenizer from (default: the bundled seed pages)")
    p.add_argument("--vocab-size", type=int, metavar="N",
                   help=f"classifier: at most N BPE pieces (default {TINY_VOCAB})")
    p.add_argument("--max-records", type=int, metavar="N", help="classifier: read only the first N records of each records file given in --corpus")
    p.set_defaults(func=cmd_make_tiny)


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
    from vnnews.inference.launch import first_process

    if not first_process():  # under accelerate launch: the first process reports
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


def _evaluate_extraction(args: argparse.Namespace) -> str:
    from vnnews.extraction_eval import evaluate_extraction, leave_one_family_out, leave_one_site_out
    from vnnews.recipes.classifier import ClassifierConfig

    if args.resume and not args.leave_one_site_out:
        raise ValueError("--resume goes with --leave-one-site-out (it scores that evaluation's finished runs again)")
    if args.leave_one_site_out or args.leave_one_family_out:
        if not args.config:
            raise ValueError("--leave-one-site-out and --leave-one-family-out train models: give --config (e.g. configs/classifier/tiny.yaml, or tiny)")
        config = _load(ClassifierConfig, args, "classifier", args.overrides)
        if args.dataset:
            config.dataset_dir = args.dataset
        if args.leave_one_family_out:
            return leave_one_family_out(config, args.out or str(Path(config.output_dir) / "lofo"))
        return leave_one_site_out(
            config, args.pages, args.annotations, args.out or str(Path(config.output_dir) / "loso"), baselines=not args.no_baselines, adapt=args.adapt,
            resume=args.resume,
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
    p.add_argument(
        "--resume", action="store_true",
        help="extraction, with --leave-one-site-out: score again each site's run that finished in OUT/runs with the same config instead of training it "
        "(after a stopped evaluation, or after changing decoding); the rest are trained",
    )
    p.add_argument("--leave-one-family-out", action="store_true", help="extraction: per composed layout family, train without it (its pages neither train nor choose the checkpoint) and score on it")
    p.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides for the leave-one-out runs")
    p.set_defaults(func=cmd_evaluate)


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


def _add_adapt(sub: Any) -> None:
    p = sub.add_parser(
        "adapt",
        help="fit a page labeller to each site of PAGES from the pages themselves (no labels), one model per site",
        description="For each site of PAGES with at least --min-pages pages, fit the layers after the line encoder to the "
        "site's own pages: lines on at least half of its pages are boilerplate, lines found in a page's JSON-LD articleBody "
        "are article text (and, where it is the whole article, the model's body lines outside it boilerplate), so are lines of another "
        "rendering of the same article in PAGES (its AMP or print page, found by <link rel=amphtml|canonical|alternate media=print> "
        "or the pages' URLs), lines the model is sure of keep its label "
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
