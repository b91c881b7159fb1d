"""The dataset card (README.md in the dataset directory): counts, label
distribution, how it was built, how to load it. Its YAML header declares the
two subsets so the Hub shows and loads them once pushed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from vnnews.config import load_yaml
from vnnews.dataset.splits import SPLITS
from vnnews.labels import COARSE, LABEL_SOURCES, LABELS

if TYPE_CHECKING:
    from vnnews.dataset.builder import BuildResult, DatasetConfig


VIETNEWS_SOURCE = (
    "VietNews (Van-Hau Nguyen, Thanh-Chinh Nguyen, Minh-Tien Nguyen, Nguyen Xuan Hoai: \"VNDS: A Vietnamese "
    "Dataset for Summarization\", NICS 2019; github.com/ThanhChinhBK/vietnews): articles of Vietnamese online "
    "newspapers. Its repository states no licence that vnnews knows of and the articles' copyright stays with "
    "their publishers: check the terms before redistributing, and cite the paper"
)


def sources_table(inputs: list[str]) -> list[str]:
    """One row per input: what it is and under which terms it may be used."""
    rows = ["| input | what | terms |", "|---|---|---|"]
    for item in inputs:
        name = Path(item).name
        if "vietnews" in item.lower():
            rows.append(f"| `{name}` | {VIETNEWS_SOURCE} | research use as the source allows; not vnnews' to relicense |")
        else:
            rows.append(f"| `{name}` | pages or records given to `vnnews build-dataset` by whoever built this dataset | theirs: state them here before publishing |")
    return rows


# Where each split's files are: on disk as ``save_to_disk`` writes them (``load_dataset(DIR,
# "segments")`` reads the built directory through these), on the Hub as ``push_to_hub``
# writes Parquet shards. ``data-*`` leaves out the cache files a later ``map`` may add.
DATA_FILES = {"disk": "{subset}/{split}/data-*.arrow", "hub": "{subset}/{split}-*"}


def _configs(layout: str, counts: dict[str, dict[str, int]] | None = None) -> list[dict[str, Any]]:
    """The ``configs:`` of the card: each subset's splits, those without a row left out
    (``load_dataset`` refuses a split with no data: a five-page dataset whose test article
    has no lead has no summarization test example)."""
    out = []
    for subset in ("segments", "summarization", "pages"):
        splits = [split for split in SPLITS if counts is None or counts.get(subset, {}).get(split, 0) > 0]
        if splits:
            out.append({"config_name": subset, "data_files": [{"split": split, "path": DATA_FILES[layout].format(subset=subset, split=split)} for split in splits]})
    return out


def hub_card(text: str) -> str:
    """The card of a built directory with its ``configs:`` pointing at the Hub's Parquet
    files instead of the local Arrow ones (what push and ``--dry-run`` upload)."""
    if not text.startswith("---\n"):
        return text
    end = text.index("\n---\n", 4)
    meta = load_yaml(text[4:end], "the dataset card's metadata") or {}
    kept = {c.get("config_name"): [f.get("split") for f in c.get("data_files") or []] for c in meta.get("configs") or [] if isinstance(c, dict)}
    counts = {subset: {split: 1 for split in splits} for subset, splits in kept.items()} if kept else None
    meta["configs"] = _configs("hub", counts)  # the same subsets and splits as on disk
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + text[end + 1 :]


def _metadata(config: DatasetConfig | None = None, counts: dict[str, dict[str, int]] | None = None) -> dict[str, Any]:
    license = config.license if config is not None else "other"
    return {
        "language": ["vi"],
        "license": license,
        **({"license_name": "mixed-sources", "license_details": "Each input keeps its own terms: see 'Sources and licences'."} if license == "other" else {}),
        "pretty_name": "vnnews: Vietnamese news page lines and lead summaries",
        "task_categories": ["text-classification", "summarization"],
        "tags": ["vietnamese", "news", "boilerplate-removal", "content-extraction"],
        "configs": _configs("disk", counts),
    }


def render_card(result: BuildResult, config: DatasetConfig, label_stats: dict[str, Any], inputs: list[str] | None = None) -> str:
    header = "---\n" + yaml.safe_dump(_metadata(config, result.counts), allow_unicode=True, sort_keys=False) + "---\n"
    lines = [
        "# vnnews dataset",
        "",
        "Lines of Vietnamese news pages labelled by their role on the page (`segments`), whole",
        "labelled pages with their HTML features (`pages`), and article bodies paired with their",
        "lead paragraph (`summarization`). Built by vnnews `vnnews build-dataset`.",
        "",
        "## Counts",
        "",
        "| subset | " + " | ".join(SPLITS) + " |",
        "|---|" + "---:|" * len(SPLITS),
        "| articles | " + " | ".join(str(result.articles.get(s, 0)) for s in SPLITS) + " |",
    ]
    for subset, counts in result.counts.items():
        lines.append(f"| {subset} rows | " + " | ".join(str(counts.get(s, 0)) for s in SPLITS) + " |")
    lines += [
        "",
        f"Inputs skipped while building: {len(result.errors)} (listed with their cause in `errors.jsonl`).",
        "",
        "## Label distribution (`segments`)",
        "",
        "| label | coarse | " + " | ".join(SPLITS) + " |",
        "|---|---|" + "---:|" * len(SPLITS),
    ]
    for label in LABELS:
        lines.append(f"| {label} | {COARSE[label]} | " + " | ".join(str(label_stats[s]["labels"].get(label, 0)) for s in SPLITS) + " |")
    lines += ["", "Where the labels come from (lines):", "", "| source | " + " | ".join(SPLITS) + " |", "|---|" + "---:|" * len(SPLITS)]
    for source in LABEL_SOURCES:
        lines.append(f"| {source} | " + " | ".join(str(label_stats[s]["label_sources"].get(source, 0)) for s in SPLITS) + " |")
    ratios = config.split_ratios
    lines += [
        "",
        "`gold`: annotated by a person; `structured`: from records with title/lead/body/captions",
        "fields; `weak`: rule-based labels (see docs/weak-labeler.md in vnnews for their quality);",
        "`composed`: structured records placed in generated pages of many layout families, rendered as",
        "HTML or text dumps (labels exact by construction).",
        "",
        "## Fields",
        "",
        "`segments`: `article_id`, `line_index`, `text`, `context_before` / `context_after` "
        f"(up to {config.context_window} neighbouring lines each side), `n_lines`, `position` (0 = first "
        "line, 1 = last), `n_chars`, `tag_path` and `link_density` (HTML input only, else null), "
        "`label` (fine, ClassLabel), `coarse_label` (content / caption / boilerplate), `label_source`.",
        "",
        "`summarization`: `article_id`, `title`, `document` (body and subheading lines, one per line), "
        "`summary` (the lead), `label_source`. Articles without a lead or a body are left out.",
        "",
        "`pages`: one row per page, what the page labeller trains on: `article_id`, `site`, `family` "
        "(the composed layout family: classic, portal, magazine, photo, live, listicle, comments, mobile; "
        "`seed` for gold pages), `format` (html or text), `texts`, `tag_paths`, `link_densities`, `labels` "
        "(one per line), `label_source`, `candidates_json` (the title and lead the page's HTML names: h1, "
        "og:title, meta description, JSON-LD).",
        "",
        "## Splits",
        "",
        f"Per article, from a salted hash of its id (salt `{config.split_salt}`): train {ratios.train}, "
        f"validation {ratios.validation}, test {ratios.test}. All lines of an article are in one split, "
        "and rebuilding with more data never moves an article.",
        "",
        "## Text normalisation",
        "",
        f"Unicode NFC, tone marks in the `{config.tone_style}` style (`hoá` for new, `hóa` for old), "
        "invisible characters removed, whitespace collapsed.",
        "",
        "## Usage",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        'segments = load_dataset("DIR", "segments")   # DIR: this directory; or "ORG/NAME" once pushed',
        'labels = segments["train"].features["label"].names',
        'pages = load_dataset("DIR", "pages")          # whole pages; "summarization": document -> lead',
        "```",
        "",
        "## Sources and licences",
        "",
        *sources_table(inputs or []),
        "",
        "Labels, splits and composed page layouts are vnnews' work (Apache-2.0 code); the text is the sources'.",
        "",
        "## Limitations",
        "",
        "- Weakly labelled lines carry the rules' errors; prefer `label_source == gold` for evaluation.",
        "- Structured records have no page boilerplate and no caption positions (captions are placed",
        "  after the first body line), so they teach content labels, not boilerplate.",
        "",
    ]
    return header + "\n".join(lines)


def write_card(out: Path, result: BuildResult, config: DatasetConfig, label_stats: dict[str, Any], inputs: list[str] | None = None) -> None:
    (out / "README.md").write_text(render_card(result, config, label_stats, inputs), encoding="utf-8")
