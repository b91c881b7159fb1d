"""PhoBERT's BPE in Rust (``tokenizers``), giving the slow tokenizer's ids.

transformers has no fast PhoBERT tokenizer: ``PhobertTokenizer`` applies fastBPE's merges in
Python, a fifth of the small page labeller's time on a CPU (issue 35). fastBPE marks a piece
that does not end its word with ``@@``; ``tokenizers``' BPE marks the piece that does end it
with a suffix. So the vocabulary is rewritten (``xy@@`` -> ``xy``, ``xy`` -> ``xy</w>``), the
merges of ``bpe.codes`` are used as they are (they already write ``</w>``), and every symbol
the merges can make but the vocabulary lacks gets an id past the real ones, read back as
``<unk>``, as the slow tokenizer reads a piece it does not know.

Why ids past the vocabulary and not ``<unk>``'s own id: a ``tokenizers`` BPE needs an id of
its own for every symbol its merges make (its serializer writes the merges through a map from
id to symbol, so symbols sharing an id would not load again). VinAI's own fast PhoBERT
tokenizer (once in transformers) read such ids back in Python the same way.

Written into PhoBERT-format model directories as ``tokenizer.json`` beside ``vocab.txt`` and
``bpe.codes`` (:func:`save_tokenizer`, used by every writer of a model or base directory);
:class:`PhobertTokenizerFast` loads it as a ``PreTrainedTokenizerFast``. The directory's
``tokenizer_config.json`` still names ``PhobertTokenizer``, so ``AutoTokenizer`` elsewhere
reads the original files as before. The ids are the same: tests compare both on the seed
pages, data/real and VietNews lines, and ``benchmarks/tokenizer_speed.py`` on every line of
VietNews, counting the lines that differ.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from transformers.tokenization_utils_tokenizers import TokenizersBackend

log = logging.getLogger(__name__)

SUFFIX = "</w>"
TOKENIZER_JSON = "tokenizer.json"
VOCAB_FILES = {"vocab_file": "vocab.txt", "merges_file": "bpe.codes", "tokenizer_file": TOKENIZER_JSON}


def _is_slow_phobert(tokenizer: Any) -> bool:
    return hasattr(tokenizer, "bpe_ranks") and hasattr(tokenizer, "encoder") and not getattr(tokenizer, "is_fast", False)


def unk_past(ids: list[int], real: int, end: int, unk: int) -> list[int]:
    """``ids`` with those of symbols the vocabulary lacks (``real`` <= id < ``end``: ids past
    the real ones, see the module's docstring) read as ``unk``, as the slow tokenizer reads them."""
    return [unk if real <= i < end else i for i in ids]


def rust_tokenizer(slow: Any) -> tuple[Any, int]:
    """The ``tokenizers.Tokenizer`` of a slow PhoBERT tokenizer (its ``encoder`` and
    ``bpe_ranks``), and the number of real ids (ids from there on are symbols the
    vocabulary lacks, read as ``<unk>``). Special tokens keep their ids and are split off
    the text as the slow tokenizer splits them; ``<s> A </s>`` is added as PhoBERT adds it."""
    from tokenizers import AddedToken, Tokenizer, decoders, processors
    from tokenizers.models import BPE
    from tokenizers.pre_tokenizers import WhitespaceSplit

    encoder: dict[str, int] = dict(slow.encoder)
    encoder.update(getattr(slow, "added_tokens_encoder", {}) or {})
    special = [str(t) for t in slow.all_special_tokens]
    real = max(encoder.values()) + 1
    vocab: dict[str, int] = {}
    for token, i in sorted(encoder.items(), key=lambda kv: kv[1]):
        key = token if token in special else token[:-2] if token.endswith("@@") else token + SUFFIX
        vocab.setdefault(key, int(i))
    merges = [pair for pair, _ in sorted(slow.bpe_ranks.items(), key=lambda kv: kv[1])]
    next_id = real
    for a, b in merges:
        for symbol in (a, b, a + b):
            if symbol not in vocab:
                vocab[symbol] = next_id
                next_id += 1
    tokenizer = Tokenizer(BPE(vocab=vocab, merges=merges, unk_token=slow.unk_token, end_of_word_suffix=SUFFIX, fuse_unk=False))
    tokenizer.pre_tokenizer = WhitespaceSplit()
    tokenizer.decoder = decoders.BPEDecoder(suffix=SUFFIX)
    cls, sep = str(slow.cls_token), str(slow.sep_token)
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{cls} $A {sep}", pair=f"{cls} $A {sep} {sep} $B {sep}", special_tokens=[(cls, encoder[cls]), (sep, encoder[sep])]
    )
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in special])
    return tokenizer, real


class FastPhobertTokenizer:
    """The two calls the page labeller's line encoding makes of a PhoBERT tokenizer
    (``encode(text, add_special_tokens=False)``, ``build_inputs_with_special_tokens``), on the
    Rust tokenizer directly (the transformers wrapper costs more per line than the BPE).
    Made from a slow ``PhobertTokenizer`` or a :class:`PhobertTokenizerFast`."""

    WORD_CACHE = 100_000  # words whose ids are kept (then the cache starts again): about 15 MB

    def __init__(self, tokenizer: Any) -> None:
        self.words: dict[str, list[int]] = {}  # a word's ids: BPE works word by word, and words repeat
        if isinstance(tokenizer, PhobertTokenizerFast):
            self._tokenizer, self.real = tokenizer.backend_tokenizer, tokenizer.real_vocab_size
        else:
            self._tokenizer, self.real = rust_tokenizer(tokenizer)
        self.end = self._tokenizer.get_vocab_size(with_added_tokens=False)  # symbols the vocabulary lacks: [real, end)
        self.unk_id = int(tokenizer.unk_token_id)
        self.cls_id, self.sep_id = int(tokenizer.cls_token_id), int(tokenizer.sep_token_id)

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        """The ids of ``text`` (words split on whitespace, as PhoBERT's tokenizer does). Each
        distinct word goes through the Rust BPE once (a call per line cost more than the BPE
        itself); a text that may hold a special token (``<s>``, ``<unk>``... are split off
        wherever they stand) is encoded whole."""
        if "<" in text:
            ids = unk_past(self._tokenizer.encode(text, add_special_tokens=False).ids, self.real, self.end, self.unk_id)
        else:
            ids = []
            words = self.words
            for word in text.split():
                found = words.get(word)
                if found is None:
                    found = self._word_ids(word)
                    if len(words) >= self.WORD_CACHE:
                        words.clear()
                    words[word] = found
                ids += found
        return self.build_inputs_with_special_tokens(ids) if add_special_tokens else ids

    def _word_ids(self, word: str) -> list[int]:
        return unk_past([t.id for t in self._tokenizer.model.tokenize(word)], self.real, self.end, self.unk_id)

    def build_inputs_with_special_tokens(self, ids: list[int]) -> list[int]:
        return [self.cls_id, *ids, self.sep_id]


class PhobertTokenizerFast(TokenizersBackend):
    """PhoBERT's tokenizer as a ``PreTrainedTokenizerFast``, loaded from the ``tokenizer.json``
    vnnews writes beside ``vocab.txt`` and ``bpe.codes``: the slow tokenizer's ids (a symbol
    the vocabulary lacks is ``<unk>``), its length, its special tokens. Saving writes
    ``tokenizer.json`` and copies the original files, and names ``PhobertTokenizer`` in
    ``tokenizer_config.json``, so the directory still loads anywhere ``AutoTokenizer`` does.
    Token strings (``convert_ids_to_tokens``) are in ``tokenizers``' form (``xy`` inside a
    word, ``xy</w>`` at its end) rather than fastBPE's (``xy@@``, ``xy``)."""

    vocab_files_names = VOCAB_FILES
    model_input_names = ["input_ids", "attention_mask"]

    @property
    def real_vocab_size(self) -> int:
        """The ids the model has: PhoBERT's ``<mask>`` is its last (fairseq appends it);
        :func:`save_tokenizer` writes no ``tokenizer.json`` where it is not."""
        return int(self._tokenizer.token_to_id(str(self.mask_token))) + 1

    def _oov_range(self) -> tuple[int, int]:
        return self.real_vocab_size, self._tokenizer.get_vocab_size(with_added_tokens=False)

    def _read_back(self, ids: list[int]) -> list[int]:
        return unk_past(ids, *self._oov_range(), int(self._tokenizer.token_to_id(str(self.unk_token))))

    def _convert_encoding(self, encoding: Any, *args: Any, **kwargs: Any) -> tuple[dict[str, Any], list[Any]]:
        values, encodings = super()._convert_encoding(encoding, *args, **kwargs)
        values["input_ids"] = [self._read_back(ids) for ids in values["input_ids"]]
        return values, encodings

    def _encode_without_added_tokens(self, text: str) -> list[int]:
        return self._read_back(super()._encode_without_added_tokens(text))

    def convert_tokens_to_ids(self, tokens: Any) -> Any:
        ids = super().convert_tokens_to_ids(tokens)
        return self._read_back([ids])[0] if isinstance(ids, int) else self._read_back(list(ids))

    @property
    def vocab_size(self) -> int:
        return self.real_vocab_size

    def __len__(self) -> int:
        real, end = self._oov_range()
        return self._tokenizer.get_vocab_size(with_added_tokens=True) - (end - real)

    def _save_pretrained(self, save_directory: Any, file_names: tuple[str, ...], legacy_format: Any = None, filename_prefix: Any = None) -> tuple[str, ...]:
        names = super()._save_pretrained(save_directory, file_names, legacy_format=legacy_format, filename_prefix=filename_prefix)
        copied = []
        for key in ("vocab_file", "merges_file"):
            source = getattr(self, key, None) or self.init_kwargs.get(key)
            target = Path(save_directory) / ((filename_prefix + "-" if filename_prefix else "") + VOCAB_FILES[key])
            if source and Path(source).is_file() and Path(source).resolve() != target.resolve():
                shutil.copyfile(source, target)
            if target.is_file():
                copied.append(str(target))
        return (*names, *copied)


def save_tokenizer(tokenizer: Any, out_dir: str | os.PathLike[str]) -> None:
    """Write ``tokenizer``'s files into a model directory: ``save_pretrained``, and for a slow
    PhoBERT tokenizer ``tokenizer.json`` beside ``vocab.txt`` and ``bpe.codes`` (the one place
    that decides it, so training, exports, tiny bases and replicas write the same files)."""
    tokenizer.save_pretrained(str(out_dir))
    if not _is_slow_phobert(tokenizer):
        return
    try:
        rust, real = rust_tokenizer(tokenizer)
    except (ImportError, KeyError, TypeError, ValueError) as exc:  # the original files are there: they are enough
        log.warning("%s: no tokenizer.json written (%s); the slow tokenizer's files are", out_dir, exc)
        return
    if tokenizer.mask_token_id is None or int(tokenizer.mask_token_id) != real - 1:
        log.warning("%s: no tokenizer.json written: <mask> is not the last id of the vocabulary", out_dir)
        return
    rust.save(str(Path(out_dir) / TOKENIZER_JSON))


def load_phobert_fast(directory: str | os.PathLike[str]) -> PhobertTokenizerFast | None:
    """A local model directory's PhoBERT ``tokenizer.json`` as :class:`PhobertTokenizerFast`,
    or None where there is none of vnnews' kind (its config must name ``PhobertTokenizer``
    and its BPE mark word ends with ``</w>``; a ``tokenizer.json`` of another origin is left
    to ``AutoTokenizer``, which reads the original files)."""
    path = Path(directory)
    try:
        config = json.loads((path / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict) or config.get("tokenizer_class") != "PhobertTokenizer" or not (path / TOKENIZER_JSON).is_file():
        return None
    try:
        tokenizer = PhobertTokenizerFast.from_pretrained(str(path))
    except Exception as exc:  # noqa: BLE001 - the original files still load
        log.warning("%s: tokenizer.json not loaded (%s); reading vocab.txt and bpe.codes", path / TOKENIZER_JSON, exc)
        return None
    if getattr(tokenizer.backend_tokenizer.model, "end_of_word_suffix", None) != SUFFIX or tokenizer.mask_token_id is None:
        return None
    return tokenizer


def fast_line_tokenizer(tokenizer: Any) -> Any:
    """A :class:`FastPhobertTokenizer` for a PhoBERT tokenizer (slow or
    :class:`PhobertTokenizerFast`), else ``tokenizer`` itself (another kind)."""
    if not (isinstance(tokenizer, PhobertTokenizerFast) or _is_slow_phobert(tokenizer)):
        return tokenizer
    try:
        return FastPhobertTokenizer(tokenizer)
    except Exception:  # noqa: BLE001 - the tokenizer itself always works
        return tokenizer


__all__ = ["FastPhobertTokenizer", "PhobertTokenizerFast", "fast_line_tokenizer", "load_phobert_fast", "rust_tokenizer", "save_tokenizer", "unk_past"]
