"""Random-weight models in the real models' shapes, for speed benchmarks.

tiny = the `make-tiny` checkpoints; base/large = the Hub-identical replicas of
`vnnews make-replica` (PhoBERT-base-v2/large, ViT5-base/large: the published
config.json values, tokenizers of the published size and special tokens), so
compute, memory and the code path are those of the real models. Speed does not
depend on the weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CLASSIFIER_SHAPES = {"tiny": None, "base": "phobert-base-v2", "large": "phobert-large"}
SUMMARIZER_SHAPES = {"tiny": None, "base": "vit5-base", "large": "vit5-large"}


def encoder_checkpoint(shape: str, workdir: Path) -> Path:
    """A PhoBERT-format checkpoint of ``shape`` (tiny, or the replica) in ``workdir``."""
    from vnnews.replicas import make_replica
    from vnnews.tiny import make_tiny_classifier

    replica = CLASSIFIER_SHAPES[shape]
    return make_tiny_classifier(Path(workdir) / "tiny-phobert") if replica is None else make_replica(replica, Path(workdir) / replica)


def summarizer_checkpoint(shape: str, workdir: Path) -> Path:
    """A ViT5-format checkpoint of ``shape`` (tiny, or the replica) in ``workdir``."""
    from vnnews.replicas import make_replica
    from vnnews.tiny import make_tiny_summarizer

    replica = SUMMARIZER_SHAPES[shape]
    return make_tiny_summarizer(Path(workdir) / "tiny-vit5") if replica is None else make_replica(replica, Path(workdir) / replica)


def summarizer_of_shape(shape: str, workdir: Path) -> tuple[Any, Any]:
    """(T5ForConditionalGeneration, its tokenizer)."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    base = summarizer_checkpoint(shape, workdir)
    return AutoModelForSeq2SeqLM.from_pretrained(str(base), use_safetensors=True), AutoTokenizer.from_pretrained(str(base))


def page_labeler_of_shape(shape: str, workdir: Path, **settings: Any) -> Any:
    """A PageLabeler whose line encoder has the shape (random weights), with its tokenizer."""
    from vnnews.models.page_labeler import PageLabeler

    return PageLabeler.from_encoder(str(encoder_checkpoint(shape, workdir)), **settings)


def leaning_to_body(labeller: Any) -> Any:
    """``labeller`` with its head's bias pushed toward ``body``. Random weights label lines
    arbitrarily, and whether any line of a page comes out body (so that the page reaches
    the summarizer) then depends on the draw; a trained model sends every article on.
    End-to-end benchmarks use this so both stages always run."""
    import torch

    with torch.no_grad():
        labeller.head[-1].bias[labeller.config.labels.index("body")] += 8.0
    return labeller


def save_models(shape: str, workdir: Path, segmenter: str = "underthesea", max_source: int = 1024) -> tuple[Path, Path]:
    """Classifier and summarizer directories of ``shape``, written by the model classes
    and loadable with `from_pretrained` (the path `vnnews infer` and `vnnews serve` take
    with a Hub id)."""
    from vnnews.models.summarizer import GenerationSettings, Summarizer

    workdir = Path(workdir)
    leaning_to_body(page_labeler_of_shape(shape, workdir, segmenter=segmenter)).save_pretrained(workdir / "classifier")
    base = summarizer_checkpoint(shape, workdir)
    Summarizer.from_base(str(base), "vietnews: ", max_source, GenerationSettings()).save_pretrained(workdir / "summarizer")
    return workdir / "classifier", workdir / "summarizer"
