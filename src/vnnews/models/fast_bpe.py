"""PhoBERT's BPE in Rust (``tokenizers``), giving the slow tokenizer's ids.

transformers has no fast PhoBERT tokenizer: ``PhobertTokenizer`` applies fastBPE's merges in
Python, a fifth of the small page labeller's time on a CPU (issue 35). fastBPE marks a piece
that does not end its word with ``@@``; ``tokenizers``' BPE marks the piece that does end it
with a suffix. So the vocabulary is rewritten (``xy@@`` -> ``xy``, ``xy`` -> ``xy</w>``), the
merges of ``bpe.codes`` are used as they are (they already write ``</w>``), and every symbol
the merges can make but the vocabulary lacks gets an id past the real ones, read back as
``<unk>``, as the slow tokenizer reads a piece it does not know. The ids are the same: a test
compares both on the seed pages, data/real and VietNews lines, and
``benchmarks/tokenizer_speed.py`` on every line of VietNews, counting the lines that differ.
"""

from __future__ import annotations

from typing import Any

SUFFIX = "</w>"


class FastPhobertTokenizer:
    """The two calls the page labeller's line encoding makes of a PhoBERT tokenizer
    (``encode(text, add_special_tokens=False)``, ``build_inputs_with_special_tokens``), in
    Rust. Made from a loaded ``PhobertTokenizer`` (its ``encoder`` and ``bpe_ranks``)."""

    def __init__(self, slow: Any) -> None:
        from tokenizers import Tokenizer
        from tokenizers.models import BPE
        from tokenizers.pre_tokenizers import WhitespaceSplit

        encoder: dict[str, int] = dict(slow.encoder)
        encoder.update(getattr(slow, "added_tokens_encoder", {}) or {})
        self.unk_id = int(encoder[slow.unk_token])
        self.cls_id, self.sep_id = int(slow.cls_token_id), int(slow.sep_token_id)
        self.real = max(encoder.values()) + 1  # ids from here on are symbols the vocabulary lacks
        vocab: dict[str, int] = {}
        for token, i in sorted(encoder.items(), key=lambda kv: kv[1]):
            vocab.setdefault(token[:-2] if token.endswith("@@") else token + SUFFIX, int(i))
        merges = [pair for pair, _ in sorted(slow.bpe_ranks.items(), key=lambda kv: kv[1])]
        next_id = self.real
        for a, b in merges:
            for symbol in (a, b, a + b):
                if symbol not in vocab:
                    vocab[symbol] = next_id
                    next_id += 1
        vocab.setdefault(slow.unk_token, self.unk_id)
        self._tokenizer = Tokenizer(BPE(vocab=vocab, merges=merges, unk_token=slow.unk_token, end_of_word_suffix=SUFFIX, fuse_unk=False))
        self._tokenizer.pre_tokenizer = WhitespaceSplit()

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        """The ids of ``text`` (words split on whitespace, as PhoBERT's tokenizer does)."""
        real, unk = self.real, self.unk_id
        ids = [i if i < real else unk for i in self._tokenizer.encode(text, add_special_tokens=False).ids]
        return self.build_inputs_with_special_tokens(ids) if add_special_tokens else ids

    def build_inputs_with_special_tokens(self, ids: list[int]) -> list[int]:
        return [self.cls_id, *ids, self.sep_id]


def fast_line_tokenizer(tokenizer: Any) -> Any:
    """A :class:`FastPhobertTokenizer` for a slow PhoBERT tokenizer (``bpe_ranks`` and
    ``encoder``), else ``tokenizer`` itself (a fast one already, or another kind)."""
    if not (hasattr(tokenizer, "bpe_ranks") and hasattr(tokenizer, "encoder")) or getattr(tokenizer, "is_fast", False):
        return tokenizer
    try:
        return FastPhobertTokenizer(tokenizer)
    except (ImportError, KeyError, TypeError, ValueError, Exception):  # noqa: BLE001 - the slow tokenizer always works
        return tokenizer


__all__ = ["FastPhobertTokenizer", "fast_line_tokenizer"]
