"""vnnews' model classes, apart from the training recipes (:mod:`vnnews.recipes`).

- :class:`PageLabeler`: the classifier; labels every line of a page (title, lead,
  body, caption, byline, ..., navigation, ads) with the whole page in view;
- :class:`Summarizer`: writes an article's lead from its body.

Both load with ``from_pretrained`` (a directory or a Hub id; safetensors only, never
remote code), write the full model directory with ``save_pretrained`` (weights,
tokenizer, vnnews settings, training config, metrics, card) and publish it with
``push_to_hub(repo_id, private=, revision=)``. Imports are lazy: ``import
vnnews.models`` does not load torch until a class is used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PageLabeler", "PageLabelerConfig", "Summarizer", "load_classifier", "load_model"]


def load_classifier(name_or_path: str, device: str | None = None, revision: str | None = None, precision: str = "auto") -> Any:
    """The classifier saved at ``name_or_path``; a clear error for anything else (a
    summarizer, a bare encoder, a line-pair classifier of vnnews 0.1). ``precision``:
    auto (bf16 on a GPU that supports it, else fp32), fp32, or bf16 (on a CPU too)."""
    from transformers import PretrainedConfig

    from vnnews.models.loading import check_model_dir, load_errors
    from vnnews.models.page_labeler import PAGE_MODEL_TYPE, PageLabeler

    check_model_dir(name_or_path)
    with load_errors(name_or_path, "config.json"):
        config = PretrainedConfig.get_config_dict(str(name_or_path), **({"revision": revision} if revision else {}))[0]
    if config.get("model_type") == PAGE_MODEL_TYPE:
        return PageLabeler.from_pretrained(name_or_path, device=device, revision=revision, precision=precision)
    if "vnnews_classifier" in config:
        raise ValueError(
            f"{name_or_path} is a line-pair classifier of vnnews 0.1, which the page labeller replaced; "
            "retrain with `vnnews train classifier --config configs/classifier/tiny.yaml` (or phobert-base-v2.yaml)"
        )
    raise ValueError(f"{name_or_path} is not a vnnews classifier (model_type {config.get('model_type')!r}, expected {PAGE_MODEL_TYPE!r})")


def load_model(name_or_path: str, device: str | None = None, revision: str | None = None) -> Any:
    """The vnnews model saved at ``name_or_path``, classifier or summarizer, by what its
    config.json says (``vnnews push model`` uses this); ValueError for anything else."""
    from pathlib import Path

    from transformers import PretrainedConfig

    from vnnews.models.loading import check_model_dir, load_errors
    from vnnews.models.summarizer import SETTINGS_KEY, Summarizer

    if Path(name_or_path).exists() and not (Path(name_or_path) / "config.json").is_file():
        raise ValueError(f"{name_or_path} has no config.json: not a model directory")
    check_model_dir(name_or_path)
    with load_errors(name_or_path, "config.json"):
        config = PretrainedConfig.get_config_dict(str(name_or_path), **({"revision": revision} if revision else {}))[0]
    if SETTINGS_KEY in config:
        return Summarizer.from_pretrained(name_or_path, device=device, revision=revision)
    return load_classifier(name_or_path, device=device, revision=revision)


def __getattr__(name: str) -> Any:
    if name in ("PageLabeler", "PageLabelerConfig"):
        from vnnews.models import page_labeler

        return getattr(page_labeler, name)
    if name == "Summarizer":
        from vnnews.models.summarizer import Summarizer

        return Summarizer
    raise AttributeError(f"module 'vnnews.models' has no attribute {name!r}")
