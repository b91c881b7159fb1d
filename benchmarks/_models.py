"""Random-weight models in the real models' shapes, for speed benchmarks.

tiny = the `make-tiny` checkpoints; base/large = PhoBERT-base/large (RoBERTa) and
ViT5-base/large (T5 v1.1) shapes. The tokenizers are the tiny ones (same formats,
smaller vocabularies); the embedding tables have the real vocabulary sizes, so
compute and memory match the real models. Speed does not depend on the weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CLASSIFIER_SHAPES: dict[str, dict[str, int] | None] = {
    "tiny": None,
    "base": {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072, "vocab_size": 64001},
    "large": {"hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096, "vocab_size": 64001},
}
SUMMARIZER_SHAPES: dict[str, dict[str, int] | None] = {
    "tiny": None,
    "base": {"d_model": 768, "d_kv": 64, "d_ff": 2048, "num_layers": 12, "num_decoder_layers": 12, "num_heads": 12, "vocab_size": 36096},
    "large": {"d_model": 1024, "d_kv": 64, "d_ff": 2816, "num_layers": 24, "num_decoder_layers": 24, "num_heads": 16, "vocab_size": 36096},
}


def classifier_of_shape(shape: str, workdir: Path) -> tuple[Any, Any]:
    """(RobertaForSequenceClassification, PhobertTokenizer with the context tokens added)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, RobertaConfig, RobertaForSequenceClassification

    from vnnews.classifier import add_context_tokens
    from vnnews.labels import LABELS
    from vnnews.tiny import make_tiny_classifier

    base = make_tiny_classifier(Path(workdir) / "tiny-phobert")
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    if CLASSIFIER_SHAPES[shape] is None:
        model = AutoModelForSequenceClassification.from_pretrained(str(base), num_labels=len(LABELS), use_safetensors=True)
        add_context_tokens(tokenizer, model)
    else:
        config = RobertaConfig(max_position_embeddings=258, type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2, num_labels=len(LABELS), **CLASSIFIER_SHAPES[shape])
        model = RobertaForSequenceClassification(config)
        add_context_tokens(tokenizer, None)  # the real vocabulary size already leaves room for them
    model.config.id2label = dict(enumerate(LABELS))
    model.config.label2id = {label: i for i, label in enumerate(LABELS)}
    return model, tokenizer


def summarizer_of_shape(shape: str, workdir: Path) -> tuple[Any, Any]:
    """(T5ForConditionalGeneration, T5Tokenizer)."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, T5Config, T5ForConditionalGeneration

    from vnnews.tiny import make_tiny_summarizer

    base = make_tiny_summarizer(Path(workdir) / "tiny-vit5")
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    if SUMMARIZER_SHAPES[shape] is None:
        return AutoModelForSeq2SeqLM.from_pretrained(str(base), use_safetensors=True), tokenizer
    config = T5Config(feed_forward_proj="gated-gelu", tie_word_embeddings=False, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, **SUMMARIZER_SHAPES[shape])
    return T5ForConditionalGeneration(config), tokenizer


def save_models(shape: str, workdir: Path, segmenter: str = "underthesea", max_source: int = 1024) -> tuple[Path, Path]:
    """Classifier and summarizer directories of ``shape``, loadable with `from_pretrained`
    (the path `vnnews infer` and `vnnews serve` take with a Hub id)."""
    from vnnews.classifier import ClassifierSettings, LineClassifier
    from vnnews.summarizer import SETTINGS_KEY

    workdir = Path(workdir)
    model, tokenizer = classifier_of_shape(shape, workdir)
    LineClassifier(model, tokenizer, ClassifierSettings(segmenter=segmenter), device="cpu").save_pretrained(str(workdir / "classifier"))
    model, tokenizer = summarizer_of_shape(shape, workdir)
    setattr(model.config, SETTINGS_KEY, {"prefix": "vietnews: ", "max_source_length": max_source})
    model.save_pretrained(str(workdir / "summarizer"))
    tokenizer.save_pretrained(str(workdir / "summarizer"))
    return workdir / "classifier", workdir / "summarizer"


def page_labeler_of_shape(shape: str, workdir: Path, **settings: Any) -> Any:
    """A PageLabeler whose line encoder has the shape (random weights), with the tiny tokenizer."""
    from transformers import AutoTokenizer, RobertaConfig

    from vnnews.page_model import PageLabeler, PageLabelerConfig
    from vnnews.tiny import make_tiny_classifier

    base = make_tiny_classifier(Path(workdir) / "tiny-phobert")
    if CLASSIFIER_SHAPES[shape] is None:
        model = PageLabeler.from_encoder(str(base), **settings)
    else:
        encoder = RobertaConfig(max_position_embeddings=258, type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2, **CLASSIFIER_SHAPES[shape])
        model = PageLabeler(PageLabelerConfig(encoder=encoder.to_dict(), **settings))
        model.tokenizer = AutoTokenizer.from_pretrained(str(base))
    return model
