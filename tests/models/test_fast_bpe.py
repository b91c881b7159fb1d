"""PhoBERT's BPE in Rust gives the slow tokenizer's ids, line for line, in the page labeller's
line encoding and as the tokenizer.json vnnews writes into model directories (issue 35, item 1)."""

import gzip
import itertools
import json
from pathlib import Path

import pytest
from transformers import PhobertTokenizer

from tests.conftest import ROOT
from vnnews.ingest import IngestOptions, iter_articles
from vnnews.models.fast_bpe import (
    FastPhobertTokenizer,
    PhobertTokenizerFast,
    fast_line_tokenizer,
    load_phobert_fast,
    save_tokenizer,
)
from vnnews.models.loading import load_tokenizer
from vnnews.text.segment import model_segmenter

VIETNEWS = ROOT.parent / "shared" / "corpora" / "vietnews" / "validation.jsonl.gz"
ODD = ["😀 biểu tượng ở đây", "中文 字 한국어", "xxxxxqqqzzz", "Ω≈ç√ ∑", "a", "Hà   Nội", "", "@@ @@@ </w> <s> <unk>", "A" * 300]


def _lines() -> list[str]:
    lines = [t for a in iter_articles([ROOT / "data" / "raw", ROOT / "data" / "real" / "pages"], IngestOptions()) for t in a.texts]
    if VIETNEWS.is_file():
        with gzip.open(VIETNEWS, "rt", encoding="utf-8") as f:
            for record in itertools.islice(map(json.loads, f), 60):
                lines += [t for key in ("title", "lead", "body") for t in ([record.get(key)] if isinstance(record.get(key), str) else record.get(key) or [])]
    return lines + ODD


@pytest.fixture(scope="module")
def words():
    segment = model_segmenter("underthesea", "new")
    return [segment.segment(t[:400]) for t in _lines()]


def _replica(tmp_path_factory) -> Path:
    from vnnews.replicas import make_replica

    return make_replica("phobert-base-v2", tmp_path_factory.mktemp("replica") / "phobert-base-v2")


@pytest.mark.parametrize("which", ["tiny", "phobert-base-v2 replica"])
def test_the_same_ids_as_the_slow_tokenizer_on_every_line(which, words, tiny_phobert, tmp_path_factory):
    path = tiny_phobert if which == "tiny" else _replica(tmp_path_factory)
    slow = PhobertTokenizer.from_pretrained(str(path))
    fast = FastPhobertTokenizer(slow)
    wrapped = load_tokenizer(str(path))  # the tokenizer.json make-tiny / make-replica wrote
    assert isinstance(wrapped, PhobertTokenizerFast) and wrapped.is_fast
    wrapped_line = FastPhobertTokenizer(wrapped)  # on the loaded file's Rust tokenizer
    differ = [w for w in words if not (slow.encode(w, add_special_tokens=False) == fast.encode(w) == wrapped.encode(w, add_special_tokens=False) == wrapped_line.encode(w))]
    assert len(words) > 2000 and differ == []
    assert fast.encode("Hà_Nội", add_special_tokens=True) == slow.encode("Hà_Nội") == wrapped.encode("Hà_Nội")  # <s> ... </s>
    batch = words[:50]
    assert wrapped(batch, padding=True)["input_ids"] == slow(batch, padding=True)["input_ids"]
    assert len(wrapped) == len(slow) == wrapped.vocab_size and wrapped.all_special_ids == slow.all_special_ids


def test_the_line_encoding_uses_it_and_keeps_other_tokenizers(tiny_phobert):
    from types import SimpleNamespace

    from vnnews.models.line_tokens import LineTokenizer

    slow = PhobertTokenizer.from_pretrained(str(tiny_phobert))
    settings = SimpleNamespace(max_line_chars=400, max_line_tokens=24, segmenter="underthesea", tone_style="new")
    line = LineTokenizer(slow, settings)
    assert isinstance(line.tokenizer, FastPhobertTokenizer)
    text = "Bộ Ngoại giao tích cực đổi mới, tăng cường ứng dụng thành tựu của Cách mạng Công nghiệp 4.0 để truyền tải rộng rãi các giá trị."
    segmented = model_segmenter("underthesea", "new").segment(text)
    assert line(text) == slow.build_inputs_with_special_tokens(slow.encode(segmented, add_special_tokens=False)[:22])
    other = SimpleNamespace(encode=lambda t, add_special_tokens=False: [5], build_inputs_with_special_tokens=lambda ids: ids)
    assert fast_line_tokenizer(other) is other


def test_a_written_directory_loads_fast_here_and_slow_anywhere_else(tiny_phobert, tmp_path):
    """save_tokenizer writes tokenizer.json beside vocab.txt and bpe.codes; the config still
    names PhobertTokenizer, so AutoTokenizer reads the original files; a PhobertTokenizerFast
    saves the same files again (a directory re-written by a user still loads both ways)."""
    from transformers import AutoTokenizer

    slow = PhobertTokenizer.from_pretrained(str(tiny_phobert))
    save_tokenizer(slow, tmp_path / "a")
    assert {"vocab.txt", "bpe.codes", "tokenizer.json", "tokenizer_config.json"} <= {p.name for p in (tmp_path / "a").iterdir()}
    fast = load_phobert_fast(tmp_path / "a")
    assert isinstance(fast, PhobertTokenizerFast)
    fast.save_pretrained(str(tmp_path / "b"))
    assert {"vocab.txt", "bpe.codes", "tokenizer.json"} <= {p.name for p in (tmp_path / "b").iterdir()}
    text = "Hà_Nội 😀 xxxxxqqqzzz @@ <unk> là thủ_đô"
    for directory in (tmp_path / "a", tmp_path / "b"):
        elsewhere = AutoTokenizer.from_pretrained(str(directory))
        assert type(elsewhere).__name__ == "PhobertTokenizer"
        assert elsewhere.encode(text) == slow.encode(text) == load_tokenizer(str(directory)).encode(text)
        assert isinstance(load_tokenizer(str(directory)), PhobertTokenizerFast)
    # symbols the vocabulary lacks are <unk>, never an id past the model's embeddings
    assert max(fast.encode(" ".join(_lines()[:300]))) < len(slow)
    assert fast.convert_tokens_to_ids(["<mask>", "<pad>", "no-such-symbol"]) == [slow.mask_token_id, slow.pad_token_id, slow.unk_token_id]
    assert fast.decode(fast.encode("Hà_Nội là thủ_đô"), skip_special_tokens=True) == "Hà_Nội là thủ_đô"


def test_a_tokenizer_json_of_another_kind_is_left_to_autotokenizer(tiny_phobert, tmp_path):
    import json
    import shutil

    directory = tmp_path / "other"
    shutil.copytree(tiny_phobert, directory)
    config = json.loads((directory / "tokenizer_config.json").read_text(encoding="utf-8"))
    (directory / "tokenizer_config.json").write_text(json.dumps({**config, "tokenizer_class": "BertTokenizer"}), encoding="utf-8")
    assert load_phobert_fast(directory) is None
    (directory / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    (directory / "tokenizer.json").unlink()
    assert load_phobert_fast(directory) is None
    assert type(load_tokenizer(str(directory))).__name__ == "PhobertTokenizer"
    assert isinstance(fast_line_tokenizer(load_tokenizer(str(directory))), FastPhobertTokenizer)


def test_ids_per_word_are_kept_within_a_bound(tiny_phobert, monkeypatch):
    """Each distinct word goes through the BPE once; the cache starts again when full, and a
    text that may hold a special token is encoded whole: the ids never change."""
    slow = PhobertTokenizer.from_pretrained(str(tiny_phobert))
    fast = FastPhobertTokenizer(slow)
    monkeypatch.setattr(FastPhobertTokenizer, "WORD_CACHE", 3)
    texts = ["Hà_Nội là thủ_đô của Việt_Nam", "thủ_đô Hà_Nội", "<s> Hà_Nội <unk>", "a b c d e f"]
    for text in texts * 2:
        assert fast.encode(text) == slow.encode(text, add_special_tokens=False)
        assert len(fast.words) <= 3
    assert "<s>" not in fast.words
