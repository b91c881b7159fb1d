"""Model cards: huggingface_hub's ``ModelCard`` with vnnews metadata.

``library_name: vnnews``: the models read input that a stock ``pipeline()`` would
not prepare (word segmentation, page layout features, the summarizer's prefix), so
the card points to vnnews' own loading code, never to a transformers pipeline.
The metadata carries the licence, the base model (when it is a Hub id), the
training datasets given in the config and a ``model-index`` with the metrics
training measured.
"""

from __future__ import annotations

from typing import Any

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from vnnews.models.directory import PLACEHOLDER
from vnnews.models.licences import UNKNOWN_LICENCE, base_licence, is_hub_id, model_licence

VIETNEWS = "VietNews (Nguyen et al., 2019; github.com/ThanhChinhBK/vietnews): its licence terms apply to models trained on it"

def data_terms(records: int, pages: int) -> str:
    """The terms of the training data, by what the model was trained on: structured records
    (the shipped configs build them from VietNews) and hand-labelled pages (the trainer's own)."""
    parts = []
    if records:
        parts.append("the article records keep their source's terms (" + VIETNEWS.split(":")[0] + " for the shipped configs: its terms apply)")
    if pages:
        parts.append("the hand-labelled pages keep the terms of the sites they were saved from")
    return "; ".join(parts) or "not recorded"


def licence_section(config: dict[str, Any], data: str) -> str:
    """The card's licence paragraph: the model's licence, where it comes from, and the
    terms of its training data (``data``)."""
    licence = model_licence(config)
    base = str(config.get("base_model") or "")
    shown_base = base if is_hub_id(base) else "a local base model"
    if licence is None:
        head = (f"Licence: **unknown**. The licence of the base model ({shown_base}) could not be determined: set `license` "
                "when training, or give `--license` to `vnnews push`.")
    elif config.get("license_source") == "push":
        head = f"Licence: **{licence}**, as given to `vnnews push --license`."
    elif config.get("license") and config.get("license_source") != "base model":
        head = f"Licence: **{licence}**, as set in the training config (the base model, {shown_base}, is {base_licence(base) or 'of unknown licence here'})."
    else:
        head = f"Licence: **{licence}**, the licence of the base model ({shown_base}), which a fine-tuned model carries."
    return f"## Licence\n\n{head} Training data: {data}."


def card_data(
    config: dict[str, Any],
    task_type: str,
    task_name: str,
    results: list[tuple[str, str, float]],
    tags: list[str],
    model_name: str,
) -> ModelCardData:
    """Front matter: ``results`` are (metric type, metric name, value) on the config's evaluation split."""
    base = str(config.get("base_model") or "")
    datasets = [d for d in config.get("datasets") or [] if is_hub_id(d)]
    dataset_name = datasets[0] if datasets else "vnnews dataset (local)"
    eval_results = [
        EvalResult(
            task_type=task_type,
            task_name=task_name,
            dataset_type=datasets[0] if datasets else "vnnews",
            dataset_name=dataset_name,
            dataset_split=str(config.get("eval_split") or "validation"),
            metric_type=metric_type,
            metric_name=metric_name,
            metric_value=round(float(value), 4),
        )
        for metric_type, metric_name, value in results
    ]
    licence = model_licence(config)
    return ModelCardData(
        language=["vi"],
        license=licence or "other",
        license_name=None if licence else UNKNOWN_LICENCE,
        library_name="vnnews",
        tags=["vnnews", *tags],
        base_model=base if is_hub_id(base) else None,
        datasets=datasets or None,
        model_name=model_name,
        eval_results=eval_results or None,
    )


def render(data: ModelCardData, body: str, repo_id: str | None) -> ModelCard:
    """The card: front matter, then ``body`` with the usage snippet naming ``repo_id``."""
    text = body.replace(PLACEHOLDER, repo_id) if repo_id else body
    return ModelCard(f"---\n{data.to_yaml()}\n---\n\n{text.strip()}\n")
