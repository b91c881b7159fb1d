"""Loading models: safetensors only, never remote code, the right device and
precision, and the identity a prediction record names. Shared by the model
classes (:mod:`vnnews.models`) and the training recipes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any


def load_tokenizer(name_or_path: str, revision: str | None = None) -> Any:
    """The tokenizer of a local directory or Hub id; never remote code."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(name_or_path, trust_remote_code=False, **({"revision": revision} if revision else {}))


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def device_description() -> str:
    import torch

    if torch.cuda.is_available():
        return f"cuda ({torch.cuda.get_device_name(0)})"
    return f"cpu ({os.cpu_count()} cores)"


def check_device(device: str | None, key: str = "device") -> None:
    """Refuse a device this machine does not have (``cuda:7`` with one GPU, ``cuda``
    without CUDA, a misspelt name) at config time, with the key and the choices,
    instead of a traceback when the first model moves there."""
    if device is None:
        return
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"{key}: {device!r} is not a device name (cpu, cuda, cuda:N, mps): {exc}") from None
    if dev.type == "cuda":
        n = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if n == 0:
            raise ValueError(f"{key}: {device!r}, but this machine has no CUDA device; use device=cpu or leave device unset")
        if dev.index is not None and dev.index >= n:
            raise ValueError(f"{key}: {device!r}, but this machine has {n} CUDA device(s): cuda:0 to cuda:{n - 1}")
    elif dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"{key}: {device!r}, but MPS is not available on this machine")
    elif dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"{key}: {device!r} is not supported; use cpu, cuda, cuda:N or mps")


def prepare_for_inference(model: Any, device: str | None = None) -> tuple[Any, str]:
    """``model`` in eval mode on ``device`` (default: CUDA where available, else CPU),
    in bf16 on a GPU that supports it (half the memory, tensor cores; both model
    families are trained in bf16 or fp32, so bf16 inference is safe), else fp32."""
    import torch

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if str(device).startswith("cuda") and torch.cuda.is_bf16_supported():
        model = model.to(torch.bfloat16)
    return model.eval().to(device), str(device)


def model_identity(name_or_path: str, model: Any, revision: str | None = None) -> dict[str, str | None]:
    """What a prediction record names as its model: the id or path given, and the
    revision: the Hub commit resolved at load time, else the one asked for, else
    (local directory) ``sha256:`` + the first 16 hex digits of its weights' hash, so
    two runs can be told apart even when the directory name is reused."""
    commit = getattr(model.config, "_commit_hash", None) or revision
    if not commit:
        weights = Path(name_or_path) / "model.safetensors"
        if weights.is_file():
            digest = hashlib.sha256()
            with weights.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            commit = "sha256:" + digest.hexdigest()[:16]
    return {"id": str(name_or_path), "revision": commit}


def load_kwargs(revision: str | None = None) -> dict[str, Any]:
    """Arguments for every ``from_pretrained``: safetensors only, never remote code."""
    kwargs: dict[str, Any] = {"use_safetensors": True, "trust_remote_code": False}
    if revision:
        kwargs["revision"] = revision
    return kwargs
