"""Text handling: normalisation, sentence splitting, word segmentation."""

from vnnews.text.normalize import TONE_STYLES, ToneStyle, normalize, normalize_tone_marks
from vnnews.text.segment import Segmenter, available_segmenters, get_segmenter
from vnnews.text.sentences import split_sentences

__all__ = [
    "TONE_STYLES",
    "Segmenter",
    "ToneStyle",
    "available_segmenters",
    "get_segmenter",
    "normalize",
    "normalize_tone_marks",
    "split_sentences",
]
