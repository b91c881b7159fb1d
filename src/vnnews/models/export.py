"""Fast inference: the models exported for CPU runtimes, int8 where asked.

- The classifier's line encoder (the PhoBERT part, nearly all of its compute) goes to
  ONNX Runtime: exported with ``torch.onnx.export`` together with the mean pooling
  (token ids in, one vector per line out), then, for ``int8``, dynamically quantized
  (``onnxruntime.quantization.quantize_dynamic``: int8 weights, activations quantized
  on the fly). The small head (layout-feature projection, BiLSTM over the page,
  classification layer) stays in torch; its weights are ``head.safetensors``.
- The summarizer goes to CTranslate2 (its T5 converter; ``int8`` weights), which runs
  beam search in C++ with a KV cache.

An exported directory is self-contained and loads where a trained one does
(``PageLabeler.from_pretrained``, ``Summarizer.from_pretrained``, ``vnnews infer``,
``vnnews serve``): config.json holds the vnnews settings and a ``vnnews_export`` entry
(format, quantization, the source model's identity), beside the tokenizer, the
generation config and a card saying what was exported from what and how. The runtimes
that load and run an export are in :mod:`vnnews.models.runtimes`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import warnings
from pathlib import Path
from typing import Any, Literal

import torch

from vnnews.extras import require
from vnnews.models.runtimes import CT2_DIR, EXPORT_KEY, HEAD_FILE, ONNX_FILE  # what loads and runs an export lives there

Format = Literal["onnx", "ct2"]
Quantize = Literal["int8", "none"]


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return "sha256:" + h.hexdigest()[:16]


def _export_classifier(model: Any, out: Path, quantize: Quantize) -> dict[str, Any]:
    from safetensors.torch import save_file

    require("onnx", "onnx", "vnnews export --format onnx")
    encoder = model.encoder.float().eval()

    class LinePooler(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)

    pad = model.tokenizer.pad_token_id
    ids = torch.full((3, 8), pad, dtype=torch.long)
    ids[:, :5] = torch.arange(5, 10)
    mask = (ids != pad).long()
    fp32 = out / ("line_encoder.fp32.onnx" if quantize == "int8" else ONNX_FILE)
    with torch.inference_mode(), warnings.catch_warnings():
        # the tracer's notes on transformers' masking code: the traced graph takes any
        # batch and length (dynamic axes; the parity test checks padded batches)
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LinePooler().eval(), (ids, mask), str(fp32), input_names=["input_ids", "attention_mask"], output_names=["pooled"],
            dynamic_axes={"input_ids": {0: "lines", 1: "tokens"}, "attention_mask": {0: "lines", 1: "tokens"}, "pooled": {0: "lines"}},
            opset_version=17, dynamo=False,
        )
    if quantize == "int8":
        quantization = require("onnxruntime.quantization", "onnx", "vnnews export --quantize int8")
        quiet = logging.getLogger().level
        logging.getLogger().setLevel(logging.ERROR)
        try:
            quantization.quantize_dynamic(  # it suggests pre-processing through the root logger; the int8 model is the same
                str(fp32), str(out / ONNX_FILE), weight_type=quantization.QuantType.QInt8)
        finally:
            logging.getLogger().setLevel(quiet)
        fp32.unlink()
    head = {k: v.detach().float().contiguous() for k, v in model.state_dict().items() if not k.startswith("encoder.")}
    save_file(head, str(out / HEAD_FILE))
    config = model.config.to_dict()
    config.pop("_name_or_path", None)
    if model.tokenizer is not None:
        from vnnews.models.fast_bpe import save_tokenizer

        save_tokenizer(model.tokenizer, out)
    return config


def _export_summarizer(summarizer: Any, source: Path, out: Path, quantize: Quantize) -> dict[str, Any]:
    ct2 = require("ctranslate2", "ct2", "vnnews export --format ct2")
    ct2.converters.TransformersConverter(str(source)).convert(str(out / CT2_DIR), quantization="int8" if quantize == "int8" else None)
    summarizer.tokenizer.save_pretrained(str(out))
    summarizer.model.generation_config.save_pretrained(str(out))
    config = summarizer.model.config.to_dict()
    config.pop("_name_or_path", None)
    return config


def export_model(model_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str], format: Format | None = None, quantize: Quantize = "int8") -> Path:
    """Export the trained model at ``model_dir`` (directory or Hub id) to ``out_dir`` (new or
    empty): the classifier to ONNX, the summarizer to CTranslate2 (``format`` None: the one
    its kind takes), int8 unless ``quantize="none"``. Returns ``out_dir``."""
    from vnnews.models import load_model
    from vnnews.models.page_labeler import PageLabeler

    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; give a new or empty directory")
    model = load_model(str(model_dir), device="cpu")
    kind = "classifier" if isinstance(model, PageLabeler) else "summarizer"
    format = format or ("onnx" if kind == "classifier" else "ct2")
    if (kind, format) not in (("classifier", "onnx"), ("summarizer", "ct2")):
        raise ValueError(f"a {kind} exports to {'onnx' if kind == 'classifier' else 'ct2'}, not {format}")
    if getattr(model, "export", None):  # set by from_pretrained on a directory with config.json["vnnews_export"]
        raise ValueError(f"{model_dir} is already an export; export the trained model it came from")
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    try:
        if kind == "classifier":
            config = _export_classifier(model, out, quantize)
            weights = out / ONNX_FILE
        else:
            source = Path(str(model_dir))
            if not source.is_dir():  # a Hub id: the converter reads a local copy
                source = out / ".source"
                model.save_pretrained(source)
            config = _export_summarizer(model, source, out, quantize)
            if source.name == ".source":
                shutil.rmtree(source)
            weights = out / CT2_DIR / "model.bin"
        config[EXPORT_KEY] = {
            "format": format,
            "quantize": quantize,
            "source": model.identity,
            "weights": _digest(weights),
            "seconds": round(time.perf_counter() - started, 1),
        }
        (out / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        record = model.training_record or {}
        if record.get("metrics"):
            (out / "metrics.json").write_text(json.dumps(record["metrics"], ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        (out / "README.md").write_text(export_card(kind, config[EXPORT_KEY], model), encoding="utf-8")
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)  # ours: made above, half-written
        raise
    return out


def export_card(kind: str, info: dict[str, Any], model: Any) -> str:
    """README.md of an exported directory: what, from which model, how, and how to load it."""
    source = info["source"]
    runtime = "ONNX Runtime (CPU)" if info["format"] == "onnx" else "CTranslate2"
    what = (
        "the classifier's line encoder (PhoBERT part with mean pooling) as ONNX; the head (layout features, "
        "BiLSTM, classification layer) in `head.safetensors`, run by torch"
        if kind == "classifier"
        else "the whole summarizer (encoder, decoder, beam search) as a CTranslate2 model in `ctranslate2/`"
    )
    quant = "int8 weights (dynamic quantization)" if info["quantize"] == "int8" else "float32 weights"
    return f"""---
language: [vi]
library_name: vnnews
tags: [vnnews, {"onnx" if info["format"] == "onnx" else "ctranslate2"}, {info["quantize"]}, vietnamese, news]
---

# vnnews {kind}, exported for {runtime}

Exported by `vnnews export` from `{source.get("id")}` (revision `{source.get("revision")}`): {what}; {quant}.
Weights digest `{info["weights"]}`. The vnnews settings (segmentation, line limits, prefix, source length) are in
`config.json`{", the generation settings in `generation_config.json`" if kind == "summarizer" else ""}; the tokenizer is beside them.

## Usage

```python
from vnnews.models import {"PageLabeler" if kind == "classifier" else "Summarizer"}

model = {"PageLabeler" if kind == "classifier" else "Summarizer"}.from_pretrained("PATH")   # detected from config.json: {info["format"]}
```

or `vnnews infer pages/ --{kind} PATH -o out.jsonl` / `vnnews serve --{kind} PATH`. Needs `pip install 'vnnews[{info["format"]}]'`.

## Accuracy

int8 changes the numbers slightly: the project measures label agreement (classifier) and token agreement
and ROUGE (summarizer) against the torch model in docs/benchmarks.md. Re-check on your own pages before
replacing a torch model in production.
"""
