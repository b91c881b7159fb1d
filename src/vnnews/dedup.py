"""Near-duplicate articles: syndicated or re-published stories, found with MinHash and
locality-sensitive hashing over word shingles of their bodies.

An article's body becomes the set of its 3-word shingles (normalised, lower-cased,
punctuation dropped), summarised by 128 MinHash values; two bodies' estimated Jaccard
similarity is the share of equal values. LSH cuts the 128 values into 16 bands of 8:
articles sharing a band are candidates, and a candidate whose estimated similarity
reaches ``threshold`` (default 0.7) makes the later article a near-duplicate of the
earlier (``duplicate_of`` = the first article seen of its group, with the score).

The index lives in SQLite, on disk for a job (``OUTPUT.parts/near-duplicates.sqlite``:
it survives a kill and ``--resume`` goes on with it, and in the build's scratch folder): a job of
any size keeps memory flat (16 band keys and 128 values per distinct article on disk).
datasketch's ``MinHashLSH`` keeps its index in memory (or in Redis or Cassandra), which
bounds nothing on one machine; the hashing here is a few lines of numpy.
"""

from __future__ import annotations

import os
import sqlite3
import zlib
from collections.abc import Sequence

import numpy as np

from vnnews.text import normalize
from vnnews.text.normalize import word_key

PERMUTATIONS = 128
BANDS = 16  # x 8 rows: a pair at 0.7 similarity is a candidate with probability 0.9, at 0.3 with 0.001
SHINGLE_WORDS = 3
DEFAULT_THRESHOLD = 0.7
_PRIME = np.uint64(4294967311)  # > 2**32: (a * x + b) mod p stays below 2**64 for 32-bit x
_RNG = np.random.default_rng(20221223)
_A = _RNG.integers(1, int(_PRIME), PERMUTATIONS, dtype=np.uint64)
_B = _RNG.integers(0, int(_PRIME), PERMUTATIONS, dtype=np.uint64)


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[int]:
    """The 32-bit hashes of the ``k``-word shingles of ``text`` (normalised words; a text
    shorter than ``k`` words is one shingle)."""
    words = word_key(normalize(text, tone_style="new")).split()
    if len(words) < k:
        return {zlib.crc32(" ".join(words).encode())} if words else set()
    return {zlib.crc32(" ".join(words[i : i + k]).encode()) for i in range(len(words) - k + 1)}


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature of ``text`` (None for a text without words)."""
    hashed = shingles(text)
    if not hashed:
        return None
    x = np.fromiter(hashed, dtype=np.uint64, count=len(hashed))
    return ((np.outer(_A, x) + _B[:, None]) % _PRIME).min(axis=1).astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


def _bands(sig: np.ndarray) -> list[int]:
    rows = PERMUTATIONS // BANDS
    return [zlib.crc32(sig[i * rows : (i + 1) * rows].tobytes()) for i in range(BANDS)]


class NearDuplicates:
    """The articles seen so far, to tell whether a new one nearly repeats one of them.
    ``path``: an SQLite file (kept across runs) or None (in memory)."""

    def __init__(self, path: str | os.PathLike[str] | None = None, threshold: float = DEFAULT_THRESHOLD) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"dedup_threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        self.db = sqlite3.connect(str(path) if path is not None else ":memory:", timeout=120)
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, sig BLOB NOT NULL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS band (band INTEGER, key INTEGER, id TEXT, PRIMARY KEY (band, key, id))")
        self.db.commit()

    def check(self, article_id: str, text: str) -> tuple[str | None, float | None]:
        """(the earlier article ``text`` nearly repeats, the estimated similarity), or
        (None, None); an article that repeats none is remembered. An id seen before
        (a job resumed after a kill) is never its own duplicate."""
        sig = signature(text)
        if sig is None:
            return None, None
        keys = _bands(sig)
        best: tuple[str | None, float] = (None, 0.0)
        candidates: set[str] = set()
        for band, key in enumerate(keys):
            candidates.update(row[0] for row in self.db.execute("SELECT id FROM band WHERE band = ? AND key = ?", (band, key)))
        candidates.discard(article_id)
        for other in sorted(candidates):
            row = self.db.execute("SELECT sig FROM seen WHERE id = ?", (other,)).fetchone()
            if row is None:
                continue
            score = similarity(sig, np.frombuffer(row[0], dtype=np.uint32))
            if score > best[1]:
                best = (other, score)
        if best[0] is not None and best[1] >= self.threshold:
            return best[0], round(best[1], 4)
        self.db.execute("INSERT OR REPLACE INTO seen VALUES (?, ?)", (article_id, sig.tobytes()))
        self.db.executemany("INSERT OR IGNORE INTO band VALUES (?, ?, ?)", [(band, key, article_id) for band, key in enumerate(keys)])
        return None, None

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        self.db.commit()
        self.db.close()


def mark_records(records: Sequence[dict], index: NearDuplicates) -> None:
    """Set ``duplicate_of``/``duplicate_score`` of batch-job records (their body is the
    text compared), in order; the index is committed before the caller writes them, so
    a job killed in between re-reads its own articles as themselves, never as twins."""
    for record in records:
        record["duplicate_of"], record["duplicate_score"] = index.check(record["id"], "\n".join(record.get("body") or []))
    index.commit()


def mark_duplicates(items: Sequence[tuple[str, str]], index: NearDuplicates | None = None) -> list[tuple[str | None, float | None]]:
    """(duplicate_of, score) for each (id, text) of ``items``, in order (the first of a
    group is its original)."""
    own = index is None
    index = index or NearDuplicates()
    try:
        return [index.check(article_id, text) for article_id, text in items]
    finally:
        if own:
            index.close()
        else:
            index.commit()


__all__ = ["DEFAULT_THRESHOLD", "NearDuplicates", "mark_duplicates", "shingles", "signature", "similarity"]
