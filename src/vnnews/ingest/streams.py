"""Reading input bytes within bounds: plain or gzip files, whole or line by line.

A gzip file is decompressed here, a bounded slice at a time, instead of through
``gzip.open``: a 2 MB file may expand to gigabytes (a "gzip bomb"), and
``gzip.open`` loses the last lines it had decompressed when the stream is cut
short or followed by junk. So:

- :func:`read_bytes` reads a page file and stops once it passes ``max_bytes``
  (decompressed), raising :class:`InputProblem` instead of filling memory;
- :func:`iter_lines` yields every complete line (one JSONL record each), refuses a
  line longer than ``max_line_bytes`` (and reads on after it), and, when the stream
  is cut or followed by junk, yields every complete line before the damage and
  then says where reading stopped.

Concatenated gzip members (``cat a.gz b.gz``) are one stream, as gzip reads them;
zero bytes after the last member (tape padding) are ignored, as gzip does.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from vnnews.ingest.remote import is_remote, open_input

READ_BLOCK = 1 << 20  # compressed bytes read at once
OUT_BLOCK = 1 << 20  # most decompressed bytes produced per step (deflate expands up to 1,032x)
_GZIP_MAGIC = b"\x1f\x8b"


class InputProblem(Exception):
    """Reading an input stopped early; ``cause`` says why (and where), ``line`` the line
    number reading stopped at (line-by-line reading only)."""

    def __init__(self, cause: str, line: int | None = None) -> None:
        self.cause, self.line = cause, line
        super().__init__(cause)


def _plain_chunks(path: str | Path) -> Iterator[bytes]:
    with open_input(path) as f:
        while block := f.read(READ_BLOCK):
            yield block


def _gzip_chunks(path: str | Path) -> Iterator[bytes]:
    """Decompressed bytes of a gzip file, at most ``OUT_BLOCK`` at a time; raises
    InputProblem (after yielding all it could) for a cut, corrupt or junk-tailed stream."""
    decomp = zlib.decompressobj(wbits=31)
    started = False
    with open_input(path) as f:
        pending = b""  # compressed bytes not yet taken by the decompressor
        while True:
            if not pending:
                pending = f.read(READ_BLOCK)
                if not pending:
                    break
            try:
                out = decomp.decompress(pending, OUT_BLOCK)
            except zlib.error as exc:
                raise InputProblem(f"corrupt gzip data ({exc})" if started else "not a gzip file") from None
            started = True
            if out:
                yield out
            pending = decomp.unconsumed_tail
            if decomp.eof:  # a member ended: another member, zero padding, or junk
                rest = decomp.unused_data
                while len(rest) < len(_GZIP_MAGIC) and (more := f.read(READ_BLOCK)):
                    rest += more
                if rest.startswith(_GZIP_MAGIC):
                    decomp, pending = zlib.decompressobj(wbits=31), rest
                    continue
                while True:
                    if rest.strip(b"\x00"):
                        raise InputProblem("trailing data after the gzip stream (not gzip): ignored")
                    if not (rest := f.read(READ_BLOCK)):
                        return
        while out := decomp.decompress(b"", OUT_BLOCK):  # what the last input still holds
            yield out
    if not started:
        raise InputProblem("empty gzip file")
    if not decomp.eof:
        raise InputProblem("gzip stream cut short (the file ends mid-stream)")


def chunks(path: str | os.PathLike[str], gz: bool) -> Iterator[bytes]:
    """The file's bytes (decompressed when ``gz``), a block at a time; a remote file
    (``s3://...``: :mod:`vnnews.ingest.remote`) is streamed the same way."""
    where = path if isinstance(path, str) and is_remote(path) else Path(path)
    return _gzip_chunks(where) if gz else _plain_chunks(where)


def read_bytes(path: str | os.PathLike[str], gz: bool, max_bytes: int | None) -> bytes:
    """The whole file (decompressed when ``gz``); InputProblem past ``max_bytes``, or for a
    damaged gzip stream (a page cut short is not a page)."""
    parts: list[bytes] = []
    size = 0
    try:
        for block in chunks(path, gz):
            size += len(block)
            if max_bytes is not None and size > max_bytes:
                what = "once decompressed" if gz else "on disk"
                raise InputProblem(f"larger than max_page_bytes={max_bytes} bytes {what}: skipped (raise max_page_bytes to read it)")
            parts.append(block)
    except InputProblem as exc:
        if exc.cause.startswith("larger than"):
            raise
        raise InputProblem(f"cannot read: {exc.cause}") from None
    return b"".join(parts)


def iter_lines(path: str | os.PathLike[str], gz: bool, max_line_bytes: int | None) -> Iterator[tuple[int, bytes | None, str | None]]:
    """``(line number, line bytes, None)`` for every line, and ``(line number, None,
    cause)`` for a line over ``max_line_bytes`` (skipped; reading goes on). A stream
    that cannot be read to its end raises InputProblem (with the line it stopped at)
    once every complete line before the damage has been yielded. Memory is bounded
    by ``max_line_bytes``, not by the file."""
    lineno = 0
    pending: list[bytes] = []
    pending_size = 0
    too_long = False  # inside a line already reported as too long: drop up to its end
    try:
        for block in chunks(path, gz):
            start = 0
            while True:
                end = block.find(b"\n", start)
                piece = block[start:] if end < 0 else block[start : end + 1]
                if not too_long:
                    pending.append(piece)
                    pending_size += len(piece)
                    if max_line_bytes is not None and pending_size > max_line_bytes:
                        too_long = True
                        pending, pending_size = [], 0
                        yield lineno + 1, None, f"line longer than max_page_bytes={max_line_bytes} bytes: skipped"
                if end < 0:
                    break
                lineno += 1
                if not too_long:
                    yield lineno, b"".join(pending), None
                pending, pending_size, too_long = [], 0, False
                start = end + 1
    except InputProblem as exc:
        where = f"after line {lineno}" if lineno else "before the first line"
        cut = " (an unfinished last line dropped)" if pending_size else ""
        raise InputProblem(f"reading stopped {where}{cut}: {exc.cause}", lineno + 1) from None
    except OSError as exc:
        raise InputProblem(f"cannot read: {exc.strerror or exc}", lineno + 1 if lineno else None) from None
    if pending_size and not too_long:
        yield lineno + 1, b"".join(pending), None
