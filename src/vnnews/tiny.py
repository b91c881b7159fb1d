"""Tiny checkpoints in the exact format of the Hub models, built offline.

The Hub is out of reach from tests and CI, and nothing may download at test
time, so tests and the offline demo use small models of the same architecture
and tokenizer format, written where ``from_pretrained`` reads them: one loading
path serves both.

``make_tiny_classifier`` writes a PhoBERT-format checkpoint: a RoBERTa masked-LM
with random weights, and a PhobertTokenizer (``vocab.txt`` + ``bpe.codes``) whose
BPE merges are learned from the bundled corpus (or the text given), word-segmented as
PhoBERT's pre-training text was. A vocabulary of the five seed pages splits words of
other text into pieces (2.0 tokens a word on VietNews validation lines, read ad hoc); one learned
from the demo's 600 VietNews articles (``--corpus data/raw VIETNEWS --max-records 600
--vocab-size 8000``: 1.1 a word) was tried for the demo and not kept (docs/classifier.md,
"A vocabulary of the training text").
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

# The five seed pages of data/raw, shipped in the wheel (a link in the checkout), so
# make-tiny and make-replica work from an installed package.
DEFAULT_CORPUS = Path(__file__).resolve().parent / "resources" / "seeds"
# BPE pieces of a tiny PhoBERT (the tests' models and the demo's: learned from the seed pages)
TINY_VOCAB = 2000


def corpus_texts(inputs: Iterable[str | os.PathLike[str]] | None = None, max_records: int | None = None) -> list[str]:
    """The normalised lines of the bundled corpus (or of ``inputs``: pages, folders and
    records files, the first ``max_records`` records of each JSONL file when given)."""
    from vnnews.ingest import IngestOptions, iter_articles

    options = IngestOptions(max_records=max_records)
    return [line for article in iter_articles(list(inputs or [DEFAULT_CORPUS]), options) for line in article.texts]


def learn_phobert_tokenizer(texts: Iterable[str], out_dir: str | os.PathLike[str], vocab_size: int = TINY_VOCAB):
    """Learn BPE merges (PhoBERT's ``@@`` scheme: word-final pieces carry no marker)
    with HF tokenizers, write ``bpe.codes``, then ``vocab.txt`` from the pieces that
    PhobertTokenizer's own BPE produces on the corpus, so the two files agree.
    Every character seen is in the vocabulary (both as final and non-final piece)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PhobertTokenizer

    from vnnews.models.fast_bpe import save_tokenizer

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    texts = [t for t in texts if t.strip()]
    bpe = Tokenizer(models.BPE(end_of_word_suffix="</w>"))
    bpe.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    bpe.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=vocab_size, end_of_word_suffix="</w>", show_progress=False))
    merges = json.loads(bpe.to_str())["model"]["merges"]
    with (out / "bpe.codes").open("w", encoding="utf-8") as f:
        for rank, (a, b) in enumerate(merges):
            f.write(f"{a} {b} {len(merges) - rank}\n")

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "vocab.txt").write_text("", encoding="utf-8")
        draft = PhobertTokenizer(str(Path(tmp) / "vocab.txt"), str(out / "bpe.codes"))
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(draft.tokenize(text))
    for ch in {c for t in texts for c in t if not c.isspace()}:
        counts.setdefault(ch, 1)
        counts.setdefault(ch + "@@", 1)
    with (out / "vocab.txt").open("w", encoding="utf-8") as f:
        for token, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            f.write(f"{token} {count}\n")
    tokenizer = PhobertTokenizer(str(out / "vocab.txt"), str(out / "bpe.codes"))
    save_tokenizer(tokenizer, out)
    return tokenizer


def make_tiny_classifier(
    out_dir: str | os.PathLike[str],
    corpus: Iterable[str | os.PathLike[str]] | None = None,
    vocab_size: int = TINY_VOCAB,
    hidden_size: int = 64,
    layers: int = 2,
    heads: int = 2,
    seed: int = 0,
    max_records: int | None = None,
) -> Path:
    """Write a tiny PhoBERT-format checkpoint (RobertaForMaskedLM, random weights,
    PhobertTokenizer files) to ``out_dir``; load it like ``vinai/phobert-base-v2``.
    The BPE is learned from ``corpus`` (default: the bundled seed pages; records files
    read up to ``max_records`` each) with at most ``vocab_size`` pieces."""
    if vocab_size < 1 or (max_records is not None and max_records < 1):
        raise ValueError(f"vocab_size and max_records must be at least 1 (got {vocab_size} and {max_records})")
    import torch
    from transformers import RobertaConfig, RobertaForMaskedLM

    from vnnews.text import get_segmenter

    out = Path(out_dir)
    segmenter = get_segmenter("underthesea")
    texts = [segmenter.segment(t) for t in corpus_texts(corpus, max_records)]
    tokenizer = learn_phobert_tokenizer(texts, out, vocab_size)
    config = RobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=hidden_size * 4,
        max_position_embeddings=258,  # PhoBERT: 256 tokens + the padding offset
        type_vocab_size=1,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        layer_norm_eps=1e-5,
        tokenizer_class="PhobertTokenizer",
    )
    torch.manual_seed(seed)
    RobertaForMaskedLM(config).save_pretrained(str(out), safe_serialization=True)
    write_base_card(out, "apache-2.0", "A tiny random-weight PhoBERT-format encoder made by `vnnews make-tiny` (vnnews' own, Apache-2.0).")
    return out


def make_tiny_summarizer(
    out_dir: str | os.PathLike[str],
    corpus: Iterable[str | os.PathLike[str]] | None = None,
    vocab_size: int = 800,
    d_model: int = 64,
    layers: int = 2,
    heads: int = 2,
    seed: int = 0,
) -> Path:
    """Write a tiny ViT5-format checkpoint: a T5 encoder-decoder with random weights
    and a sentencepiece ``spiece.model`` (unigram, T5's pad 0 / eos 1 / unk 2) trained
    on the bundled corpus; load it like ``VietAI/vit5-base``."""
    import sentencepiece as spm
    import torch
    from transformers import AutoTokenizer, T5Config, T5ForConditionalGeneration

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus_texts(corpus)),
        model_prefix=str(out / "spiece"),
        vocab_size=vocab_size,
        model_type="unigram",
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        character_coverage=1.0,
        minloglevel=2,
    )
    (out / "spiece.vocab").unlink()
    (out / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "T5Tokenizer", "extra_ids": 0, "model_max_length": 1024}), encoding="utf-8"
    )
    tokenizer = AutoTokenizer.from_pretrained(str(out))
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=d_model,
        d_kv=d_model // heads,
        d_ff=d_model * 2,
        num_layers=layers,
        num_decoder_layers=layers,
        num_heads=heads,
        feed_forward_proj="gated-gelu",  # as in ViT5 (T5 v1.1)
        tie_word_embeddings=False,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    T5ForConditionalGeneration(config).save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(str(out))
    write_base_card(out, "apache-2.0", "A tiny random-weight ViT5-format model made by `vnnews make-tiny` (vnnews' own, Apache-2.0).")
    return out


def write_base_card(out: Path, licence: str, text: str) -> None:
    """A README.md whose ``license:`` a model trained from this base inherits (``vnnews.models.card.base_licence``)."""
    (Path(out) / "README.md").write_text(f"---\nlicense: {licence}\n---\n\n{text}\n", encoding="utf-8")
