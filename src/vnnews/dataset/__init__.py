"""The Hugging Face dataset: ``segments`` (labelled lines) and ``summarization`` (body -> lead)."""

from vnnews.dataset.builder import SUBSETS, BuildResult, DatasetConfig, build_dataset, load_subset, stats_table
from vnnews.dataset.features import SEGMENT_FEATURES, SUMMARIZATION_FEATURES
from vnnews.dataset.splits import SPLITS, SplitRatios, assign_split

__all__ = [
    "SEGMENT_FEATURES",
    "SPLITS",
    "SUBSETS",
    "SUMMARIZATION_FEATURES",
    "BuildResult",
    "DatasetConfig",
    "SplitRatios",
    "assign_split",
    "build_dataset",
    "load_subset",
    "stats_table",
]
