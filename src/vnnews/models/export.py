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
generation config and a card saying what was exported from what and how.
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
from torch import nn

from vnnews.extras import require
from vnnews.machine import available_cores

EXPORT_KEY = "vnnews_export"
ONNX_FILE = "line_encoder.onnx"
HEAD_FILE = "head.safetensors"
CT2_DIR = "ctranslate2"
Format = Literal["onnx", "ct2"]
Quantize = Literal["int8", "none"]


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return "sha256:" + h.hexdigest()[:16]


class OnnxLinePooler(nn.Module):
    """The classifier's line encoder run by ONNX Runtime: (input_ids, attention_mask) ->
    one mean-pooled vector per line, as a torch tensor (the head stays in torch). A
    module without parameters, so it takes the torch encoder's place in the model."""

    pooled_output = True

    def __init__(self, path: str | os.PathLike[str], threads: int | None = None) -> None:
        super().__init__()
        ort = require("onnxruntime", "onnx", "running an ONNX export")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or available_cores()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        out = self.session.run(None, {"input_ids": input_ids.cpu().numpy(), "attention_mask": attention_mask.cpu().numpy()})[0]
        return torch.from_numpy(out)


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
        model.tokenizer.save_pretrained(str(out))
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


# Generation settings the CTranslate2 backend maps (transformers name -> translate_batch argument).
_CT2_ARGS = {
    "num_beams": "beam_size",
    "max_new_tokens": "max_decoding_length",
    "min_new_tokens": "min_decoding_length",
    "no_repeat_ngram_size": "no_repeat_ngram_size",
    "length_penalty": "length_penalty",
    "repetition_penalty": "repetition_penalty",
    "top_k": "sampling_topk",
    "top_p": "sampling_topp",
    "temperature": "sampling_temperature",
}
_CT2_IGNORED = ("early_stopping", "do_sample", "max_length", "min_length")  # do_sample: top_k/top_p/temperature say it


# On a CPU, sub-batches larger than this run slower per article: beam search reads every
# hypothesis's cross-attention cache at each step, and small groups stay in the CPU caches
# (benchmarks/export_speed.py summarizer --ct2-sub-batch N; figures in docs/benchmarks.md).
CPU_SUB_BATCH = 4


def gpu_compute_type(quantized: str | None) -> str:
    """CTranslate2's compute type on a GPU for an export quantized as ``quantized``: int8
    weights with float16 activations for an int8 export (its size, tensor cores for the
    rest), float16 for a float32 one (half the memory traffic of float32)."""
    return "int8_float16" if quantized == "int8" else "float16"


class Ct2Generator:
    """A CTranslate2 translator behind the ``generate`` call :class:`Summarizer` makes:
    token ids in, generated token ids out, the saved generation config as defaults."""

    def __init__(
        self,
        path: Path,
        generation_config: Any,
        tokenizer: Any,
        device: str = "cpu",
        name: str = "",
        workers: int | None = None,
        compute_type: str | None = None,
        quantized: str | None = None,
    ) -> None:
        ct2 = require("ctranslate2", "ct2", "running a CTranslate2 export")
        on_gpu = device.startswith("cuda")
        # On a CPU, beam search is many small steps: one thread per batch and several
        # batches at once beat several threads on one batch (2 cores, ViT5-base int8,
        # beam 4: 0.464 against 0.316 articles/s, benchmarks/export_speed.py, docs/benchmarks.md).
        self.workers = 1 if on_gpu else (workers or min(4, available_cores()))
        self.compute_type = compute_type or gpu_compute_type(quantized) if on_gpu else compute_type or "default"
        index = int(device.split(":", 1)[1]) if on_gpu and ":" in device else 0
        self.translator = ct2.Translator(
            str(path), device="cuda" if on_gpu else "cpu", device_index=index, compute_type=self.compute_type,
            intra_threads=1 if not on_gpu else 0, inter_threads=self.workers,
        )
        self.generation_config = generation_config
        self.tokenizer = tokenizer
        self.device = device
        self.config = type("Ct2Config", (), {"_name_or_path": name})()

    def settings(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """translate_batch arguments: the saved generation config, then ``overrides``."""
        g = self.generation_config
        merged = {k: getattr(g, k, None) for k in _CT2_ARGS} | overrides
        if not merged.get("do_sample"):
            merged = {k: v for k, v in merged.items() if k not in ("top_k", "top_p", "temperature")}
        unsupported = sorted(k for k in overrides if k not in _CT2_ARGS and k not in _CT2_IGNORED)
        if unsupported:
            raise ValueError(f"generation settings {', '.join(unsupported)} are not supported by a CTranslate2 export; use the torch model")
        out = {_CT2_ARGS[k]: v for k, v in merged.items() if k in _CT2_ARGS and v is not None}
        out.setdefault("beam_size", 1)
        return out

    def generate(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, **generation: Any) -> list[list[int]]:
        sources = [self.tokenizer.convert_ids_to_tokens(ids[mask.bool()].tolist()) for ids, mask in zip(input_ids, attention_mask, strict=True)]
        per_worker = -(-len(sources) // self.workers)  # the batch shared out over the workers
        if not self.device.startswith("cuda"):
            per_worker = min(per_worker, CPU_SUB_BATCH)
        results = self.translator.translate_batch(sources, max_batch_size=per_worker, **self.settings(generation))
        return [self.tokenizer.convert_tokens_to_ids(r.hypotheses[0]) for r in results]
