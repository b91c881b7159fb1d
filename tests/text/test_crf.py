"""The CRF scored from its weights (vnnews.text.crf) tags exactly as underthesea's own
featurizer and tagger: the same labels on real text and on the features' edge cases."""

import gzip
import itertools
import json
import struct
from os.path import dirname, join

import pytest

from tests.conftest import RAW_DIR, VIETNEWS_DIR
from vnnews.text.crf import CRFModelError, CRFScorer, read_crfsuite


@pytest.fixture(scope="module")
def underthesea_model():
    import underthesea.pipeline.word_tokenize as wt
    from underthesea.pipeline.word_tokenize import regex_tokenize

    wt.word_tokenize("khởi động")  # loads underthesea's own tagger
    model_dir = join(dirname(wt.__file__), "models", "ws_crf_vlsp2013_20230727")
    return CRFScorer(model_dir), wt.word_tokenize_model, regex_tokenize.tokenize


def lines_to_check():
    lines = [line for path in sorted(RAW_DIR.glob("*.txt")) for line in path.read_text(encoding="utf-8").splitlines()]
    source = VIETNEWS_DIR / "validation.jsonl.gz"
    if source.exists():
        with gzip.open(source, "rt", encoding="utf-8") as f:
            for row in itertools.islice(f, 60):
                lines += [x for v in json.loads(row).values() if isinstance(v, str) for x in v.split("\n")]
    edge = [
        "Năm 2024 có -5 độ, +12 độ, 2147483647 và 2147483648 người", "A", "1", "-", "+", "-0 +0 007",
        "HÀ NỘI Hà Nội hà nội Đà Nẵng", "ß Straße ǅ İstanbul ΟΔΟΣ", "«Tin» — “nóng”… (1/2) [ảnh] #vn @x",
        "Việt Nam", "Bác sĩ bây giờ có thể thản nhiên báo tin bệnh nhân bị ung thư",
    ]
    return list(dict.fromkeys(x for x in lines + edge if x.strip()))


def test_the_same_labels_as_underthesea(underthesea_model):
    scorer, tagger, tokenize = underthesea_model
    lines = lines_to_check()
    assert len(lines) > 200
    differing = []
    for line in lines:
        tokens = tokenize(line, use_token_normalize=True, fixed_words=[])
        if scorer.tag(tokens) != tagger.predict([[t] for t in tokens]):
            differing.append(line)
    assert differing == []
    assert scorer.tag([]) == []


def test_segmenter_output_is_underthesea_word_tokenize():
    from underthesea import word_tokenize

    from vnnews.text import get_segmenter

    seg = get_segmenter("underthesea", tone_style=None)
    assert seg.uses_weights  # the fast path is in use with the bundled model
    for line in lines_to_check()[:400]:
        assert seg.segment(line) == word_tokenize(line, format="text")


def test_a_file_that_is_not_a_crfsuite_model_is_refused(tmp_path):
    path = tmp_path / "models.bin"
    path.write_bytes(b"lCRF" + struct.pack("<I", 48) + b"XXXX" + bytes(36))
    with pytest.raises(CRFModelError, match="not a CRFsuite model"):
        read_crfsuite(path)
    path.write_bytes(b"lCRF" + struct.pack("<I", 48) + b"FOMC" + struct.pack("<9I", 100, 0, 2, 1, 48, 48, 48, 0, 0))
    with pytest.raises(CRFModelError, match="string table"):
        read_crfsuite(path)


def test_the_segmenter_falls_back_to_underthesea_when_the_model_is_not_understood(monkeypatch):
    import vnnews.text.crf as crf
    from vnnews.text.segment import UndertheseaSegmenter, underthesea_scorer

    monkeypatch.setattr(crf, "TEMPLATES", ("T[0]",))  # as if underthesea shipped other templates
    underthesea_scorer.cache_clear()
    try:
        seg = UndertheseaSegmenter(tone_style=None)
        assert not seg.uses_weights
        assert seg.segment("Bộ Ngoại giao") == "Bộ Ngoại_giao"
    finally:
        underthesea_scorer.cache_clear()


REGEX_EDGES = [
    "Xem https://vnexpress.net/a-b-123.html?x=1 hoặc www.dantri.com.vn, gửi thư tới ban.doc@tuoitre.com.vn",
    "Gọi 024-3826-1234 lúc 14:30 ngày 12/3/2024, 5/6 hay 2-3; giá 1.250.000,50 đồng (tăng 3,5%)",
    "Mạng 5G, 3G; TP.HCM, UBND, NĐ-CP, T.Ư; covid-19 và Hà Nội-Hải Phòng ==> kết quả -> ... --- >> 30°C",
    "Vui quá :)) =)) <3 ♥‿♥ :D ! ? × ÷ $ ^ _ ~ | ðường Ðà", "  ", "", "a\u00a0b\tc\nd",
    # plain words, the regex skipped (segment._plain_tokens), and what must not skip it
    "Xin chào các bạn, hôm nay trời đẹp.", "Thus far, Th s và Thasn", "TP. Hà Nội, Tp. Huế, Mr. Smith, Dr. An, ThS. Bình.", "HÀ NỘI. Tin",
    "ʺabcʺ và ʺ", "Trời mưa. Cuối cùng", "ĐẢNG.", "Một câu kết thúc bằng chữ HOA.", "Tin,, tức", "x.", "ẢNH. x",
    # mixed lines: plain chunks beside chunks the regex reads (segment.regex_tokens, chunk by chunk)
    "Ông An ở TP. HCM nói giá lúa 5.000 đồng/kg (tăng 3%), xem www.bao.vn hoặc gửi thư tới a.b@bao.vn nhé.",
    "Người H'Mông, xã N’Thôn Hạ: v.v... và Dr. An, Mr. Bean; 43H-0530 lúc 10:20:50 ngày 02/05/2014 :D", "ABC. Def GHI.",
]


def test_the_regex_tokenizer_gives_underthesea_tokens(monkeypatch):
    from underthesea.pipeline.word_tokenize import regex_tokenize

    from vnnews.text.segment import regex_tokens

    lines = lines_to_check() + REGEX_EDGES
    assert [regex_tokens(x) for x in lines] == [regex_tokenize.tokenize(x, use_token_normalize=True, fixed_words=[]) for x in lines]
    # underthesea rebinds its module's pattern once a caller passes fixed words; both read it
    monkeypatch.setattr(regex_tokenize, "patterns", regex_tokenize.patterns)
    regex_tokenize.tokenize("Viện nghiên cứu", fixed_words=["Viện nghiên cứu"])
    line = "Viện nghiên cứu và Viện nghiên cứu Hán Nôm, 12/3"
    assert regex_tokens(line) == regex_tokenize.tokenize(line, use_token_normalize=True, fixed_words=[])
    assert "Viện nghiên cứu" in regex_tokens(line)  # the fixed word's pattern was the one in use


def test_plain_lines_skip_the_regex_and_the_rest_do_not():
    from vnnews.text.segment import _plain_tokens

    assert _plain_tokens("Xin chào các bạn, hôm nay trời đẹp.") == ["Xin", "chào", "các", "bạn", ",", "hôm", "nay", "trời", "đẹp", "."]
    assert _plain_tokens("HÀ NỘI. Tin") == ["HÀ", "NỘI", ".", "Tin"]  # "Ộ" is not in [A-ZĐ]: no abbreviation
    for line in ("Giá 5 đồng", "TP. Hà Nội", "HANOI. Tin", "Mr. An", "Thus", "Th s", "ʺx", "a.b", "x!", "Tin,, tức", "e-mail"):
        assert _plain_tokens(line) is None, line


def test_a_prefix_of_the_tokens_settles_the_labels_of_the_first_words_exactly(underthesea_model):
    # tag_prefix reads the beginning of a sentence only: whatever it answers must be what
    # the whole sentence's Viterbi gives those tokens, and cover exactly the words asked for
    scorer, _tagger, tokenize = underthesea_model
    answered = unsettled = 0
    for line in lines_to_check():
        tokens = tokenize(line, use_token_normalize=True, fixed_words=[])
        if len(tokens) < 12:
            continue
        whole = scorer.tag(tokens)
        for words in (1, 4, 10):
            for k in range(3, len(tokens)):
                got = scorer.tag_prefix(tokens[:k], words)
                if got is None:
                    unsettled += 1
                    continue
                answered += 1
                assert got == whole[: len(got)], line
                starts = [i for i, tag in enumerate(whole) if i == 0 or tag == "B-W"]
                assert len(got) == starts[words], line  # ends where word words + 1 begins
    assert answered > 1000 and unsettled > 0  # both branches seen


def test_segment_prefix_is_the_first_words_of_segment():
    from vnnews.text import get_segmenter

    seg = get_segmenter("underthesea")
    lines = lines_to_check()
    long = [line for line in lines if len(line.split()) > 80]
    assert long  # paragraphs long enough to be cut
    for line in lines:
        whole = seg.segment(line).split(" ")
        for words in (1, 22, 62):
            assert seg.segment_prefix(line, words) == " ".join(whole[:words]), (line, words)
    assert seg.segment_prefix("", 5) == "" and seg.segment_prefix("   ", 5) == ""


def test_the_page_labellers_ids_of_a_line_are_those_of_its_whole_segmentation(tiny_phobert):
    # LineTokenizer segments only the words its max_line_tokens ids can hold
    import types

    from transformers import PhobertTokenizer

    from vnnews.models.line_tokens import LineTokenizer

    tokenizer = PhobertTokenizer.from_pretrained(str(tiny_phobert))
    lines = lines_to_check()
    for max_tokens in (3, 24, 64):
        settings = types.SimpleNamespace(max_line_chars=600, max_line_tokens=max_tokens, segmenter="underthesea", tone_style="new")
        tok = LineTokenizer(tokenizer, settings)
        for line in lines:
            assert tok._encode(line) == tok._ids_of_words(tok.segment.segment(line[:600])), line
