"""The language filter (vnnews.language): what it tells apart, what it keeps, what it says."""

import pytest

from tests.conftest import RAW_DIR
from vnnews.ingest import IngestOptions, iter_articles
from vnnews.language import Detected, check_languages, detect, refusal, sample

ENGLISH = ["Home", "World", "The prime minister met foreign ambassadors in Hanoi on Tuesday to discuss trade and investment ties between the two countries."]
UNMARKED = ["Trang chu", "Hoi nghi Ngoai giao lan thu 32 dien ra tai Ha Noi voi su tham gia cua nhieu dai su va truong co quan dai dien."]


def test_vietnamese_with_and_without_tone_marks_other_languages_and_too_little_text():
    page = next(iter_articles([RAW_DIR / "000_40151c7d04a83f24.txt"]))
    assert detect(page.texts).language == "vi" and detect(page.texts).score > 0.99
    assert detect(UNMARKED).language == "vi"  # Vietnamese typed without its marks is still Vietnamese
    assert detect(ENGLISH).language == "en"
    assert detect(["Русский", "English"]) is None  # too little text to tell: kept
    assert detect([]) is None


def test_the_sample_is_the_longest_lines_in_page_order():
    lines = ["menu", "a" * 50, "short", "b" * 60]
    assert sample(lines, chars=100) == "a" * 50 + "\n" + "b" * 60


def test_the_languages_setting_and_the_reason_a_page_is_skipped():
    assert check_languages(["vi"]) == ("vi",) and check_languages("vi,en") == ("vi", "en") and check_languages(["VI", "vi"]) == ("vi",)
    assert check_languages(["all"]) is None and check_languages(None) is None and check_languages([]) is None
    with pytest.raises(ValueError, match="unknown code.*xx"):
        check_languages(["vi", "xx"])
    with pytest.raises(ValueError, match="languages: unknown code"):
        IngestOptions(languages=("vietnamese",))
    why = refusal(Detected("en", 0.97), ("vi",))
    assert why == "written in en (score 0.97), not in languages [vi]: skipped (--languages all keeps every page)"
    assert refusal(Detected("vi", 0.9), ("vi",)) is None and refusal(None, ("vi",)) is None and refusal(Detected("en", 1.0), None) is None


def test_reading_with_languages_skips_other_pages_with_one_error_each(tmp_path):
    (tmp_path / "en.txt").write_text("\n".join(ENGLISH), encoding="utf-8")
    (tmp_path / "vi.txt").write_text("\n".join(UNMARKED), encoding="utf-8")
    errors = []
    kept = list(iter_articles([tmp_path], IngestOptions(languages=("vi",)), errors.append))
    assert [a.id for a in kept] == ["vi"] and kept[0].meta["detected_language"]["language"] == "vi"
    assert len(errors) == 1 and errors[0].article_id == "en" and "written in en" in errors[0].cause
    assert [a.id for a in iter_articles([tmp_path], IngestOptions())] == ["en", "vi"]  # the library's default reads every page
