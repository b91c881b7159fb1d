"""Bytes to text. Vietnamese pages come as UTF-8 (with or without BOM), UTF-16
with BOM from Windows tools, and Windows-1258, the Vietnamese code page, which
stores tone marks as separate combining characters (normalisation recomposes
them). Anything else that is text is left to charset-normalizer."""

from __future__ import annotations

import codecs
import re

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


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data``; return (text, encoding name). Order: BOM, strict UTF-8, the
    ``declared`` charset (HTML meta), then charset-normalizer's best guess.

    Raises DecodeError for empty, binary or undecodable input."""
    if not data.strip():
        raise DecodeError("empty file")
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
        if guess is None:
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
    if _control_share(text) > _MAX_CONTROL_SHARE:
        raise DecodeError(f"binary file (decodes as {encoding} but is full of control characters)")
    if not text.strip():
        raise DecodeError("empty file (only whitespace)")
    return text, encoding
