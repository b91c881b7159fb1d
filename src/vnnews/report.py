"""The main job's report: what was built, how well the models did, and what the
batch job made of real pages, line by line, in one Markdown file a reviewer can
read without running anything."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

_MAX_CELL = 140


def _cell(text: str | None, limit: int = _MAX_CELL) -> str:
    text = (text or "").replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _demote(markdown: str, by: int = 1) -> str:
    """Headings one level down, so an included report nests under ours; image links
    rebased by the caller."""
    return re.sub(r"^(#+) ", lambda m: "#" * (len(m.group(1)) + by) + " ", markdown, flags=re.M)


def _included(path: Path, base: Path) -> str:
    if not path.exists():
        return f"_{path} not found_"
    text = _demote(path.read_text(encoding="utf-8"), 2)
    rel = os.path.relpath(path.parent, base)
    return re.sub(r"\]\((?!https?:)([^)]+)\)", lambda m: f"]({rel}/{m.group(1)})", text)


def article_lines_table(record: dict[str, Any], gold: list[str] | None) -> list[str]:
    """One row per line: predicted label and confidence, the gold label where known."""
    head = "| # | label | conf. |" + (" gold |" if gold else "") + " text |"
    rows = [head, "|---:|---|---:|" + ("---|" if gold else "") + "---|"]
    for i, line in enumerate(record["lines"]):
        conf = f"{line['confidence']:.2f}" if line.get("confidence") is not None else ""
        mark = ""
        if gold:
            mark = f" {gold[i]}{'' if gold[i] == line['label'] else ' ✗'} |"
        rows.append(f"| {i} | {line['label'] or ''} | {conf} |{mark} {_cell(line['text'])} |")
    return rows


def write_report(config: Any, path: str | os.PathLike[str], stage_seconds: dict[str, float], articles_path: str | os.PathLike[str]) -> Path:
    """Write ``path`` (Markdown) from the working directory of a pipeline run, whose
    batch job wrote ``articles_path``."""
    from vnnews import __version__
    from vnnews.dataset import stats_table
    from vnnews.inference import default_errors_path, read_errors, read_records
    from vnnews.labels import load_gold
    from vnnews.models.loading import device_description

    path = Path(path)
    work = Path(config.work_dir)
    base = path.parent
    gold = load_gold(config.dataset.annotations_dir) if config.dataset.annotations_dir else {}
    articles_path = Path(articles_path)
    errors_path = default_errors_path(articles_path)
    records = list(read_records(articles_path))
    errors = read_errors(errors_path)
    total = sum(stage_seconds.values())
    out = [
        "# vnnews main job report",
        "",
        f"vnnews {__version__} on {device_description()}. Page labeller base `{config.classifier.base_model}`, summarizer base "
        f"`{config.summarizer.base_model}`" + (" (tiny models with random initial weights, built from the bundled corpus: the "
        "figures show the pipeline works end to end, not what PhoBERT/ViT5 reach)." if config.tiny else "."),
        "",
        "## Stages",
        "",
        "| stage | seconds |",
        "|---|---:|",
        *[f"| {name} | {sec:.1f} |" for name, sec in stage_seconds.items()],
        f"| **total** | **{total:.1f}** |",
        "",
        "## Dataset",
        "",
        "```",
        stats_table(work / "dataset"),
        "```",
        "",
        "## Line labelling (composed test pages)",
        "",
        _included(work / "eval" / "classifier" / "evaluation.md", base),
        "",
        "## Extraction on real pages, beside trafilatura",
        "",
        _included(work / "eval" / "extraction" / "extraction.md", base),
        "",
        "## Summarizer",
        "",
        _included(work / "eval" / "summarizer" / "evaluation.md", base),
        "",
        "## Batch inference",
        "",
        f"{len(records)} articles from {', '.join(config.infer_inputs)} -> `{os.path.relpath(articles_path, base)}`, "
        f"{len(errors)} failed" + (f" (`{os.path.relpath(errors_path, base)}`)." if errors else "."),
        "",
    ]
    for record in records[: config.report_examples]:
        annotation = gold.get(record["id"])
        gold_labels = annotation.labels if annotation and len(annotation.labels) == len(record["lines"]) else None
        real_lead = " ".join(t for t, lab in zip((ln["text"] for ln in record["lines"]), gold_labels, strict=True) if lab == "lead") if gold_labels else None
        out += [
            f"### {record['id']}",
            "",
            f"Source `{record['source']}`; title found: {_cell(record['title']) or '—'}",
            "",
            "| | |",
            "|---|---|",
            f"| generated summary | {_cell(record['summary'], 600) or '—'} |",
            (f"| real lead (gold) | {_cell(real_lead, 600) or '— (the page has none)'} |" if gold_labels else f"| lead found on the page | {_cell(record['lead'], 600) or '—'} |"),
            "",
            *article_lines_table(record, gold_labels),
            "",
        ]
    path.write_text("\n".join(out), encoding="utf-8")
    (path.with_suffix(".json")).write_text(
        json.dumps({"stages": stage_seconds, "articles": len(records), "failed": len(errors)}, indent=2) + "\n", encoding="utf-8"
    )
    return path
