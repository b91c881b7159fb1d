"""What vnnews may write over, and how it commits results without losing any.

Three rules, one place:

1. **Only what it can prove it wrote.** A directory vnnews writes carries a marker
   file (:data:`MARKER`) inside it; a file it writes has a claim beside it
   (``.NAME.vnnews``) holding the file's fingerprint (inode, size, modification
   time). :func:`is_ours` checks them; :func:`check_output` refuses, naming the
   path, an output that is an input or lies inside one, and an existing file or
   directory without a valid claim, whatever the flags.
2. **One job per output.** :func:`output_lock` takes an exclusive ``flock`` on a
   hidden lock file beside the output (``.NAME.lock``, never deleted, so no
   unlink race); the kernel releases it when the process dies, ``kill -9``
   included, so a crashed job never blocks the next one.
3. **Write new, then swap; never delete first.** :func:`commit_file` claims the
   new file's fingerprint before renaming it over the old one, so at every
   instant the path holds a complete file that is claimed. :func:`commit_dir`
   moves the old directory aside, renames the new one in, then removes the old;
   :func:`recover_dir` finishes or undoes that swap after a crash.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MARKER = ".vnnews-output"  # inside every directory vnnews writes


class OutputRefused(FileExistsError):
    """vnnews will not write here; the message names the path and why."""


def claim_path(path: str | os.PathLike[str]) -> Path:
    """Where the claim of a file vnnews wrote lives: ``.NAME.vnnews`` beside it."""
    p = Path(path)
    return p.with_name(f".{p.name}.vnnews")


def lock_path(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    return p.with_name(f".{p.name}.lock")


def _aside(path: Path) -> Path:
    return path.with_name(f".{path.name}.old")


def _fingerprint(path: Path) -> list[int]:
    st = os.stat(path)
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``path`` atomically (temporary file, fsync, rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def read_claim(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The claim vnnews left on ``path`` (a directory's marker or a file's claim), or None."""
    p = Path(path)
    where = p / MARKER if p.is_dir() else claim_path(p)
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_ours(path: str | os.PathLike[str]) -> bool:
    """True if vnnews wrote what is at ``path`` now: a directory with its marker, or
    a file whose fingerprint its claim holds (a file edited or replaced since is
    not ours any more). A symbolic link never is: vnnews does not follow one into
    data it did not write."""
    p = Path(path)
    if p.is_symlink():
        return False
    if p.is_dir():
        return (p / MARKER).is_file()
    if p.is_file():
        claim = read_claim(p)
        return bool(claim) and _fingerprint(p) in claim.get("fingerprints", [])
    return False


def _empty_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and not any(path.iterdir())


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def check_output(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = (), what: str = "output") -> None:
    """Refuse ``path`` as an output (raise OutputRefused naming it) when it is one
    of ``inputs``, lies inside an input directory, contains an input, or exists
    and was not written by vnnews. An empty directory is accepted: nothing in it
    can be lost. Whether an output vnnews wrote may be replaced is the caller's
    rule (``--overwrite``, ``--resume``)."""
    p = Path(path)
    target = p.resolve()
    for item in inputs:
        source = Path(item).resolve()
        if target == source:
            raise OutputRefused(f"{what} {p} is also an input: refusing to write over it; choose another path")
        if source.is_dir() and _inside(target, source):
            raise OutputRefused(f"{what} {p} lies inside the input directory {item}: its results would be read back as input; choose a path outside it")
        if _inside(source, target):
            raise OutputRefused(f"input {item} lies inside the {what} {p}: refusing to write over it; choose another path")
    if (p.exists() or p.is_symlink()) and not is_ours(p) and not _empty_dir(p):
        kind = "directory" if p.is_dir() else "file"
        raise OutputRefused(
            f"{what} {p} is an existing {kind} that vnnews did not write (no vnnews marker): refusing to overwrite it; "
            "choose another path or move it away yourself"
        )


def remove_ours(path: str | os.PathLike[str]) -> None:
    """Delete ``path`` (and its claim) if vnnews wrote it; refuse otherwise."""
    p = Path(path)
    if not (p.exists() or p.is_symlink()):
        return
    if not is_ours(p) and not _empty_dir(p):
        raise OutputRefused(f"{p} was not written by vnnews: refusing to delete it")
    if p.is_dir():
        shutil.rmtree(p)
    else:
        p.unlink()
        claim_path(p).unlink(missing_ok=True)


def mark_dir(path: str | os.PathLike[str], **info: Any) -> None:
    """Create directory ``path`` (if needed) and put the vnnews marker in it."""
    p = Path(path)
    p.mkdir(parents=True, exist_ok=True)
    write_json(p / MARKER, {"written_by": "vnnews", **info})


def commit_file(tmp: str | os.PathLike[str], path: str | os.PathLike[str], **info: Any) -> None:
    """Rename the finished file ``tmp`` to ``path``. The claim names both the old
    and the new file before the rename and only the new one after it, so a crash
    at any instant leaves ``path`` complete and claimed. ``info`` is kept in the
    claim (read it back with :func:`read_claim`)."""
    tmp, path = Path(tmp), Path(path)
    if (path.exists() or path.is_symlink()) and not is_ours(path):
        raise OutputRefused(f"{path} was not written by vnnews: refusing to replace it")
    new = _fingerprint(tmp)
    old = _fingerprint(path) if path.is_file() else None
    write_json(claim_path(path), {"written_by": "vnnews", **info, "fingerprints": [f for f in (old, new) if f]})
    os.replace(tmp, path)
    write_json(claim_path(path), {"written_by": "vnnews", **info, "fingerprints": [new]})


def write_file(path: str | os.PathLike[str], lines: Iterable[str], **info: Any) -> int:
    """Write ``lines`` to ``path`` through a temporary file and :func:`commit_file`.
    Returns the number of lines written."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    n = 0
    with open(tmp, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(line)
            n += 1
        f.flush()
        os.fsync(f.fileno())
    commit_file(tmp, path, **info)
    return n


def commit_dir(tmp: str | os.PathLike[str], path: str | os.PathLike[str], **info: Any) -> None:
    """Put the finished directory ``tmp`` at ``path``: marker into ``tmp``, the old
    ``path`` (if any, and ours) renamed aside, ``tmp`` renamed in, the old one
    removed. :func:`recover_dir` repairs a crash between the renames."""
    tmp, path = Path(tmp), Path(path)
    mark_dir(tmp, **info)
    aside = _aside(path)
    if aside.exists():
        remove_ours(aside)
    if path.exists():
        if _empty_dir(path):
            path.rmdir()
        else:
            if not is_ours(path):
                raise OutputRefused(f"{path} was not written by vnnews: refusing to replace it")
            os.rename(path, aside)
    os.rename(tmp, path)
    if aside.exists():
        shutil.rmtree(aside)


def recover_dir(path: str | os.PathLike[str]) -> None:
    """Repair an interrupted :func:`commit_dir`: when ``path`` is missing and the
    old directory lies aside, put it back (the new one was not complete for sure);
    when both exist, the swap finished and the old one goes."""
    path = Path(path)
    aside = _aside(path)
    if not (aside.is_dir() and is_ours(aside)):
        return
    if path.exists():
        shutil.rmtree(aside)
    else:
        log.warning("restoring %s from an interrupted replacement", path)
        os.rename(aside, path)


@contextlib.contextmanager
def locked_output(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = (), what: str = "output") -> Iterator[None]:
    """:func:`check_output`, then :func:`output_lock` held for the duration, then the
    check again under the lock (another job may have written there meanwhile). The
    first check comes before the lock file is made beside ``path``, so nothing is
    written inside an input directory."""
    check_output(path, inputs, what)
    with output_lock(path, what):
        check_output(path, inputs, what)
        yield


@contextlib.contextmanager
def output_lock(path: str | os.PathLike[str], what: str = "output") -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for the duration; raise OutputRefused at
    once (naming the other job's process id) when another job holds it."""
    try:
        import fcntl
    except ImportError:  # no flock on this platform: run unlocked
        log.warning("no file locking on this platform: two jobs on %s would not be stopped", path)
        yield
        return
    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise OutputRefused(f"another vnnews job (process {holder}) is writing {what} {path}: wait for it to finish, or choose another path") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


__all__ = [
    "MARKER",
    "OutputRefused",
    "check_output",
    "claim_path",
    "commit_dir",
    "commit_file",
    "is_ours",
    "locked_output",
    "mark_dir",
    "output_lock",
    "read_claim",
    "recover_dir",
    "remove_ours",
    "write_file",
    "write_json",
]


def _umask() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)  # elsewhere: read it the only portable way, and put it back
    os.umask(old)
    return old


def make_readable(root: str | os.PathLike[str], skip: tuple[str, ...] = ()) -> None:
    """Give the files under ``root`` the modes a new file gets here (0644 under the usual
    umask 022). safetensors and tempfile write 0600, which a server reading a read-only
    mount as another user cannot open; ``skip`` names top-level entries to leave alone
    (training checkpoints)."""
    mode = 0o666 & ~_umask()
    base = Path(root)
    for path in base.rglob("*"):
        if path.relative_to(base).parts[0] in skip or path.is_symlink() or not path.is_file():
            continue
        current = path.stat().st_mode & 0o777
        if current | mode != current:
            path.chmod(current | mode)
