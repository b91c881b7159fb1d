"""Loading models: safetensors only, never remote code, the right device and
precision, and the identity a prediction record names. Shared by the model
classes (:mod:`vnnews.models`) and the training recipes."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def load_tokenizer(name_or_path: str, revision: str | None = None) -> Any:
    """The tokenizer of a local directory or Hub id; never remote code. A PhoBERT directory
    vnnews wrote loads its ``tokenizer.json`` (:class:`~vnnews.models.fast_bpe.PhobertTokenizerFast`,
    the same ids as the slow tokenizer). A name that is
    neither (a base not built yet, a typo, the Hub out of reach) fails in one line that
    says so, not in the Hub client's traceback."""
    from transformers import AutoTokenizer

    from vnnews.models.fast_bpe import load_phobert_fast

    if Path(name_or_path).is_dir() and (fast := load_phobert_fast(name_or_path)) is not None:
        return fast  # PhoBERT's BPE in Rust, written by vnnews beside vocab.txt and bpe.codes
    try:
        return AutoTokenizer.from_pretrained(name_or_path, trust_remote_code=False, **({"revision": revision} if revision else {}))
    except OSError as exc:
        if Path(name_or_path).exists():
            raise
        raise ModelFileError(not_found_message(name_or_path, exc)) from None


def not_found_message(name_or_path: str, exc: BaseException) -> str:
    """Why a base model could not be found, and how a newcomer gets one."""
    cause = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
    return (
        f"{name_or_path}: no such local directory, and the Hugging Face Hub did not give it ({cause}). "
        "Check the name, or build a local base first: vnnews make-tiny classifier|summarizer DIR "
        "(tiny, offline) or vnnews make-replica phobert-base-v2|vit5-base DIR"
    )


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


PRECISIONS = ("auto", "fp32", "bf16")


def check_precision(key: str, precision: str) -> None:
    """Refuse a precision vnnews does not have, naming the setting."""
    if precision not in PRECISIONS:
        raise ValueError(f"{key} must be one of {', '.join(PRECISIONS)}, got {precision!r}")


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AMX or AVX512-BF16, as oneDNN sees it):
    elsewhere bf16 matrix products are emulated and slower than fp32."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # pragma: no cover - a torch build without oneDNN
        return False


def prepare_for_inference(model: Any, device: str | None = None, precision: str = "auto") -> tuple[Any, str]:
    """``model`` in eval mode on ``device`` (default: CUDA where available, else CPU).
    ``precision`` "auto": bf16 on a GPU that supports it (half the memory, tensor cores; both
    model families are trained in bf16 or fp32, so bf16 inference is safe), fp32 on a CPU,
    where the labels are the ones training measured; "fp32" everywhere; "bf16" on a CPU
    too: about four times faster for a PhoBERT-base-shaped labeller on a CPU with AMX
    (benchmarks/cost_per_page.py --base), where a line's label can change on a near tie."""
    import torch

    check_precision("precision", precision)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    on_gpu = str(device).startswith("cuda")
    if precision == "bf16" and on_gpu and not torch.cuda.is_bf16_supported():
        raise ValueError(f"precision bf16: the GPU {device} does not support bf16; use precision auto or fp32")
    if precision == "bf16" and not on_gpu and str(device).startswith("cpu") and not cpu_has_bf16():
        log.warning("precision bf16 on a CPU without bf16 instructions (AMX, AVX512-BF16): slower than fp32 here")
    if (precision == "auto" and on_gpu and torch.cuda.is_bf16_supported()) or precision == "bf16":
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


@contextlib.contextmanager
def expected_unused_weights() -> Iterator[None]:
    """Silence transformers' load report while loading a pre-trained encoder whose
    pre-training head (``lm_head``) vnnews drops on purpose: the report's UNEXPECTED table
    would tell a user about weights they cannot and need not do anything about. Errors
    (size mismatches, conversion failures) still raise."""
    # transformers checks a tensor-parallel plan whenever modeling_utils' level is set, and
    # then warns (from its own logger) that no layer was sharded: silenced with the rest
    names = ("transformers.modeling_utils", "transformers.utils.loading_report", "transformers.distributed.tensor_parallel")
    loggers = [logging.getLogger(name) for name in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def load_kwargs(revision: str | None = None) -> dict[str, Any]:
    """Arguments for every ``from_pretrained``: safetensors only, never remote code."""
    kwargs: dict[str, Any] = {"use_safetensors": True, "trust_remote_code": False}
    if revision:
        kwargs["revision"] = revision
    return kwargs


class ModelFileError(ValueError):
    """A model directory whose files are missing or damaged; the message names the file and the cause."""


_EXPORT_FILES = {"onnx": ("line_encoder.onnx", "head.safetensors"), "ct2": ("ctranslate2/model.bin",)}
_EXPORT_NAMES = {"onnx": "an ONNX", "ct2": "a CTranslate2"}
_JSON_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json", "added_tokens.json")


# Sizes a config may claim (transformers allocates what config.json says before any weight
# is read: 10^6 layers would fill memory): far above any published PhoBERT, ViT5 or T5.
SIZE_BOUNDS = {
    "num_hidden_layers": 256, "num_layers": 256, "num_decoder_layers": 256, "num_attention_heads": 512, "num_heads": 512,
    "hidden_size": 32_768, "d_model": 32_768, "intermediate_size": 131_072, "d_ff": 131_072, "d_kv": 4_096,
    "vocab_size": 2_000_000, "max_position_embeddings": 1_048_576, "type_vocab_size": 1_024, "relative_attention_num_buckets": 4_096,
    "relative_attention_max_distance": 1_048_576, "lstm_hidden": 32_768, "lstm_layers": 64,
}


def _read_json(path: Path) -> Any:
    """A JSON file of a model directory, or one error naming it: not JSON, not UTF-8, or
    nested too deeply for Python to read."""
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise ModelFileError(f"{path}: JSON nested too deeply to read") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: not valid JSON ({str(exc).splitlines()[0]})") from None


def check_sizes(config: Any, where: str, prefix: str = "") -> None:
    """Every size in ``config`` (and its nested configs) is a whole number within
    ``SIZE_BOUNDS``: a damaged or hostile config.json is refused before anything is built."""
    if not isinstance(config, dict):
        return
    for key, value in config.items():
        if isinstance(value, dict):
            check_sizes(value, where, f"{prefix}{key}.")
        elif key in SIZE_BOUNDS and value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SIZE_BOUNDS[key]:
                raise ModelFileError(f"{where}: {prefix}{key} = {value!r} is not a size vnnews loads (0 to {SIZE_BOUNDS[key]:,})")


def _check_safetensors(path: Path) -> int:
    """A safetensors file's header is whole and its tensors fit in the file (a copy cut
    short fails here, named, instead of deep inside the loader). Returns how many numbers
    its tensors hold (their shapes, from the header)."""
    import json
    import math
    import struct

    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise ModelFileError(f"{path}: not a safetensors file ({size} bytes)")
        (n,) = struct.unpack("<Q", head)
        if n > size - 8:
            raise ModelFileError(f"{path}: truncated or not safetensors (its header claims {n:,} bytes, the file has {size:,})")
        try:
            header = json.loads(f.read(n))
        except RecursionError:
            raise ModelFileError(f"{path}: damaged safetensors header (JSON nested too deeply)") from None
        except (ValueError, UnicodeDecodeError):
            raise ModelFileError(f"{path}: damaged safetensors header (not JSON)") from None
    if not isinstance(header, dict):
        raise ModelFileError(f"{path}: damaged safetensors header (a JSON {type(header).__name__}, not an object)")
    ends, numbers = [], 0
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
        shape = entry.get("shape") if isinstance(entry, dict) else None
        if (
            not isinstance(offsets, list) or len(offsets) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in offsets) or offsets[0] > offsets[1]
            or not isinstance(shape, list) or not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in shape)
            or not isinstance(entry.get("dtype"), str)
        ):
            raise ModelFileError(f"{path}: damaged safetensors header (tensor {printable_key(key)}: dtype, shape or data_offsets malformed)")
        ends.append(offsets[1])
        numbers += math.prod(shape)
    needed = 8 + n + max(ends, default=0)
    if needed > size:
        raise ModelFileError(f"{path}: truncated (its tensors need {needed:,} bytes, the file has {size:,}): copy or download it again")
    return numbers


def check_model_dir(name_or_path: str | os.PathLike[str]) -> int | None:
    """For a local model directory: config.json present, every JSON file readable, every
    safetensors file whole, an export's runtime files present. Raises ModelFileError
    naming the file and the cause (a Hub id is left to the Hub client). Returns how many
    numbers the directory's safetensors files hold (for :func:`check_parameter_budget`);
    None for a Hub id or a directory without them."""

    root = Path(name_or_path)
    if not root.is_dir():
        if means_local(str(name_or_path)):
            raise ModelFileError(f"{name_or_path}: no such model directory{_siblings(root)}")
        return
    config_path = root / "config.json"
    if not config_path.is_file():
        raise ModelFileError(f"{root}: no config.json, not a model directory")
    parsed: dict[str, Any] = {}
    for name in _JSON_FILES:
        path = root / name
        if path.is_file():
            parsed[name] = _read_json(path)
            if name != "added_tokens.json" and not isinstance(parsed[name], dict):
                raise ModelFileError(f"{path}: must hold a JSON object, got a {type(parsed[name]).__name__}")
    config = parsed["config.json"]
    check_sizes(config, str(config_path))
    export = config.get("vnnews_export")
    if isinstance(export, dict):
        for name in _EXPORT_FILES.get(str(export.get("format")), ()):
            if not (root / name).is_file():
                raise ModelFileError(f"{root}: missing {name}, which {_EXPORT_NAMES[str(export.get('format'))]} export holds: export the model again")
    files = sorted(root.glob("*.safetensors"))
    return sum(_check_safetensors(path) for path in files) if files else None


def check_parameter_budget(root: str | os.PathLike[str], held: int | None, build: Any) -> None:
    """Refuse, before any memory is given to it, a model whose config describes more
    parameters than its weights files hold (``held``, from :func:`check_model_dir`; None:
    not known here, no check): ``build()`` makes the model on the meta device (no
    memory), its parameters are counted (tied ones once) and compared. Otherwise
    transformers would allocate and randomly fill what is missing."""
    import torch

    if held is None:
        return
    with torch.device("meta"):
        model = build()
    wanted = sum(p.numel() for p in model.parameters())
    if wanted > held * 1.01 + 1024:
        raise ModelFileError(
            f"{Path(root) / 'config.json'}: describes a model of {wanted:,} parameters, its weights hold {held:,}: refused before building it "
            "(a config that does not belong to these weights)"
        )


def printable_key(key: str) -> str:
    return repr(key[:80])


def check_loaded(name_or_path: str | os.PathLike[str], info: dict[str, Any]) -> None:
    """Refuse a model whose weights file lacks tensors its config asks for, or holds ones
    it does not: transformers would fill the missing ones with random values and the
    records would be written as that model."""
    missing = sorted(info.get("missing_keys") or [])
    unexpected = sorted(info.get("unexpected_keys") or [])
    mismatched = [str(k[0] if isinstance(k, tuple) else k) for k in (info.get("mismatched_keys") or [])]
    for what, keys in (("missing", missing), ("unexpected", unexpected), ("with the wrong shape", mismatched)):
        if keys:
            shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
            raise ModelFileError(f"{name_or_path}: weights {what} in model.safetensors for the architecture config.json describes: {shown}")


def means_local(name: str) -> bool:
    """Whether ``name`` can only be a path on this machine, not a Hub id: it starts with
    /, ./, ../ or ~, has more than one /, or its first part is a local folder (``runs/nope``
    where ``runs/`` exists): a typo there must not turn into a Hub request."""
    if name.startswith(("/", "./", "../", "~")) or os.sep != "/" and os.sep in name:
        return True
    parts = name.split("/")
    return len(parts) > 2 or (len(parts) == 2 and Path(parts[0]).is_dir())


def _siblings(path: Path) -> str:
    """``; PARENT has: a, b, c`` (the model directories beside a mistyped one), or ``''``."""
    parent = path.expanduser().parent
    try:
        found = sorted(p.name for p in parent.iterdir() if (p / "config.json").is_file())[:8]
    except OSError:
        return ""
    return f"; {parent} has: {', '.join(found)}" if found else ""


def model_file_error(name_or_path: str | os.PathLike[str], exc: BaseException, file: str | None = None) -> ModelFileError:
    """One line for a model that failed to load: the file (or directory) and the cause,
    without the loader's traceback."""
    where = Path(name_or_path) / file if file else name_or_path
    cause = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ModelFileError(f"{where}: cannot load ({type(exc).__name__}: {cause[:300]})")


@contextlib.contextmanager
def load_errors(name_or_path: str | os.PathLike[str], file: str | None = None) -> Iterator[None]:
    """Turn whatever a loader raises into one :class:`ModelFileError` naming the file (or
    the directory) and the cause; the traceback goes to the debug log (``vnnews -v``). A
    missing extra and an error already naming its file pass through unchanged."""
    from vnnews.extras import MissingExtra

    try:
        yield
    except (ModelFileError, MissingExtra):
        raise
    except Exception as exc:  # noqa: BLE001 - any loader failure becomes one line
        logging.getLogger(__name__).debug("loading %s failed", name_or_path, exc_info=True)
        if isinstance(exc, OSError) and not Path(name_or_path).exists():  # a Hub id the Hub did not give
            cause = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise ModelFileError(
                f"{name_or_path}: no such local directory, and the Hugging Face Hub did not give it ({cause}); "
                "check the name, or give the directory of a model trained with `vnnews train`"
            ) from None
        raise model_file_error(name_or_path, exc, file) from None
