"""Batch inference: pages in, clean articles and summaries out (``vnnews infer``)."""

from vnnews.inference.records import article_record, record_features, summary_document
from vnnews.inference.runner import run_inference
from vnnews.inference.stages import (
    InferenceConfig,
    InferenceResult,
    Models,
    RaySettings,
    RuleLabeller,
    load_models,
    process_chunk,
)
from vnnews.inference.store import (
    PartStore,
    default_errors_path,
    output_format,
    read_errors,
    read_ids,
    read_records,
    write_output,
)

__all__ = [
    "RECORD_FEATURES",
    "InferenceConfig",
    "InferenceResult",
    "Models",
    "PartStore",
    "RaySettings",
    "RuleLabeller",
    "article_record",
    "default_errors_path",
    "load_models",
    "output_format",
    "process_chunk",
    "read_errors",
    "read_ids",
    "read_records",
    "run_inference",
    "summary_document",
    "record_features",
    "write_output",
]


def __getattr__(name: str) -> object:
    """``RECORD_FEATURES`` on first use (it imports ``datasets``: a JSONL job never needs it)."""
    if name == "RECORD_FEATURES":
        return record_features()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
