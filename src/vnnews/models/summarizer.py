"""The summarizer model: writes an article's lead (sapo) from its body.

Input is ``prefix + document`` (VietAI's fine-tuned checkpoints expect
"vietnews: "), truncated explicitly to ``max_source_length`` tokens. The document
is :func:`summary_source`: the one definition of what the summarizer reads, used by
the dataset (training examples), batch inference and the service. Generation
settings are saved with the model as its generation config and can be overridden
per call. The model directory (tokenizer, training config, metrics, card) is
written by :mod:`vnnews.models.directory`; training lives in
:mod:`vnnews.recipes.summarizer`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, overload

from vnnews.models.card import VIETNEWS, card_data, data_terms, licence_section, render
from vnnews.models.directory import VnnewsModelMixin
from vnnews.models.loading import (
    check_loaded,
    check_model_dir,
    check_parameter_budget,
    load_errors,
    load_kwargs,
    load_tokenizer,
    model_identity,
    prepare_for_inference,
)

log = logging.getLogger(__name__)
from vnnews.text.normalize import normalize_tone_marks

# The lines the summarizer reads: the article's body and subheadings, in order.
SOURCE_LABELS = ("body", "subheading")


PHOTO_STORY_CAPTIONS = 3  # caption lines a photo story has at least
PHOTO_STORY_CHARS = 300  # and characters in them


def is_photo_story(texts: Sequence[str], labels: Sequence[str | None]) -> bool:
    """A page whose narrative lives under its photos (a photo story, a listicle of
    pictures): at least three captions, holding at least as many characters as the
    body and at least 300 (one photo's credit beside a short text is not a story)."""
    body = sum(len(t) for t, lab in zip(texts, labels, strict=True) if lab in SOURCE_LABELS)
    captions = [len(t) for t, lab in zip(texts, labels, strict=True) if lab == "caption"]
    return len(captions) >= PHOTO_STORY_CAPTIONS and sum(captions) >= max(body, PHOTO_STORY_CHARS)


def summary_lines(texts: Sequence[str], labels: Sequence[str | None] | None) -> list[str]:
    """The article's body as the summarizer reads it and records hold it: body and
    subheading lines; in a photo story (:func:`is_photo_story`) the captions too, in
    page order, since there they are the article. Lines without labels count as clean
    text already (summarize-only jobs over article text)."""
    if labels is None or all(lab is None for lab in labels):
        return list(texts)
    wanted = (*SOURCE_LABELS, "caption") if is_photo_story(texts, labels) else SOURCE_LABELS
    return [t for t, lab in zip(texts, labels, strict=True) if lab in wanted]


def summary_source(texts: Sequence[str], labels: Sequence[str | None] | None) -> str:
    """What the summarizer reads, in training and at inference: :func:`summary_lines`, one per
    line, tone marks in the new style (the dataset's default, "hoá"): records keep the page's
    own marks, and the summarizer should not meet "hóa" where it was trained on "hoá"."""
    return normalize_tone_marks("\n".join(summary_lines(texts, labels)), "new")


SETTINGS_KEY = "vnnews_summarizer"
# (documents, padded source tokens x beams) per generate call when the caller does not say.
# A CPU runs small fixed batches (padding costs it directly); a GPU is filled by tokens: 128
# articles of 1,024 tokens at beam 4. Measured on an H200 (docs/benchmarks.md, issue 20): ViT5-base,
# beam 4, 128 new tokens, 256 VietNews articles: 16.2 articles/s at half this budget, 21.6 at this one
# (22 GiB peak), 21.9 at twice it (44 GiB): per-step overhead stops mattering here, and it fits a 40 GB card.
SUMMARIZE_BATCH = {"cpu": (16, None), "cuda": (256, 524_288)}


def token_batches(lengths: Sequence[int], max_items: int, max_tokens: int | None = None) -> list[list[int]]:
    """Indexes of items sorted by length (longest first), cut into batches of at most
    ``max_items`` items and ``max_tokens`` padded tokens (the longest item x the items; a
    longer item is a batch of its own). The one batching rule of the summarizer."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    for i in order:
        if batches:
            batch = batches[-1]
            width = lengths[batch[0]]  # the longest, as sorted
            if len(batch) < max_items and (max_tokens is None or width * (len(batch) + 1) <= max_tokens):
                batch.append(i)
                continue
        batches.append([i])
    return batches


@dataclass
class GenerationSettings:
    num_beams: int = 4
    max_new_tokens: int = 256
    no_repeat_ngram_size: int = 3
    length_penalty: float = 1.0
    early_stopping: bool = True


# vnnews's own ceiling on generation, whatever a model's generation_config.json or a caller
# asks: a lead is a few sentences (VietNews' run to about 100 tokens), and a model from an
# untrusted source saying min_new_tokens = max_new_tokens = 10^7 would generate for ever.
GENERATION_CAPS: dict[str, int] = {"max_new_tokens": 1024, "min_new_tokens": 1024, "max_length": 2048, "min_length": 1024, "num_beams": 32}

# Generation overrides users set, with the values they may take: (type, lowest, highest).
_GENERATION_RANGES: dict[str, tuple[type, float | None, float | None]] = {
    "num_beams": (int, 1, GENERATION_CAPS["num_beams"]),
    "max_new_tokens": (int, 1, GENERATION_CAPS["max_new_tokens"]),
    "min_new_tokens": (int, 0, GENERATION_CAPS["min_new_tokens"]),
    "max_length": (int, 1, GENERATION_CAPS["max_length"]),
    "min_length": (int, 0, GENERATION_CAPS["min_length"]),
    "no_repeat_ngram_size": (int, 0, None),
    "encoder_no_repeat_ngram_size": (int, 0, None),
    "top_k": (int, 0, None),
    "top_p": (float, 0.0, 1.0),
    "temperature": (float, 0.0, None),
    "repetition_penalty": (float, 0.0, None),
    "length_penalty": (float, None, None),
    "do_sample": (bool, None, None),
    "max_time": (float, 0.0, None),
}
# Flags that change what generate() returns: a summary is one string per document.
_GENERATION_FORBIDDEN = ("num_return_sequences", "return_dict_in_generate", "output_scores", "output_logits", "output_attentions", "output_hidden_states", "streamer")


def check_generation(overrides: dict[str, Any], key: str = "generation") -> None:
    """Refuse generation overrides that would make every summary fail: an unknown
    key (with the close matches), a value of the wrong type or out of range, or a
    flag that changes what ``generate`` returns. Raises ValueError naming the key."""
    import difflib

    from transformers import GenerationConfig

    known = set(GenerationConfig().to_dict()) - {"transformers_version", "_from_model_config"}
    for name, value in overrides.items():
        where = f"{key}.{name}"
        if name in _GENERATION_FORBIDDEN:
            raise ValueError(f"{where}: not allowed (a summary is one string per document)")
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=3)
            raise ValueError(f"{where}: unknown generation setting" + (f"; did you mean {', '.join(close)}?" if close else ""))
        if name == "early_stopping":
            if not (isinstance(value, bool) or value == "never"):
                raise ValueError(f"{where}: expected true, false or 'never', got {value!r}")
            continue
        if name not in _GENERATION_RANGES:
            continue
        kind, low, high = _GENERATION_RANGES[name]
        ok_type = isinstance(value, bool) if kind is bool else (isinstance(value, int) and not isinstance(value, bool)) if kind is int else (isinstance(value, (int, float)) and not isinstance(value, bool))
        if not ok_type:
            raise ValueError(f"{where}: expected {kind.__name__}, got {value!r}")
        if (low is not None and value < low) or (high is not None and value > high) or (name in ("temperature",) and value == 0):
            bounds = f">= {low}" if high is None else f"between {low} and {high}"
            raise ValueError(f"{where}: must be {bounds}" + (" and not 0" if name == "temperature" else "") + f", got {value!r}")


# How a card names the origins of training rows (``label_source``).
_SOURCE_WORDS = {"structured": "from article records", "composed": "from article records composed into pages",
                 "gold": "hand-labelled pages", "weak": "pages labelled by the rules"}


def cap_generation(generation_config: Any, where: str) -> None:
    """Bring a loaded generation config within ``GENERATION_CAPS`` (a warning names each
    setting lowered), and the minimum lengths within the maximum ones."""
    if generation_config is None:
        return
    for name, cap in GENERATION_CAPS.items():
        value = getattr(generation_config, name, None)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > cap:
            log.warning("%s: generation setting %s = %s lowered to vnnews's limit %s", where, name, value, cap)
            setattr(generation_config, name, cap)
    for low, high in (("min_new_tokens", "max_new_tokens"), ("min_length", "max_length")):
        lo, hi = getattr(generation_config, low, None), getattr(generation_config, high, None)
        if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            setattr(generation_config, low, hi)


class Summarizer(VnnewsModelMixin):
    """Writes a lead for each document. Load with ``from_pretrained`` from a directory
    written by ``vnnews train summarizer`` or a Hub id; ``save_pretrained`` and
    ``push_to_hub`` write and publish the full model directory."""

    def __init__(
        self, model: Any, tokenizer: Any, prefix: str = "", max_source_length: int = 1024, device: str | None = None, prepare: bool = True
    ) -> None:
        self.model, self.device = prepare_for_inference(model, device) if prepare else (model, str(model.device))
        self.export: dict[str, Any] | None = None
        generation_config = getattr(self.model, "generation_config", None)
        cap_generation(generation_config, f"{getattr(model.config, '_name_or_path', '') or 'the summarizer'}/generation_config.json")
        if generation_config is not None and generation_config.max_new_tokens is not None:
            # transformers writes its default max_length=20 beside our max_new_tokens and
            # then warns on every generate call; max_new_tokens is the setting that rules.
            generation_config.max_length = None
        self.identity: dict[str, str | None] = {"id": getattr(model.config, "_name_or_path", None) or None, "revision": None}
        self.tokenizer = tokenizer
        self.prefix = prefix
        self.max_source_length = max_source_length
        self.training_record: dict[str, Any] = {}

    @classmethod
    def from_base(
        cls, base_model: str, prefix: str, max_source_length: int, generation: GenerationSettings, revision: str | None = None
    ) -> Summarizer:
        """A summarizer to fine-tune from a T5-format checkpoint or Hub id (``VietAI/vit5-base``):
        the vnnews settings and the generation config set, kept on the CPU in fp32 for the Trainer."""
        from transformers import AutoModelForSeq2SeqLM, GenerationConfig

        tokenizer = load_tokenizer(base_model, revision)
        model = AutoModelForSeq2SeqLM.from_pretrained(base_model, **load_kwargs(revision))
        setattr(model.config, SETTINGS_KEY, {"prefix": prefix, "max_source_length": max_source_length})
        model.generation_config = GenerationConfig(
            **asdict(generation),
            decoder_start_token_id=model.config.decoder_start_token_id,
            eos_token_id=model.config.eos_token_id,
            pad_token_id=model.config.pad_token_id,
        )
        summarizer = cls(model, tokenizer, prefix, max_source_length, prepare=False)
        summarizer.identity = {"id": base_model, "revision": revision}
        return summarizer

    @classmethod
    def from_pretrained(cls, name_or_path: str, device: str | None = None, revision: str | None = None, compute_type: str | None = None) -> Summarizer:
        """Load a trained summarizer (directory or Hub id): safetensors only, no remote
        code, on ``device`` (default: CUDA where available, bf16 where supported). A
        directory written by ``vnnews export --format ct2`` runs on CTranslate2, with
        ``compute_type`` (default: the export's own on a CPU; float16, or int8_float16
        for an int8 export, on a GPU)."""
        from transformers import AutoModelForSeq2SeqLM, PretrainedConfig

        held = check_model_dir(name_or_path)
        with load_errors(name_or_path, "config.json"):
            config = PretrainedConfig.get_config_dict(str(name_or_path), **({"revision": revision} if revision else {}))[0]
        if config.get("vnnews_export"):
            return cls._from_export(str(name_or_path), config, device, revision, compute_type)
        with load_errors(name_or_path, "config.json"):
            from transformers import AutoConfig

            check_parameter_budget(name_or_path, held, lambda: AutoModelForSeq2SeqLM.from_config(AutoConfig.from_pretrained(str(name_or_path))))
        with load_errors(name_or_path):
            tokenizer = load_tokenizer(name_or_path, revision)
            model, info = AutoModelForSeq2SeqLM.from_pretrained(name_or_path, output_loading_info=True, **load_kwargs(revision))
        check_loaded(name_or_path, info)
        stored = getattr(model.config, SETTINGS_KEY, None) or {}
        summarizer = cls(model, tokenizer, stored.get("prefix", ""), stored.get("max_source_length", 1024), device)
        summarizer.identity = model_identity(name_or_path, model, revision)
        summarizer.load_training_record(str(name_or_path), revision)
        return summarizer

    @classmethod
    def _from_export(cls, path: str, config: dict[str, Any], device: str | None, revision: str | None, compute_type: str | None = None) -> Summarizer:
        from transformers import GenerationConfig

        from vnnews.models.runtimes import CT2_DIR, Ct2Generator

        local = Path(path)
        if not local.is_dir():  # a Hub id: the CTranslate2 files are a folder of the repo
            from huggingface_hub import snapshot_download

            local = Path(snapshot_download(path, revision=revision))
        with load_errors(local):
            tokenizer = load_tokenizer(str(local))
            generation = GenerationConfig.from_pretrained(str(local))
        cap_generation(generation, f"{local}/generation_config.json")
        with load_errors(local, f"{CT2_DIR}/model.bin"):
            generator = Ct2Generator(local / CT2_DIR, generation, tokenizer, device=device or "cpu", name=path, compute_type=compute_type, quantized=config["vnnews_export"].get("quantize"))
        stored = config.get(SETTINGS_KEY) or {}
        summarizer = cls(generator, tokenizer, stored.get("prefix", ""), stored.get("max_source_length", 1024), prepare=False)
        summarizer.export = config["vnnews_export"]
        summarizer.identity = {"id": path, "revision": revision or config["vnnews_export"].get("weights")}
        summarizer.load_training_record(str(local), None)
        return summarizer

    def save_pretrained(self, save_directory: str | Path, **weight_kwargs: Any) -> Path:
        """The model directory: weights (safetensors), config.json with the vnnews
        settings, generation config, tokenizer, training config, metrics and card."""
        return self.write_directory(save_directory, **weight_kwargs)

    def _save_weights(self, out: Path, **kwargs: Any) -> None:
        kwargs.setdefault("safe_serialization", True)
        self.model.save_pretrained(str(out), **kwargs)

    @overload
    def summarize(self, documents: str, batch_size: int | None = None, batch_tokens: int | None = None, **generation: Any) -> str: ...

    @overload
    def summarize(self, documents: Sequence[str], batch_size: int | None = None, batch_tokens: int | None = None, **generation: Any) -> list[str]: ...

    def summarize(self, documents: str | Sequence[str], batch_size: int | None = None, batch_tokens: int | None = None, **generation: Any) -> str | list[str]:
        """Summaries of ``documents``, in order. Documents are tokenized once, sorted by
        length and batched: at most ``batch_size`` documents and ``batch_tokens`` padded
        source tokens x beams a batch (defaults by device, ``SUMMARIZE_BATCH``: a fixed
        16 on a CPU; on a GPU up to 256 documents, as many as the token budget holds, so
        short articles fill the card and long ones do not overflow it). ``generation``
        overrides the saved generation config (``num_beams=1, max_new_tokens=64``,
        ``cache_implementation="static"``...). One document in, one string out."""
        import torch

        single = isinstance(documents, str)
        docs = [documents] if single else list(documents)
        kind = "cuda" if str(self.device).startswith("cuda") else "cpu"
        batch_size = batch_size or SUMMARIZE_BATCH[kind][0]
        batch_tokens = batch_tokens if batch_tokens is not None else SUMMARIZE_BATCH[kind][1]
        beams = int(generation.get("num_beams") or getattr(getattr(self.model, "generation_config", None), "num_beams", None) or 1)
        encoded = self.tokenizer([self.prefix + d for d in docs], max_length=self.max_source_length, truncation=True)["input_ids"]
        out: list[str] = [""] * len(docs)
        with torch.inference_mode():
            for idx in token_batches([len(x) for x in encoded], batch_size, batch_tokens // beams if batch_tokens else None):
                enc = self.tokenizer.pad({"input_ids": [encoded[i] for i in idx]}, return_tensors="pt").to(self.device)
                generated = self.model.generate(**enc, **generation)
                for i, text in zip(idx, self.tokenizer.batch_decode(generated, skip_special_tokens=True), strict=True):
                    out[i] = text.strip()
        return out[0] if single else out

    def build_card(self, repo_id: str | None = None) -> Any:
        """The card: ROUGE (model-index), training data, input and generation settings, usage, limitations."""
        config = self.training_record.get("config") or {}
        metrics = self.training_record.get("metrics") or {}
        s = metrics.get("eval") or {}
        g = self.model.generation_config
        base = config.get("base_model") or "a T5-format checkpoint"
        results = [(k, name, s[k]) for k, name in (("rouge1", "ROUGE-1"), ("rouge2", "ROUGE-2"), ("rougeL", "ROUGE-L")) if k in s]
        data = card_data(config, "summarization", "Lead (sapo) generation", results, ["vit5", "t5", "vietnamese", "news", "summarization"], "vnnews lead summarizer")
        table = "\n".join(
            [
                "| tokenization | ROUGE-1 | ROUGE-2 | ROUGE-L |",
                "|---|---:|---:|---:|",
                f"| Vietnamese syllables | {s.get('rouge1', 0):.2f} | {s.get('rouge2', 0):.2f} | {s.get('rougeL', 0):.2f} |",
                f"| compat (rouge_score default) | {s.get('compat_rouge1', 0):.2f} | {s.get('compat_rouge2', 0):.2f} | {s.get('compat_rougeL', 0):.2f} |",
            ]
        ) if s else "No evaluation recorded (an untrained or hand-built model)."
        found = metrics.get("train_sources") or {}
        counts = (found.get("structured", 0) + found.get("composed", 0), found.get("gold", 0) + found.get("weak", 0)) if found else (1, 0)  # older models: records
        sources = (": " + ", ".join(f"{n} {_SOURCE_WORDS.get(k, k)}" for k, n in sorted(found.items()))) if found else f", built from {VIETNEWS}"
        body = f"""# vnnews lead summarizer

Writes the lead (sapo) of a Vietnamese news article from its body. Fine-tuned from `{base}` with vnnews
(`vnnews train summarizer`).

## Evaluation ({metrics.get("eval_split", "not recorded")}, {metrics.get("eval_articles", 0)} articles; ROUGE F x 100)

{table}

"Vietnamese syllables" keeps diacritics (vnnews' ROUGE module); "compat" is rouge_score's default tokenizer,
which deletes letters with diacritics and inflates scores, reported for comparison with published figures.

## Training data

{metrics.get("train_articles", 0)} articles of a vnnews dataset (`summarization` subset: document = body, summary = lead){sources}.
Full config: `training_config.yaml`.

{licence_section(config, data_terms(*counts))}

## Input and generation

Input: `"{self.prefix}" + body` (body and subheading lines, one per line), truncated to {self.max_source_length} tokens.
Generation config (generation_config.json, overridable per call): {g.num_beams} beams, max_new_tokens
{g.max_new_tokens}, no_repeat_ngram_size {g.no_repeat_ngram_size}, length_penalty {g.length_penalty}.

## Usage

```python
# pip install vnnews
from vnnews.models import Summarizer

summarizer = Summarizer.from_pretrained("PATH_OR_HUB_ID")
print(summarizer.summarize(body_text))                  # the saved generation settings
print(summarizer.summarize(body_text, num_beams=1))    # overridden
```

A stock `pipeline("summarization")` would not add the `"{self.prefix}"` prefix nor truncate like vnnews;
use the class above or `vnnews infer`.

## Limitations

Abstractive: a summary can state things the body does not (check names and figures before publishing). Trained
on {"news articles with a lead, as in the training data above" if found else "VietNews-style articles"}; other genres and very long bodies (truncated at {self.max_source_length} tokens) will do
worse. Not for use in fp16 (T5 overflows).
"""
        return render(data, body, repo_id)
