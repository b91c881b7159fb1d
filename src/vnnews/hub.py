"""Publishing to the Hugging Face Hub.

The token comes from ``HF_TOKEN`` or a ``hf auth login`` session, through
huggingface_hub itself; vnnews never reads, prints or stores it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from huggingface_hub import HfApi


def _trained_model(model_dir: str | os.PathLike[str], licence: str | None = None) -> Any:
    """The model at ``model_dir`` loaded by its class on the CPU, to stage or push; ValueError
    for a local directory without safetensors weights, that is not a vnnews model, or whose
    licence is unknown or contradicts its base model's (``licence`` given: that one)."""
    from vnnews.models import load_model

    model_dir = Path(model_dir)
    if model_dir.exists() and not (model_dir / "model.safetensors").is_file():
        raise ValueError(f"{model_dir} has no model.safetensors (vnnews publishes safetensors weights only)")
    from vnnews.models.licences import check_licence

    model = load_model(str(model_dir), device="cpu")
    check_licence(model, str(model_dir), licence)
    return model


def stage_model(model_dir: str | os.PathLike[str], repo_id: str, out_dir: str | os.PathLike[str], licence: str | None = None) -> list[Path]:
    """Write into ``out_dir`` exactly the files ``push_model`` uploads: the model loaded
    by its class and staged as ``model.push_to_hub(repo_id)`` stages it (weights, configs,
    tokenizer, training config, metrics, the card naming ``repo_id``). ValueError for a
    directory that is not a vnnews model, has no safetensors weights, or whose licence is
    unknown (``licence``: the one to publish it under)."""
    return _trained_model(model_dir, licence).stage_for_hub(out_dir, repo_id)


def push_model(
    model_dir: str | os.PathLike[str], repo_id: str, private: bool = False, token: str | None = None, revision: str | None = None, licence: str | None = None
) -> str:
    """Upload a model directory written by ``vnnews train`` through its model class's
    ``push_to_hub``, in one commit (``licence``: the card's, when the model's own is
    unknown or wrong). Returns the model's URL."""
    _trained_model(model_dir, licence).push_to_hub(repo_id, private=private, token=token, revision=revision)
    return f"https://huggingface.co/{repo_id}" + (f"/tree/{revision}" if revision else "")


def dry_run(what: str, source_dir: str | os.PathLike[str], repo_id: str, out_dir: str | os.PathLike[str], licence: str | None = None) -> list[Path]:
    """Write into ``out_dir`` (new or empty) exactly what ``vnnews push what`` would
    upload, and upload nothing. Returns the files written."""
    target = Path(out_dir)
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty; give an empty or new directory for --dry-run")
    return stage_model(source_dir, repo_id, target, licence) if what == "model" else stage_dataset(source_dir, target)


def stage_dataset(dataset_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write into ``out_dir`` what ``push_dataset`` uploads: the card, and each
    subset's splits as Parquet under ``<subset>/`` (push_to_hub's layout for a
    config; it may cut large splits into several shards)."""
    from vnnews.dataset import SUBSETS, load_subset

    dataset_dir, out = Path(dataset_dir), Path(out_dir)
    if not (dataset_dir / "README.md").exists():
        raise FileNotFoundError(f"{dataset_dir} has no README.md: is it a dataset built by `vnnews build-dataset`?")
    from vnnews.dataset.card import hub_card

    out.mkdir(parents=True, exist_ok=True)
    (out / "README.md").write_text(hub_card((dataset_dir / "README.md").read_text(encoding="utf-8")), encoding="utf-8")
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
    from vnnews.dataset.card import hub_card

    text = hub_card(card.read_text(encoding="utf-8"))
    api.upload_file(path_or_fileobj=text.encode("utf-8"), path_in_repo="README.md", repo_id=repo_id, repo_type="dataset")
    for subset in (s for s in SUBSETS if (dataset_dir / s).exists()):
        load_subset(dataset_dir, subset).push_to_hub(repo_id, config_name=subset, private=private, token=token)
    return f"https://huggingface.co/datasets/{repo_id}"
