import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vnnews.text import normalize, normalize_tone_marks

TONES = "\u0300\u0301\u0303\u0309\u0323"


def letters_without_tones(text: str) -> str:
    """The letters of ``text`` in order, tone marks removed: what normalisation must keep."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONES))
    return "".join(c for c in stripped if unicodedata.category(c).startswith("L"))


@pytest.mark.parametrize(
    ("old", "new"),
    [("hóa", "hoá"), ("Hòa", "Hoà"), ("khỏe", "khoẻ"), ("thúy", "thuý"), ("HÓA", "HOÁ"), ("họa", "hoạ")],
)
def test_old_and_new_tone_styles_compare_equal_after_normalisation(old, new):
    assert normalize(old) == normalize(new) == new
    assert normalize(old, tone_style="old") == normalize(new, tone_style="old") == old


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("hòan", "hoàn"),  # closed syllable: last vowel of the nucleus
        ("huỳnh", "huỳnh"),
        ("ngòai", "ngoài"),  # three vowels: middle one
        ("ngừơi", "người"),  # shaped vowel ơ wins
        ("quý", "quý"),  # "qu" is a consonant
        ("giữa", "giữa"),  # "gi" is a consonant
        ("gì", "gì"),  # ... unless no vowel follows
        ("múa", "múa"),
        ("tiếng", "tiếng"),
        ("Zoë", "Zoë"),  # not Vietnamese: untouched
        ("Baoquocte", "Baoquocte"),
    ],
)
def test_tone_mark_placement(typed, expected):
    assert normalize_tone_marks(typed, "new") == expected


def test_invisible_characters_and_spaces():
    raw = "\ufeffVăn\u00a0hóa\u200b  Việt\tNam\x07 \u2009 \r\nDòng  hai  "
    assert normalize(raw) == "Văn hoá Việt Nam\nDòng hai"
    assert normalize(raw, keep_newlines=False) == "Văn hoá Việt Nam Dòng hai"


def test_decomposed_input_is_composed():
    nfd = unicodedata.normalize("NFD", "Việt Nam")
    assert nfd != "Việt Nam"
    assert normalize(nfd) == "Việt Nam"


def test_tone_style_none_keeps_marks():
    assert normalize("hóa và hoá", tone_style=None) == "hóa và hoá"


def test_unknown_tone_style_is_rejected():
    with pytest.raises(ValueError, match="tone style"):
        normalize("hoá", tone_style="modern")


VIETNAMESE = "aăâeêioôơuưyđAĂÂEÊIOÔƠUƯYĐbcdghklmnpqrstvx" + "áàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
NOISE = " \u00a0\u200b\u200d\ufeff\t\n\r\x00\x1f\u2028" + TONES + "\u0302\u0306\u031b"
texts = st.text(alphabet=st.sampled_from(VIETNAMESE + NOISE + ".,:;0123"), max_size=60) | st.text(max_size=40)


@settings(max_examples=400, deadline=None)
@given(texts, st.sampled_from(["new", "old", None]))
def test_normalisation_is_idempotent(text, style):
    once = normalize(text, tone_style=style)
    assert normalize(once, tone_style=style) == once


def without_invisibles(text: str) -> str:
    """Drop invisible characters; line breaks and tabs stay separators."""
    return "".join(
        c for c in text if c in "\r\n\t" or unicodedata.category(c) not in {"Cc", "Cf", "Co", "Cn", "Cs"}
    )


@settings(max_examples=400, deadline=None)
@given(texts, st.sampled_from(["new", "old", None]))
def test_normalisation_never_drops_or_changes_a_letter(text, style):
    # Reference: the input without its invisible characters, since dropping one
    # lets a combining mark that followed it join the letter before, as written.
    assert letters_without_tones(normalize(text, tone_style=style)) == letters_without_tones(without_invisibles(text))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(VIETNAMESE + " "), max_size=40))
def test_styles_only_move_marks(text):
    new, old = normalize(text, tone_style="new"), normalize(text, tone_style="old")
    assert normalize(new, tone_style="old") == old
    assert normalize(old, tone_style="new") == new
