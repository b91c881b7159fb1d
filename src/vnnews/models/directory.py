"""The model-directory format, written in one place.

A vnnews model directory holds, beside the weights and config.json its model class
writes: the tokenizer files, ``training_config.yaml`` (the recipe's config, local
paths removed), ``metrics.json`` (what training measured) and ``README.md`` (the
model card, built from those two with huggingface_hub's ``ModelCard``). Both model
classes (:class:`~vnnews.models.PageLabeler`, :class:`~vnnews.models.Summarizer`)
inherit :class:`VnnewsModelMixin`, so saving, loading the training record back,
staging for the Hub and pushing behave the same for both, and ``save_pretrained``
after ``from_pretrained`` gives back the same directory.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from vnnews.config import load_yaml
from vnnews.models.licences import is_hub_id
from vnnews.outputs import make_readable

TRAINING_CONFIG = "training_config.yaml"
METRICS = "metrics.json"
CARD = "README.md"
PLACEHOLDER = "PATH_OR_HUB_ID"
# What goes to the Hub: weights (safetensors only), configs, tokenizer files, card,
# metrics and training config. Never checkpoints/, pickles or evaluation output.
HUB_FILE_SUFFIXES = (".json", ".safetensors", ".txt", ".codes", ".model", ".yaml", ".md")


def public_config(value: Any) -> Any:
    """The training config as it may be published: local paths (dataset, output,
    a local base model, unlabelled pages) become ``<local>``; Hub ids stay."""
    if isinstance(value, dict):
        return {k: public_config(v) for k, v in value.items()}
    if isinstance(value, list):
        return [public_config(v) for v in value]
    if isinstance(value, str) and value and not is_hub_id(value):
        looks_local = value.startswith(("/", "./", "../", "~")) or os.sep in value or Path(value).exists()
        if looks_local and not re.fullmatch(r"[\w.-]+", value):
            return "<local>"
    return value


def _is_local_path(value: str) -> bool:
    """A string that names a place on this machine: absolute, home-relative or
    ``./``/``../`` with at least two components, or an existing path with a separator."""
    if not value or len(value) > 4096 or "\n" in value or is_hub_id(value):
        return False
    if value.startswith(("/", "~/", "./", "../")) and "/" in value.strip("/").lstrip(".~/"):
        return True
    return os.sep in value and Path(value).exists()


def scrub_local_paths(value: Any) -> Any:
    """``value`` (parsed JSON) with every string that names a local path replaced by
    ``<local>``: what is published must not reveal the training machine's layout."""
    if isinstance(value, dict):
        return {k: scrub_local_paths(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_local_paths(v) for v in value]
    if isinstance(value, str) and _is_local_path(value):
        return "<local>"
    return value


# Paths inside free text (a note in metrics.json, a value in training_config.yaml, the
# card): POSIX absolute paths not inside a URL (under a usual root such as /home or /tmp,
# or of three components and more: an API route such as /v1/process stays), home-relative
# paths (~/x, ~user/x), ./ and ../ paths, and Windows drive paths (C:\Users\..., also
# JSON-escaped and with forward slashes).
_PATH_IN_TEXT = re.compile(
    r"""(?<![\w/.:~\\-])/(?:home|Users|root|tmp|mnt|media|data|srv|opt|var|work|scratch|private|Volumes|run|content|workspace)/[\w.+@%/-]*"""
    r"""|(?<![\w/.:~\\-])/(?:[\w.+@%-]+/){2,}[\w.+@%-]*"""
    r"""|(?<![\w/])~[\w.-]*/[^\s"'<>`|),;]+"""
    r"""|(?<![\w/.])\.\.?/[^\s"'<>`|),;]+"""
    r"""|\b[A-Za-z]:(?:\\\\|\\|/)[^\s"'<>`|,;]+"""
)
# Files that are vocabularies: their entries are tokens ("/>", "//", "../"), never paths.
_VOCABULARY_FILES = frozenset({"vocab.txt", "bpe.codes", "merges.txt", "vocab.json", "tokenizer.json", "added_tokens.json"})


def scrub_paths_in_text(text: str) -> str:
    """``text`` with every local path it mentions (absolute, home-relative, relative with
    ./ or ../, a Windows drive path) replaced by ``<local>``; URLs and Hub ids stay."""
    return _PATH_IN_TEXT.sub("<local>", text)


def _scrub_strings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_strings(v) for v in value]
    return scrub_paths_in_text(value) if isinstance(value, str) else value


def _scrub_directory(out: Path) -> None:
    """Every text file to be published, scrubbed of local paths: JSON files value by value
    (whole paths, then paths inside strings: still valid JSON), the others (YAML, the card,
    text) as text. Vocabularies and binaries are left alone."""
    for path in sorted(out.iterdir()):
        if not path.is_file() or path.name in _VOCABULARY_FILES or path.suffix not in (".json", ".yaml", ".yml", ".md", ".txt"):
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            data = json.loads(text)
            clean = _scrub_strings(scrub_local_paths(data))
            if clean != data:
                path.write_text(json.dumps(clean, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        else:
            clean_text = scrub_paths_in_text(text)
            if clean_text != text:
                path.write_text(clean_text, encoding="utf-8")


def _read_optional(name_or_path: str, filename: str, revision: str | None) -> str | None:
    """A small file of a local directory or Hub repo; None when it has none."""
    local = Path(name_or_path) / filename
    if Path(name_or_path).is_dir():
        return local.read_text(encoding="utf-8") if local.is_file() else None
    from transformers.utils import cached_file

    try:
        path = cached_file(name_or_path, filename, revision=revision, _raise_exceptions_for_missing_entries=False)
    except OSError:
        return None
    return Path(path).read_text(encoding="utf-8") if path else None


class VnnewsModelMixin:
    """Training record, card, directory writing and Hub push shared by the model classes.

    A class using it provides ``tokenizer``, ``_save_weights(out)`` and
    ``build_card(repo_id) -> ModelCard``."""

    tokenizer: Any
    # {"config": the recipe's config as a dict, "metrics": what training measured}; empty for an untrained model
    training_record: dict[str, Any]

    def set_training_record(self, config: dict[str, Any], metrics: dict[str, Any]) -> None:
        """Attach what the recipe knows (its config, the metrics), written by ``save_pretrained``.
        A licence left unset is resolved from the base model now, while its path is known (the
        published config names a local base only as ``<local>``)."""
        if not config.get("license"):
            from vnnews.models.licences import base_licence

            resolved = base_licence(str(config.get("base_model") or ""))
            config = {**config, "license": resolved, **({"license_source": "base model"} if resolved else {})}
        self.training_record = {"config": public_config(config), "metrics": metrics}

    def load_training_record(self, name_or_path: str, revision: str | None = None) -> None:
        config = _read_optional(str(name_or_path), TRAINING_CONFIG, revision)
        metrics = _read_optional(str(name_or_path), METRICS, revision)
        self.training_record = {"config": load_yaml(config, f"{name_or_path}/{TRAINING_CONFIG}") if config else {}, "metrics": json.loads(metrics) if metrics else {}}

    def _save_weights(self, out: Path, **kwargs: Any) -> None:  # pragma: no cover - every class overrides it
        raise NotImplementedError

    def build_card(self, repo_id: str | None = None) -> Any:  # pragma: no cover - every class overrides it
        raise NotImplementedError

    def write_directory(
        self, save_directory: str | os.PathLike[str], repo_id: str | None = None, weights: bool = True, **weight_kwargs: Any
    ) -> Path:
        """The one writer of the model-directory format (see the module docstring).
        ``weight_kwargs`` go to the weights' writer (the Trainer passes ``state_dict``);
        ``weights=False`` writes the rest only, after ``Trainer.save_model`` wrote the
        weights (it gathers sharded FSDP/DeepSpeed weights first)."""
        if getattr(self, "export", None):
            raise ValueError("this model was loaded from an export (ONNX/CTranslate2): copy its directory, or export the trained model again")
        out = Path(save_directory)
        out.mkdir(parents=True, exist_ok=True)
        if weights:
            self._save_weights(out, **weight_kwargs)
        if self.tokenizer is not None:
            from vnnews.models.fast_bpe import save_tokenizer

            save_tokenizer(self.tokenizer, out)  # PhoBERT: tokenizer.json beside vocab.txt and bpe.codes
        record = getattr(self, "training_record", None) or {}
        if record.get("config"):
            (out / TRAINING_CONFIG).write_text(yaml.safe_dump(record["config"], allow_unicode=True, sort_keys=False), encoding="utf-8")
        if record.get("metrics"):
            (out / METRICS).write_text(json.dumps(record["metrics"], ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        self.build_card(repo_id).save(str(out / CARD))
        make_readable(out, skip=("checkpoints", "checkpoints-self-training"))
        return out

    def stage_for_hub(self, out_dir: str | os.PathLike[str], repo_id: str) -> list[Path]:
        """Write into ``out_dir`` exactly what ``push_to_hub(repo_id)`` uploads (the card's
        usage snippet names ``repo_id``; every local path in its JSON files replaced by
        ``<local>``); return the files."""
        out = self.write_directory(out_dir, repo_id=repo_id)
        _scrub_directory(out)
        return sorted(p for p in out.iterdir() if p.is_file() and p.suffix in HUB_FILE_SUFFIXES)

    def push_to_hub(
        self,
        repo_id: str,
        *,
        private: bool | None = None,
        revision: str | None = None,
        token: str | None = None,
        commit_message: str | None = None,
        create_pr: bool = False,
        license: str | None = None,  # noqa: A002 - the Hub's and ModelCardData's name for it
    ) -> str:
        """Publish the model to the Hub in one commit: the directory ``save_pretrained``
        writes, with the card naming ``repo_id``. ``revision``: a branch, created when
        missing. The token comes from ``token``, ``HF_TOKEN`` or a ``hf auth login``
        session, through huggingface_hub; vnnews never prints or stores it. Returns
        the commit's URL. ``license``: the card's, where the model's own is unknown or
        contradicts its base model's (otherwise refused, before anything is created)."""
        from huggingface_hub import HfApi

        from vnnews.models.licences import check_licence

        check_licence(self, repo_id, license)  # before anything is created on the Hub
        api = HfApi(token=token)
        repo_id = api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True).repo_id
        if revision:
            api.create_branch(repo_id, branch=revision, repo_type="model", exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="vnnews-push-") as tmp:
            files = self.stage_for_hub(tmp, repo_id)
            commit = api.upload_folder(
                folder_path=tmp,
                repo_id=repo_id,
                repo_type="model",
                revision=revision,
                allow_patterns=[p.name for p in files],
                commit_message=commit_message or f"Upload {type(self).__name__} with vnnews",
                create_pr=create_pr,
            )
        return str(getattr(commit, "commit_url", commit))
