"""Line labels: the schema, gold annotations, structured and weak labelling."""

from vnnews.labels.annotations import (
    Annotation,
    AnnotationError,
    apply_gold,
    load_gold,
    read_annotation,
    validate_annotations,
    write_annotation,
)
from vnnews.labels.schema import COARSE, COARSE_LABELS, FURNITURE, LABEL2ID, LABEL_SOURCES, LABELS, check_label, coarse
from vnnews.labels.weak import weak_label, weak_label_article

__all__ = [
    "COARSE",
    "COARSE_LABELS",
    "FURNITURE",
    "LABEL2ID",
    "LABELS",
    "LABEL_SOURCES",
    "Annotation",
    "AnnotationError",
    "apply_gold",
    "check_label",
    "coarse",
    "load_gold",
    "read_annotation",
    "validate_annotations",
    "weak_label",
    "weak_label_article",
    "write_annotation",
]
