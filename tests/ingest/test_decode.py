import codecs
import unicodedata

import pytest

from vnnews.ingest import DecodeError, decode_bytes
from vnnews.text import normalize

TEXT = "Bộ Ngoại giao tích cực đổi mới, tăng cường ứng dụng thành tựu của Cách mạng Công nghiệp.\n" * 3
TONES = set("\u0300\u0301\u0303\u0309\u0323")


def to_cp1258(text: str) -> bytes:
    """Windows-1258 stores tone marks as combining characters after the vowel."""
    out = []
    for ch in text:
        d = unicodedata.normalize("NFD", ch)
        out.append(unicodedata.normalize("NFC", "".join(c for c in d if c not in TONES)) + "".join(c for c in d if c in TONES))
    return "".join(out).encode("cp1258")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le (BOM)"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be (BOM)"),
        (to_cp1258(TEXT), "cp1258"),
    ],
)
def test_encodings_decode_to_the_same_text(data, encoding):
    text, found = decode_bytes(data)
    assert found == encoding
    assert normalize(text) == normalize(TEXT)


def test_declared_charset_is_used_when_not_utf8():
    text, found = decode_bytes(to_cp1258(TEXT), declared="cp1258")
    assert found == "cp1258" and normalize(text) == normalize(TEXT)


@pytest.mark.parametrize(
    ("data", "cause"),
    [
        (b"", "empty file"),
        (b"  \n\t ", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file"),
        (codecs.BOM_UTF8 + b"\xff\xfe\xfa", "byte-order mark"),
        (bytes([7, 8, 1, 2, 3, 4, 5, 6, 14, 15, 16, 17]) * 50, "binary file"),
    ],
)
def test_bad_bytes_raise_with_cause(data, cause):
    with pytest.raises(DecodeError, match=cause):
        decode_bytes(data)
