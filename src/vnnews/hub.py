"""Publishing to the Hugging Face Hub.

The token comes from ``HF_TOKEN`` or a ``hf auth login`` session, through
huggingface_hub itself; vnnews never reads, prints or stores it.
"""

from __future__ import annotations

import os
from pathlib import Path

from huggingface_hub import HfApi


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
    for subset in SUBSETS:
        load_subset(dataset_dir, subset).push_to_hub(repo_id, config_name=subset, private=private, token=token)
    return f"https://huggingface.co/datasets/{repo_id}"
