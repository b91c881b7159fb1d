"""Hub-identical replicas: random-weight checkpoints in the exact format of the base
models, so the real-model path (the `phobert-vit5-base` pipeline, base-shape
benchmarks, exports) runs where the Hub cannot be reached.

A replica's config.json carries the published model's architecture values, and its
tokenizer files have the published format, size and special tokens: PhoBERT's
``vocab.txt`` + ``bpe.codes`` (64,001 ids: ``<s>`` 0, ``<pad>`` 1, ``</s>`` 2, ``<unk>``
3, ``<mask>`` 64,000), ViT5's ``spiece.model`` (36,000 pieces: ``<pad>`` 0, ``</s>``
1, ``<unk>`` 2, plus 96 ``<extra_id_N>``: 36,096 ids). The pieces themselves are
learned from a local corpus (the published merges and pieces cannot be downloaded
here) and padded with unused pieces to the published size. Weights are random:
speed, memory and the code path are those of the real model; predictions are not.

Sources of the values (the Hub pages of the models and of fine-tunes that copy their
config.json, read 2026-11-24; see docs/development.md): PhoBERT-base-v2 and
PhoBERT-large configs (RobertaForMaskedLM, 258 positions, vocab 64,001,
``tokenizer_class: PhobertTokenizer``); ViT5-base (T5, d_model 768, d_ff 3,072,
``feed_forward_proj: relu``, 12+12 layers, vocab 36,096); ViT5-large (d_model 1,024,
d_ff 2,816, ``gated-gelu``, 24+24 layers, untied embeddings, vocab 36,100).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_ROBERTA_COMMON: dict[str, Any] = {
    "architectures": ["RobertaForMaskedLM"],
    "attention_probs_dropout_prob": 0.1,
    "bos_token_id": 0,
    "eos_token_id": 2,
    "pad_token_id": 1,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-05,
    "max_position_embeddings": 258,
    "type_vocab_size": 1,
    "vocab_size": 64001,
    "tokenizer_class": "PhobertTokenizer",
}
_T5_COMMON: dict[str, Any] = {
    "architectures": ["T5ForConditionalGeneration"],
    "d_kv": 64,
    "decoder_start_token_id": 0,
    "dropout_rate": 0.1,
    "eos_token_id": 1,
    "pad_token_id": 0,
    "initializer_factor": 1.0,
    "is_encoder_decoder": True,
    "layer_norm_epsilon": 1e-06,
    "relative_attention_max_distance": 128,
    "relative_attention_num_buckets": 32,
}


@dataclass(frozen=True)
class Replica:
    hub_id: str
    family: str  # "phobert" or "vit5"
    config: dict[str, Any]
    tokenizer_size: int  # ids the published tokenizer has
    source: str
    special_tokens: dict[str, int] = field(default_factory=dict)


REPLICAS: dict[str, Replica] = {
    "phobert-base-v2": Replica(
        "vinai/phobert-base-v2",
        "phobert",
        {**_ROBERTA_COMMON, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072},
        64001,
        "config.json of vinai/phobert-base-v2 as copied by its fine-tunes (e.g. huggingface.co/ace-in-the-hole/7k-PhoContent-200)",
        {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 64000},
    ),
    "phobert-large": Replica(
        "vinai/phobert-large",
        "phobert",
        {**_ROBERTA_COMMON, "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096},
        64001,
        "config.json of vinai/phobert-large as copied by its fine-tunes (e.g. huggingface.co/tranthaihoa/bm25_sbert_phobert_large_evidence)",
        {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 64000},
    ),
    "vit5-base": Replica(
        "VietAI/vit5-base",
        "vit5",
        {
            **_T5_COMMON,
            "d_model": 768, "d_ff": 3072, "num_layers": 12, "num_decoder_layers": 12, "num_heads": 12,
            "feed_forward_proj": "relu", "n_positions": 512, "vocab_size": 36096,
        },
        36096,
        "config.json of VietAI/vit5-base as copied by its fine-tunes (e.g. huggingface.co/duyvu8373/viT5-comparative-only)",
        {"<pad>": 0, "</s>": 1, "<unk>": 2},
    ),
    "vit5-large": Replica(
        "VietAI/vit5-large",
        "vit5",
        {
            **_T5_COMMON,
            "d_model": 1024, "d_ff": 2816, "num_layers": 24, "num_decoder_layers": 24, "num_heads": 16,
            "feed_forward_proj": "gated-gelu", "tie_word_embeddings": False, "vocab_size": 36100,
        },
        36096,
        "config.json of VietAI/vit5-large as copied by its fine-tunes (e.g. huggingface.co/hduc-le/vit5-large-legal-lora)",
        {"<pad>": 0, "</s>": 1, "<unk>": 2},
    ),
}

SPIECE_PIECES = 36000  # ViT5's sentencepiece model; the tokenizer adds 96 <extra_id_N>
EXTRA_IDS = 96


def _phobert_tokenizer(texts: list[str], out: Path, size: int) -> Any:
    """PhobertTokenizer files learned from ``texts``, ``vocab.txt`` padded to ``size`` ids."""
    from transformers import PhobertTokenizer

    from vnnews.models.fast_bpe import save_tokenizer
    from vnnews.tiny import learn_phobert_tokenizer

    learn_phobert_tokenizer(texts, out, vocab_size=8000)
    vocab = (out / "vocab.txt").read_text(encoding="utf-8").splitlines()
    wanted = size - 5  # <s> <pad> </s> <unk> before, <mask> after
    if len(vocab) > wanted:
        vocab = vocab[:wanted]
    vocab += [f"vnnewsunused{i} 0" for i in range(wanted - len(vocab))]
    (out / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = PhobertTokenizer(str(out / "vocab.txt"), str(out / "bpe.codes"))
    save_tokenizer(tokenizer, out)
    return tokenizer


def _vit5_tokenizer(texts: list[str], out: Path) -> Any:
    """A ``spiece.model`` of exactly 36,000 pieces (T5's pad 0 / eos 1 / unk 2) learned from
    ``texts`` and padded with unused pieces, and T5Tokenizer files with 96 extra ids."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2
    from transformers import AutoTokenizer

    out.mkdir(parents=True, exist_ok=True)
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts), model_prefix=str(out / "spiece"), vocab_size=min(8000, SPIECE_PIECES), model_type="unigram",
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1, character_coverage=1.0, hard_vocab_limit=False, minloglevel=2,
    )
    (out / "spiece.vocab").unlink()
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString((out / "spiece.model").read_bytes())
    lowest = min(p.score for p in proto.pieces) - 1.0
    for i in range(SPIECE_PIECES - len(proto.pieces)):
        piece = proto.pieces.add()
        piece.piece, piece.score, piece.type = f"▁vnnewsunused{i}", lowest - i * 1e-3, sentencepiece_model_pb2.ModelProto.SentencePiece.NORMAL
    (out / "spiece.model").write_bytes(proto.SerializeToString())
    (out / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "T5Tokenizer", "extra_ids": EXTRA_IDS, "model_max_length": 1024}), encoding="utf-8"
    )
    tokenizer = AutoTokenizer.from_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    return tokenizer


def make_replica(name: str, out_dir: str | os.PathLike[str], corpus: Iterable[str | os.PathLike[str]] | None = None, seed: int = 0) -> Path:
    """Write the replica ``name`` (one of :data:`REPLICAS`) to ``out_dir``: config.json with the
    published values, tokenizer files of the published format and size, random weights
    (safetensors). ``corpus``: text to learn the tokenizer's pieces from (default: the
    bundled pages). Load it like the Hub id: ``base_model=OUT``."""
    import torch
    from transformers import AutoConfig, AutoModelForMaskedLM, AutoModelForSeq2SeqLM

    from vnnews.tiny import corpus_texts

    if name not in REPLICAS:
        raise ValueError(f"unknown replica {name!r}; choose one of {', '.join(REPLICAS)}")
    replica = REPLICAS[name]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if replica.family == "phobert":
        from vnnews.text import get_segmenter

        segmenter = get_segmenter("underthesea")
        _phobert_tokenizer([segmenter.segment(t) for t in corpus_texts(corpus)], out, replica.tokenizer_size)
        model_type, auto = "roberta", AutoModelForMaskedLM
    else:
        _vit5_tokenizer(corpus_texts(corpus), out)
        model_type, auto = "t5", AutoModelForSeq2SeqLM
    values = {k: v for k, v in replica.config.items() if k != "architectures"}
    config = AutoConfig.for_model(model_type, **values)
    config.architectures = replica.config["architectures"]
    torch.manual_seed(seed)
    model = auto.from_config(config)
    model.save_pretrained(str(out), safe_serialization=True)
    from vnnews.models.licences import BASE_LICENCES
    from vnnews.tiny import write_base_card

    # stands for the published model, so a model trained from it carries that model's licence
    licence = BASE_LICENCES.get(replica.hub_id)
    if licence:
        write_base_card(out, licence, f"Random-weight replica of {replica.hub_id} made by `vnnews make-replica` (config and tokenizer format of the published model, whose licence this card repeats).")
    return out


def replica_problems(name: str, directory: str | os.PathLike[str]) -> list[str]:
    """Where the checkpoint at ``directory`` differs from the published model's config
    values, tokenizer size and special-token ids (an empty list: it matches)."""
    from transformers import AutoTokenizer

    replica = REPLICAS[name]
    problems = []
    config = json.loads((Path(directory) / "config.json").read_text(encoding="utf-8"))
    for key, value in replica.config.items():
        if config.get(key) != value:
            problems.append(f"config.json {key}: {config.get(key)!r}, published {value!r}")
    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    if len(tokenizer) != replica.tokenizer_size:
        problems.append(f"tokenizer size {len(tokenizer)}, published {replica.tokenizer_size}")
    for token, token_id in replica.special_tokens.items():
        if tokenizer.convert_tokens_to_ids(token) != token_id:
            problems.append(f"{token} is id {tokenizer.convert_tokens_to_ids(token)}, published {token_id}")
    return problems
