"""Publishing to the Hugging Face Hub.

The token comes from ``HF_TOKEN`` or a ``hf auth login`` session, through
huggingface_hub itself; vnnews never reads, prints or stores it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from huggingface_hub import HfApi

# What a model directory written by `vnnews train` uploads: weights (safetensors
# only), configs, tokenizer files, the card, metrics and training config. Never
# checkpoints/ (optimizer state), pickles (*.bin, *.pt, *.pkl) or evaluation output.
MODEL_FILE_SUFFIXES = (".json", ".safetensors", ".txt", ".codes", ".model", ".yaml", ".md")
PLACEHOLDER = "PATH_OR_HUB_ID"


def card_problems(card: str) -> list[str]:
    """What a model card lacks among the parts its Hub page needs: front matter
    (language, library_name), a metrics table under "## Evaluation",
    "## Training data", a Python snippet under "## Usage", and limitations."""
    problems = []
    front = card.split("\n---\n", 1)[0] if card.startswith("---\n") else ""
    for key in ("language", "library_name"):
        if not re.search(rf"^{key}:", front, flags=re.M):
            problems.append(f"front matter '{key}'")
    sections: dict[str, str] = {}
    for block in re.split(r"^## ", card, flags=re.M)[1:]:
        heading, _, body = block.partition("\n")
        sections[heading.strip().lower()] = body
    evaluation = next((b for h, b in sections.items() if h.startswith("evaluation")), "")
    if not re.search(r"^\|.*\|\s*$", evaluation, flags=re.M):
        problems.append("a metrics table under '## Evaluation'")
    if not any(h.startswith("training data") for h in sections):
        problems.append("'## Training data'")
    if "```python" not in next((b for h, b in sections.items() if h.startswith("usage")), ""):
        problems.append("a Python snippet under '## Usage'")
    if not any("limitations" in h for h in sections):
        problems.append("a limitations section")
    return problems


def _hub_base_model(card: str) -> str:
    """Keep ``base_model`` in the front matter only when it names a Hub model: the
    Hub rejects a local path there (tiny offline bases are local)."""
    match = re.search(r"^base_model: *(.+)$", card.split("\n---\n", 1)[0], flags=re.M)
    if match and (not re.fullmatch(r"[\w.-]+/[\w.-]+", match.group(1).strip()) or Path(match.group(1).strip()).exists()):
        card = card.replace(match.group(0) + "\n", "", 1)
    return card


def _model_kind(model_dir: Path) -> str:
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") == "vnnews-page-labeler":
        return "page labeller"
    if "vnnews_classifier" in config:
        return "classifier"
    if "vnnews_summarizer" in config:
        return "summarizer"
    raise ValueError(f"{model_dir} is not a model trained by vnnews (no vnnews page labeller, classifier or summarizer settings in config.json)")


def stage_model(model_dir: str | os.PathLike[str], repo_id: str, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write into ``out_dir`` exactly the files ``push_model`` uploads: the model
    files, and the card with the usage snippet pointing at ``repo_id``. Raises
    ValueError naming what is missing (weights, vnnews config, card sections)."""
    model_dir, out = Path(model_dir), Path(out_dir)
    if not (model_dir / "config.json").is_file():
        raise ValueError(f"{model_dir} has no config.json: not a model directory")
    _model_kind(model_dir)
    if not (model_dir / "model.safetensors").is_file():
        raise ValueError(f"{model_dir} has no model.safetensors (vnnews publishes safetensors weights only)")
    card_path = model_dir / "README.md"
    if not card_path.is_file():
        raise ValueError(f"{model_dir} has no model card (README.md)")
    card = card_path.read_text(encoding="utf-8")
    missing = card_problems(card)
    if missing:
        raise ValueError(f"{card_path} lacks {', '.join(missing)}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(model_dir.iterdir()):
        if path.is_file() and path.suffix in MODEL_FILE_SUFFIXES and path.name != "README.md":
            shutil.copy2(path, out / path.name)
            written.append(out / path.name)
    card = _hub_base_model(card.replace(PLACEHOLDER, repo_id))
    (out / "README.md").write_text(card, encoding="utf-8")
    return sorted([*written, out / "README.md"])


def push_model(model_dir: str | os.PathLike[str], repo_id: str, private: bool = False, token: str | None = None) -> str:
    """Upload a model directory written by ``vnnews train`` to the Hub, in one
    commit: the files ``stage_model`` writes. Returns the model's URL."""
    with tempfile.TemporaryDirectory(prefix="vnnews-push-") as tmp:
        stage_model(model_dir, repo_id, tmp)
        api = HfApi(token=token)
        api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
        api.upload_folder(folder_path=tmp, repo_id=repo_id, repo_type="model", commit_message=f"Upload {Path(model_dir).name} with vnnews")
    return f"https://huggingface.co/{repo_id}"


def dry_run(what: str, source_dir: str | os.PathLike[str], repo_id: str, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write into ``out_dir`` (new or empty) exactly what ``vnnews push what`` would
    upload, and upload nothing. Returns the files written."""
    target = Path(out_dir)
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty; give an empty or new directory for --dry-run")
    return stage_model(source_dir, repo_id, target) if what == "model" else stage_dataset(source_dir, target)


def stage_dataset(dataset_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write into ``out_dir`` what ``push_dataset`` uploads: the card, and each
    subset's splits as Parquet under ``<subset>/`` (push_to_hub's layout for a
    config; it may cut large splits into several shards)."""
    from vnnews.dataset import SUBSETS, load_subset

    dataset_dir, out = Path(dataset_dir), Path(out_dir)
    if not (dataset_dir / "README.md").exists():
        raise FileNotFoundError(f"{dataset_dir} has no README.md: is it a dataset built by `vnnews build-dataset`?")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy2(dataset_dir / "README.md", out / "README.md")
    written = [out / "README.md"]
    for subset in (s for s in SUBSETS if (dataset_dir / s).exists()):  # datasets built before `pages` lack it
        for split, ds in load_subset(dataset_dir, subset).items():
            path = out / subset / f"{split}-00000-of-00001.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            ds.to_parquet(str(path))
            written.append(path)
    return written


def push_dataset(dataset_dir: str | os.PathLike[str], repo_id: str, private: bool = False, token: str | None = None) -> str:
    """Upload a dataset built by ``vnnews build-dataset``: the card first, then each
    subset as a Hub config (``load_dataset(repo_id, "segments")``). The card goes
    first because ``push_to_hub`` keeps an existing card's text and only updates
    its metadata. Returns the dataset's URL."""
    from vnnews.dataset import SUBSETS, load_subset

    dataset_dir = Path(dataset_dir)
    card = dataset_dir / "README.md"
    if not card.exists():
        raise FileNotFoundError(f"{dataset_dir} has no README.md: is it a dataset built by `vnnews build-dataset`?")
    api = HfApi(token=token)
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    api.upload_file(path_or_fileobj=str(card), path_in_repo="README.md", repo_id=repo_id, repo_type="dataset")
    for subset in (s for s in SUBSETS if (dataset_dir / s).exists()):
        load_subset(dataset_dir, subset).push_to_hub(repo_id, config_name=subset, private=private, token=token)
    return f"https://huggingface.co/datasets/{repo_id}"
