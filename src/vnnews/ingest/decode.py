"""Bytes to text. Vietnamese pages come as UTF-8 (with or without BOM), UTF-16
with BOM from Windows tools, and Windows-1258, the Vietnamese code page, which
stores tone marks as separate combining characters (normalisation recomposes
them). Anything else that is text is left to charset-normalizer.

Scraped pages are often slightly broken, and one bad byte must not cost the page:
a few NUL bytes are dropped; a UTF-8 page with a few lines in another encoding
(a Windows-1258 footer pasted in) keeps its UTF-8 lines and reads those lines as
Windows-1258; and a page whose declared charset is a Western code page
(ISO-8859-1, Windows-1252) but whose bytes are Vietnamese Windows-1258 (the
declared charset would give mojibake such as "ThuÒ tuÌng") is read as
Windows-1258. Each repair is named in the returned encoding, e.g.
``"utf-8 (1 NUL byte dropped; 2 lines windows-1258)"``."""

from __future__ import annotations

import codecs
import re
import unicodedata

import charset_normalizer

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)
# Share of characters that may be controls before text is called binary.
_MAX_CONTROL_SHARE = 0.01
# NUL bytes a page may hold (as a share of its bytes, at least 4) and still be read as text, the NULs dropped.
_MAX_NUL_SHARE = 0.001
# Share of a mostly-UTF-8 page's bytes that may sit in lines of another encoding.
_MAX_FOREIGN_LINE_SHARE = 0.25
# Western single-byte code pages a Vietnamese page is wrongly declared in.
_WESTERN = frozenset({"latin-1", "iso8859-1", "iso8859-15", "cp1252", "ascii"})
# Letters only Vietnamese has among Latin scripts: ă đ ơ ư and the precomposed vowels with a
# tone mark of Latin Extended Additional (U+1EA0-U+1EF9); a Western code page never yields them.
_VIETNAMESE_ONLY = frozenset("ăĂđĐơƠưƯ") | frozenset(chr(c) for c in range(0x1EA0, 0x1EFA))


class DecodeError(ValueError):
    """The bytes are not text in any encoding we accept; the message says why."""


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in a <meta> tag, if any."""
    m = _DECLARED_CHARSET_RE.search(data[:4096])
    if not m:
        return None
    name = m.group(1).decode("ascii").lower()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" when ``data`` looks like UTF-16 written without a
    byte-order mark, else None. In UTF-16 text of a Latin-script language the high
    byte of most characters is 0 (ASCII letters, digits, spaces, punctuation; most
    Vietnamese letters sit in U+00C0-U+01B0 or U+1EA0-U+1EF9, whose high bytes are
    0x00, 0x01 and 0x1E), so one byte position of each pair is mostly NUL and the
    other almost never is."""
    sample = data[:8192]
    if len(sample) < 4 or len(data) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nul >= 0.3 and even_nul <= 0.02:
        return "utf-16-le"
    if even_nul >= 0.3 and odd_nul <= 0.02:
        return "utf-16-be"
    return None


def _control_share(text: str) -> float:
    sample = text[:65536]
    controls = sum(1 for c in sample if c < " " and c not in "\n\r\t\f")
    return controls / max(len(sample), 1)


def _vietnamese_letters(text: str) -> int:
    sample = unicodedata.normalize("NFC", text[:65536])
    return sum(1 for c in sample if c in _VIETNAMESE_ONLY)


def _western_mojibake(data: bytes, encoding: str) -> str | None:
    """The Windows-1258 text of ``data`` when ``encoding`` (a Western code page) gives
    mojibake where Windows-1258 gives Vietnamese, else None."""
    if codecs.lookup(encoding).name not in _WESTERN:
        return None
    try:
        vietnamese = data.decode("cp1258")
    except UnicodeDecodeError:
        return None
    found = _vietnamese_letters(vietnamese)
    letters = sum(1 for c in vietnamese[:65536] if c.isalpha() and not c.isascii())
    return vietnamese if found >= 3 and found >= 0.2 * max(letters, 1) else None


def _mostly_utf8(data: bytes, declared: str | None) -> tuple[str, int, str] | None:
    """A UTF-8 page with a few lines in another encoding: (text, lines repaired, their
    encoding), each bad line read as ``declared`` when that is a non-Western legacy
    charset, else as Windows-1258. None when the valid lines hold no UTF-8 beyond ASCII
    (then the page is a legacy one) or the bad lines are more than
    ``_MAX_FOREIGN_LINE_SHARE`` of the bytes."""
    fallback = "cp1258"
    if declared and not declared.startswith("utf") and declared not in _WESTERN:
        fallback = declared
    out: list[str] = []
    foreign_lines = foreign_bytes = 0
    multibyte = False
    for line in data.split(b"\n"):
        try:
            text = line.decode("utf-8")
            multibyte = multibyte or not line.isascii()
        except UnicodeDecodeError:
            try:
                text = line.decode(fallback)
            except (UnicodeDecodeError, LookupError):
                text = line.decode("cp1258", "replace")
            foreign_lines += 1
            foreign_bytes += len(line)
        out.append(text)
    if not multibyte or foreign_bytes > _MAX_FOREIGN_LINE_SHARE * len(data):
        return None
    return "\n".join(out), foreign_lines, fallback


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data``; return (text, encoding name, with the repairs made). Order:
    BOM, strict UTF-8, UTF-8 with a few lines in another encoding, the ``declared``
    charset (HTML meta; a Western one that gives Vietnamese mojibake is overruled by
    Windows-1258), then charset-normalizer's best guess. A few NUL bytes are dropped.

    Raises DecodeError for empty, binary or undecodable input."""
    if not data.strip():
        raise DecodeError("empty file")
    repairs: list[str] = []
    if b"\x00" in data and not data.startswith(tuple(bom for bom, _ in _BOMS)) and _utf16_without_bom(data) is None:
        # a few stray NULs in a UTF-8 page are dropped; NULs in anything else mean binary
        binary = DecodeError("binary file (NUL bytes, and neither a UTF-16/32 byte-order mark nor the byte pattern of UTF-16 text)")
        nuls = data.count(0)
        if nuls > max(4, _MAX_NUL_SHARE * len(data)):
            raise binary
        data = data.replace(b"\x00", b"")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            if _mostly_utf8(data, declared) is None:
                raise binary from None
        repairs.append(f"{nuls} NUL byte{'s' if nuls > 1 else ''} dropped")
    text, encoding = _decode(data, declared, repairs)
    if _control_share(text) > _MAX_CONTROL_SHARE:
        raise DecodeError(f"binary file (decodes as {encoding} but is full of control characters)")
    if not text.strip():
        raise DecodeError("empty file (only whitespace)")
    return text, encoding + (f" ({'; '.join(repairs)})" if repairs else "")


def _decode(data: bytes, declared: str | None, repairs: list[str]) -> tuple[str, str]:
    text = encoding = None
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                text, encoding = data[len(bom) :].decode(name), name + (" (BOM)" if name != "utf-8" else "-sig")
            except UnicodeDecodeError as exc:
                raise DecodeError(f"starts with a {name} byte-order mark but is not {name}: {exc.reason}") from None
            break
    if text is None and b"\x00" in data[:8192]:
        guess = _utf16_without_bom(data)
        if guess is None:  # pragma: no cover - decode_bytes dropped stray NULs or refused the file
            raise DecodeError("binary file (NUL bytes, and neither a UTF-16/32 byte-order mark nor the byte pattern of UTF-16 text)")
        try:
            text, encoding = data.decode(guess), f"{guess} (no BOM)"
        except UnicodeDecodeError as exc:
            raise DecodeError(f"looks like {guess} without a byte-order mark but does not decode as it: {exc.reason}") from None
    if text is None:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    if text is None and (mixed := _mostly_utf8(data, declared)) is not None:
        text, encoding = mixed[0], "utf-8"
        repairs.append(f"{mixed[1]} line{'s' if mixed[1] > 1 else ''} not UTF-8, read as {mixed[2]}")
    if text is None and declared:
        try:
            text, encoding = data.decode(declared), declared
        except (UnicodeDecodeError, LookupError):
            pass
    if text is None:
        best = charset_normalizer.from_bytes(data).best()
        if best is None:
            raise DecodeError("undecodable: not UTF-8, UTF-16 or any known code page")
        text, encoding = str(best), best.encoding
    if encoding and not encoding.startswith("utf") and (vietnamese := _western_mojibake(data, encoding)) is not None:
        repairs.append(f"declared or guessed {encoding}, which gives mojibake: read as windows-1258")
        text, encoding = vietnamese, "cp1258"
    return text, encoding
