"""PhoBERT's BPE in Rust gives the slow tokenizer's ids, line for line (issue 35, item 1)."""

import gzip
import itertools
import json
from pathlib import Path

import pytest
from transformers import PhobertTokenizer

from tests.conftest import ROOT
from vnnews.ingest import IngestOptions, iter_articles
from vnnews.models.fast_bpe import FastPhobertTokenizer, fast_line_tokenizer
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
    differ = [w for w in words if slow.encode(w, add_special_tokens=False) != fast.encode(w)]
    assert len(words) > 2000 and differ == []
    assert fast.encode("Hà_Nội", add_special_tokens=True) == slow.encode("Hà_Nội")  # <s> ... </s>


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
