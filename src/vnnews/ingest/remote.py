"""Inputs and outputs in remote storage, through fsspec: ``s3://``, ``gs://``, ``az://``,
``hf://``, ``https://`` and any other protocol fsspec knows (its in-memory ``memory://`` in
the tests, never the network).

Remote inputs are read by the same readers as local files, streamed (``fs.open`` reads
blocks as the reader asks for them: a 1 GB CC-NEWS WARC is never downloaded first); a
folder or a glob pattern is listed once (sorted, hidden entries skipped, as for local
folders). The filesystem's own package is needed for its protocol (``s3fs``, ``gcsfs``,
``adlfs``; ``huggingface_hub`` for ``hf://``; ``aiohttp`` for ``https://``); without it the
input is one error naming the package.

An ``http(s)://`` input is read this way only when it names a collection: a JSONL,
Parquet or WARC file, or a listing (ending in ``/``). A page's address stays refused
with the reason (vnnews reads files; ``vnnews extract --fetch`` fetches one page).

Remote outputs (:func:`staging_dir`, :func:`upload`) are written in a local staging
folder first, where the job is resumable like any other, and uploaded once complete:
object stores have no append and no atomic rename, and a half-written output must never
replace a whole one.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any

_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*)://", re.I)
COLLECTION_SUFFIXES = (".jsonl", ".jsonl.gz", ".parquet", ".warc", ".warc.gz")
_PACKAGES = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs", "hf": "huggingface_hub", "http": "aiohttp", "https": "aiohttp"}


def protocol(item: object) -> str | None:
    """The scheme of an input or output given as ``scheme://...``, lower case; None for a local path."""
    match = _SCHEME.match(str(item)) if isinstance(item, (str, PurePosixPath)) else None
    return match.group(1).lower() if match else None


def is_remote(item: object) -> bool:
    """Whether ``item`` is read or written through fsspec: a ``scheme://`` fsspec knows,
    and for http(s) only a collection (see the module's docstring)."""
    scheme = protocol(item)
    if scheme is None:
        return False
    if scheme in ("http", "https"):
        path = str(item).split("?", 1)[0].lower()
        return path.endswith("/") or path.endswith(COLLECTION_SUFFIXES)
    try:
        import fsspec
    except ImportError:
        return False
    return scheme in fsspec.available_protocols()


def _fs(url: str) -> tuple[Any, str]:
    from fsspec.core import url_to_fs

    try:
        return url_to_fs(url)
    except ImportError as exc:
        package = _PACKAGES.get(protocol(url) or "", "the filesystem's package")
        raise RemoteProblem(f"reading {protocol(url)}:// needs {package} (pip install {package}): {exc}") from None


class RemoteProblem(OSError):
    """A remote input or output that cannot be listed, opened or written; the message says why."""


def name(url: str) -> str:
    """The file name at the end of ``url`` (no query)."""
    return PurePosixPath(url.split("?", 1)[0].rstrip("/")).name


class _Guarded(io.RawIOBase):
    """A remote file whose every failure is an OSError (RemoteProblem): network libraries
    raise their own kinds (a ConnectError, a ClientError), and the readers handle a file
    that cannot be read through OSError, as for local files."""

    def __init__(self, inner: Any, url: str) -> None:
        super().__init__()
        self._inner, self._url = inner, url

    def _call(self, what: str, *args: Any) -> Any:
        try:
            return getattr(self._inner, what)(*args)
        except FileNotFoundError:  # fsspec's says only the path (http: at the first read)
            raise FileNotFoundError(errno.ENOENT, "no such file", self._url) from None
        except OSError:
            raise
        except Exception as exc:  # noqa: BLE001 - the store's own error kinds
            raise RemoteProblem(f"cannot read {self._url}: {type(exc).__name__}: {exc}") from None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return bytes(self._call("read", size))

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return int(self._call("seek", offset, whence))

    def tell(self) -> int:
        return int(self._call("tell"))

    def close(self) -> None:
        if not self.closed:
            try:
                self._inner.close()
            except Exception:  # noqa: BLE001, S110 - closing a read stream: nothing to keep
                pass
        super().close()


def open_input(path: str | os.PathLike[str]) -> IO[bytes]:
    """A binary stream of a local file or a remote one (read block by block as asked;
    every failure an OSError)."""
    if isinstance(path, str) and is_remote(path):
        fs, inner = _fs(path)
        try:
            return _Guarded(fs.open(inner, "rb"), path)  # type: ignore[return-value]
        except FileNotFoundError:
            raise FileNotFoundError(errno.ENOENT, "no such file", path) from None
        except RemoteProblem:
            raise
        except Exception as exc:  # noqa: BLE001 - the store's own error kinds
            raise RemoteProblem(f"cannot open {path}: {type(exc).__name__}: {exc}") from None
    return open(path, "rb")


def size(url: str) -> int | None:
    """Bytes of a remote file, None when the store does not say."""
    fs, inner = _fs(url)
    try:
        value = fs.size(inner)
    except Exception:  # noqa: BLE001 - a size is only a hint (how to share the file)
        return None
    return int(value) if value is not None else None


def list_files(url: str) -> Iterator[tuple[str, str]]:
    """``(file URL, path relative to the input)`` for every file of a remote input: the
    file itself, every file under a folder (recursively, sorted, hidden entries skipped)
    or every match of a glob pattern (``*``, ``?``, ``[``). RemoteProblem or
    FileNotFoundError when it cannot be listed."""
    fs, inner = _fs(url)
    try:
        if any(ch in inner for ch in "*?["):
            root = inner.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0].rsplit("/", 1)[0]
            found = sorted(p for p in fs.glob(inner) if fs.isfile(p))
        elif fs.isdir(inner):
            root = inner.rstrip("/")
            found = sorted(fs.find(inner))
        elif fs.exists(inner) or protocol(url) in ("http", "https"):
            yield url, name(url)
            return
        else:
            raise FileNotFoundError(f"{url}: no such file or folder")
    except (FileNotFoundError, RemoteProblem):
        raise
    except Exception as exc:  # noqa: BLE001 - the store's own error kinds (a ConnectError, a ClientError)
        raise RemoteProblem(f"cannot list: {type(exc).__name__}: {exc}") from None
    for path in found:
        rel = path[len(root) :].lstrip("/") if path.startswith(root) else name(path)
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        yield _full(fs, path, url), rel


def _full(fs: Any, path: str, asked: str) -> str:
    """``path`` of ``fs`` as a URL with the protocol the user wrote (s3:// stays s3://)."""
    if protocol(path):
        return path
    scheme = protocol(asked)
    return f"{scheme}://{path.lstrip('/')}" if scheme not in ("memory", "file", "local") else fs.unstrip_protocol(path)


def exists(url: str) -> bool:
    fs, inner = _fs(url)
    try:
        return bool(fs.exists(inner))
    except Exception as exc:  # noqa: BLE001 - the store's own error kinds
        raise RemoteProblem(f"cannot tell whether {url} exists: {type(exc).__name__}: {exc}") from None


def staging_dir(url: str) -> Path:
    """The local folder where a job with the remote output ``url`` is written before its
    upload (``VNNEWS_STAGING``, default ``~/.cache/vnnews/staging``; one folder per URL, so
    ``--resume`` finds an interrupted job's parts there)."""
    base = Path(os.environ.get("VNNEWS_STAGING") or Path.home() / ".cache" / "vnnews" / "staging")
    return base / hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def upload(local: Path, url: str) -> None:
    """Copy the finished local output ``local`` (a file or a folder) to ``url`` (an object
    store replaces an object only once its upload completes; a folder goes file by file)."""
    fs, inner = _fs(url)
    try:
        if local.is_dir():
            for path in sorted(p for p in local.rglob("*") if p.is_file()):
                fs.put_file(str(path), f"{inner.rstrip('/')}/{path.relative_to(local).as_posix()}")
        else:
            parent = inner.rsplit("/", 1)[0]
            if parent and parent != inner:
                fs.makedirs(parent, exist_ok=True)
            fs.put_file(str(local), inner)
    except Exception as exc:  # noqa: BLE001 - the store's own error kinds
        raise RemoteProblem(f"cannot write {url}: {type(exc).__name__}: {exc}") from None


__all__ = ["COLLECTION_SUFFIXES", "RemoteProblem", "exists", "is_remote", "list_files", "name", "open_input", "protocol", "size", "staging_dir", "upload"]
