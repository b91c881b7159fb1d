"""Licences of trained models: a model fine-tuned from a base carries the base's licence.

vnnews' own code is Apache-2.0, but what a model may be published under is its base
model's business: vinai/phobert-base-v2 is AGPL-3.0, so a page labeller trained from it
published as Apache-2.0 would mislead everyone who downloads it. The licence is resolved
when training ends (the config's ``license``, else the base's) and checked again before
anything is published (:func:`check_licence`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_HUB_ID = re.compile(r"[\w.-]+/[\w.-]+")

def is_hub_id(name: str) -> bool:
    """``org/name`` that is not a local path: what a card may name as a base model."""
    return bool(_HUB_ID.fullmatch(name)) and not Path(name).exists()


# Licences of base models as their authors publish them (the Hub's ``license:`` of each
# model card). A model fine-tuned from one carries its terms: phobert-base-v2 is AGPL-3.0,
# so a model trained from it is not Apache-2.0 whatever vnnews' own licence is.
BASE_LICENCES = {
    "vinai/phobert-base-v2": "agpl-3.0",
    "vinai/phobert-base": "mit",
    "vinai/phobert-large": "mit",
    "VietAI/vit5-base": "mit",
}
UNKNOWN_LICENCE = "unknown"


def card_licence(path: str | Path) -> str | None:
    """The ``license:`` of a model card's front matter (README.md), or None."""
    from vnnews.config import ConfigError, load_yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith("---\n") or "\n---" not in text[4:]:
        return None
    try:
        meta = load_yaml(text[4 : text.index("\n---", 4)], str(path))
    except (ConfigError, ValueError):
        return None
    value = meta.get("license") if isinstance(meta, dict) else None
    return str(value) if value else None


def base_licence(base: str) -> str | None:
    """The licence of ``base`` (a Hub id or a local directory): the table above, else the
    base's own card (a local base, or a Hub base already in the cache); None when unknown."""
    if not base:
        return None
    if base in BASE_LICENCES:
        return BASE_LICENCES[base]
    local = Path(base)
    if local.is_dir():
        return card_licence(local / "README.md")
    if is_hub_id(base):
        try:
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(base, "README.md")
        except Exception:  # noqa: BLE001 - no cache, no network: unknown
            return None
        return card_licence(cached) if isinstance(cached, str) else None
    return None


def model_licence(config: dict[str, Any]) -> str | None:
    """The licence a trained model is published under: the one its config sets
    (``license``), else its base model's; None when neither is known."""
    return config.get("license") or base_licence(str(config.get("base_model") or ""))


def check_licence(model: Any, where: str, licence: str | None) -> None:
    """Set the card's licence to ``licence`` when given; else refuse a model whose licence
    is unknown, or whose training config names one that its base model's contradicts (a
    model trained from vinai/phobert-base-v2, AGPL-3.0, with the old default Apache-2.0)."""
    record = model.training_record if isinstance(getattr(model, "training_record", None), dict) else {}
    config = record.setdefault("config", {})
    if licence:
        config["license"] = licence
        config["license_source"] = "push"
        return
    base = str(config.get("base_model") or "")
    found, inherited = model_licence(config), base_licence(base)
    if found is None:
        raise ValueError(
            f"{where}: the model's licence is unknown (its base model, {base or 'not recorded'}, names none vnnews can read): "
            "give --license with the licence you may publish it under (normally the base model's)"
        )
    if inherited is not None and found.lower() != inherited.lower():
        raise ValueError(
            f"{where}: its training config says license {found}, but its base model {base} is {inherited}, which a fine-tuned model carries: "
            f"give --license {inherited} (or the licence you hold) to publish it"
        )


