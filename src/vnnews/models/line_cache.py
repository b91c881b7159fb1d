"""Line vectors kept across the pages of a job: a line is encoded once per job.

A site repeats its menus, footers, related lists and share prompts on every page, and
the page labeller's line encoder (PhoBERT-base for the real model: most of a page's
cost) gives a line the same vector wherever it stands: the vector depends on the line's
token ids only (attention and pooling are masked; the page's context comes after, in
the LSTM). ``PageLabeler.pool_lines`` already encodes a line once per forward pass;
this cache carries the vectors from one pass, chunk and request to the next.

Keyed by the line's token ids, on one model (the cache belongs to the model instance:
another model, or the same one trained further, has its own). Bounded in bytes, least
recently used lines go first. ``hits``/``misses`` count lines, for the job's summary.
"""

from __future__ import annotations

from collections import OrderedDict

import torch

DEFAULT_CACHE_MIB = 256  # 87,000 PhoBERT-base lines (768 floats each); far more for small encoders


class LineVectorCache:
    """Pooled line vectors by token ids, at most ``max_bytes`` of them (LRU)."""

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 1:
            raise ValueError(f"a line cache needs a size > 0 bytes, got {max_bytes}")
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self._vectors: OrderedDict[tuple[int, ...], torch.Tensor] = OrderedDict()

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, key: tuple[int, ...]) -> torch.Tensor | None:
        vector = self._vectors.get(key)
        if vector is not None:
            self._vectors.move_to_end(key)
        return vector

    def put(self, key: tuple[int, ...], vector: torch.Tensor) -> None:
        if key in self._vectors:
            return
        size = vector.numel() * vector.element_size() + 8 * len(key) + 100  # the vector, its key, the entry
        if size > self.max_bytes:
            return
        self._vectors[key] = vector
        self.bytes += size
        while self.bytes > self.max_bytes:
            old_key, old = self._vectors.popitem(last=False)
            self.bytes -= old.numel() * old.element_size() + 8 * len(old_key) + 100

    @property
    def hit_rate(self) -> float | None:
        """The share of lines whose vector was found here; None before any line."""
        seen = self.hits + self.misses
        return self.hits / seen if seen else None

    def describe(self) -> str:
        if self.hit_rate is None:
            return "no lines yet"
        return f"{reuse(self.hits, self.misses)}, {len(self):,} held in {self.bytes / 2**20:.1f} MiB"


def reuse(hits: int, misses: int) -> str:
    """What a cache's counts saved, as the job's summary says it (one cache, or the
    sums of several: Ray's classify actors each hold their own)."""
    seen = hits + misses
    return f"{hits:,} of {seen:,} lines reused ({hits / seen if seen else 0:.0%})"


__all__ = ["DEFAULT_CACHE_MIB", "LineVectorCache", "reuse"]
