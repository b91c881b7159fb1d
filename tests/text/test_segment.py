import pytest

from vnnews.text import Segmenter, available_segmenters, get_segmenter


def test_underthesea_joins_syllables_of_a_word_offline():
    seg = get_segmenter("underthesea")
    assert isinstance(seg, Segmenter)
    out = seg.segment("Bộ Ngoại giao tích cực đổi mới")
    assert "Ngoại_giao" in out and "tích_cực" in out and "đổi_mới" in out
    assert seg.segment_batch(["Việt Nam", ""]) == ["Việt_Nam", ""]


def test_underthesea_output_keeps_the_project_tone_style():
    # underthesea itself returns "văn_hóa" for "văn hoá"
    assert get_segmenter("underthesea").segment("văn hoá Việt Nam") == "văn_hoá Việt_Nam"
    assert get_segmenter("underthesea", tone_style="old").segment("văn hoá Việt Nam") == "văn_hóa Việt_Nam"


def test_whitespace_segmenter_is_identity_on_words():
    assert get_segmenter("none").segment("  Việt   Nam ") == "Việt Nam"


def test_vncorenlp_without_package_explains_how_to_get_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "py_vncorenlp", None)  # as on a machine without it
    with pytest.raises(ImportError, match="pip install py_vncorenlp"):
        get_segmenter("vncorenlp", save_dir="/nonexistent")


def test_unknown_segmenter_lists_choices():
    with pytest.raises(ValueError, match="underthesea"):
        get_segmenter("jieba")
    assert {"underthesea", "vncorenlp", "none"} <= set(available_segmenters())
