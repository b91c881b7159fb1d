"""The runtimes that run an export (:mod:`vnnews.models.export` writes them): ONNX
Runtime for the classifier's line encoder, CTranslate2 for the summarizer. Apart from
the writer so that the model classes, which load exports, and the exporter, which loads
models, do not import each other.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from vnnews.extras import require

EXPORT_KEY = "vnnews_export"  # config.json's entry naming an export (format, quantization, source)
ONNX_FILE = "line_encoder.onnx"
HEAD_FILE = "head.safetensors"
CT2_DIR = "ctranslate2"


class OnnxLinePooler(nn.Module):
    """The classifier's line encoder run by ONNX Runtime: (input_ids, attention_mask) ->
    one mean-pooled vector per line, as a torch tensor (the head stays in torch). A
    module without parameters, so it takes the torch encoder's place in the model.

    Its intra-op threads are ``threads`` when given, else torch's thread count in this
    process at the time of the call, the one count :func:`vnnews.machine.limit_threads`
    sets for the models of a job (ONNX Runtime's own default ignores it, an
    ``OMP_NUM_THREADS`` cap included). The session is opened at load, so a broken file
    fails there, and opened again, once, when that count has changed since (``vnnews
    infer`` and ``serve`` set it after loading)."""

    pooled_output = True

    def __init__(self, path: str | os.PathLike[str], threads: int | None = None) -> None:
        super().__init__()
        self.path = str(path)
        self.threads = threads
        self.session = self._open()

    def wanted_threads(self) -> int:
        return self.threads or max(1, torch.get_num_threads())

    def _open(self) -> Any:
        ort = require("onnxruntime", "onnx", "running an ONNX export")
        options = ort.SessionOptions()
        self.session_threads = self.wanted_threads()
        options.intra_op_num_threads = self.session_threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        return ort.InferenceSession(self.path, sess_options=options, providers=["CPUExecutionProvider"])

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        if self.session_threads != self.wanted_threads():
            self.session = self._open()
        out = self.session.run(None, {"input_ids": input_ids.cpu().numpy(), "attention_mask": attention_mask.cpu().numpy()})[0]
        return torch.from_numpy(out)


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
        on_gpu = device.startswith("cuda")
        self.path = str(path)
        self.requested_workers = workers
        self.compute_type = compute_type or gpu_compute_type(quantized) if on_gpu else compute_type or "default"
        self.generation_config = generation_config
        self.tokenizer = tokenizer
        self.device = device
        self.config = type("Ct2Config", (), {"_name_or_path": name})()
        self.translator = self._open()

    def wanted_workers(self) -> int:
        """Batches translated at once. On a CPU, beam search is many small steps: one
        thread per batch and several batches at once beat several threads on one batch
        (2 cores, ViT5-base int8, beam 4: 0.464 against 0.316 articles/s,
        benchmarks/export_speed.py, docs/benchmarks.md); as many as torch has threads in
        this process (the count :func:`vnnews.machine.limit_threads` sets for a job's
        models), at most 4, unless ``workers`` was given."""
        if self.device.startswith("cuda"):
            return 1
        return self.requested_workers or min(4, max(1, torch.get_num_threads()))

    def _open(self) -> Any:
        """The translator, with :meth:`wanted_workers` threads (opened again, once, when
        that count changes after loading: ``vnnews infer`` and ``serve`` set it then)."""
        ct2 = require("ctranslate2", "ct2", "running a CTranslate2 export")
        on_gpu = self.device.startswith("cuda")
        index = int(self.device.split(":", 1)[1]) if on_gpu and ":" in self.device else 0
        self.workers = self.wanted_workers()
        return ct2.Translator(
            self.path, device="cuda" if on_gpu else "cpu", device_index=index, compute_type=self.compute_type,
            intra_threads=1 if not on_gpu else 0, inter_threads=self.workers,
        )

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
        # CTranslate2's lengths count the decoder's start token, which it returns with the
        # tokens (transformers' max_new_tokens/min_new_tokens do not): one more, or every
        # summary cut at max_new_tokens would be a token short of the torch model's
        for key in ("max_decoding_length", "min_decoding_length"):
            if key in out:
                out[key] += 1
        out.setdefault("beam_size", 1)
        return out

    def generate(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, **generation: Any) -> list[list[int]]:
        if self.workers != self.wanted_workers():
            self.translator = self._open()
        sources = [self.tokenizer.convert_ids_to_tokens(ids[mask.bool()].tolist()) for ids, mask in zip(input_ids, attention_mask, strict=True)]
        per_worker = -(-len(sources) // self.workers)  # the batch shared out over the workers
        if not self.device.startswith("cuda"):
            per_worker = min(per_worker, CPU_SUB_BATCH)
        results = self.translator.translate_batch(sources, max_batch_size=per_worker, **self.settings(generation))
        return [self.tokenizer.convert_tokens_to_ids(r.hypotheses[0]) for r in results]
