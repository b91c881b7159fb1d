"""A memo of a text function bounded by bytes, not by entries.

Word segmentation and tokenization are cached per line (a line is read three
times, and page furniture repeats across a site's pages), but an entry count
bounds nothing when one line can be a megabyte: a service fed distinct long
requests would grow without end. :class:`TextCache` counts the bytes of each key
and value, evicts the least recently used entries past ``max_bytes``, and does
not keep a single entry larger than an eighth of the budget at all.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

V = TypeVar("V")


def approx_bytes(value: Any) -> int:
    """Memory held by a str, or a list of small ints (token ids), roughly."""
    if isinstance(value, list):
        return sys.getsizeof(value) + 32 * len(value)
    return sys.getsizeof(value)


class TextCache(Generic[V]):
    """``cache(text)`` -> ``fn(text)``, remembered within ``max_bytes``. Thread-safe."""

    def __init__(self, fn: Callable[[str], V], max_bytes: int = 64 << 20) -> None:
        self.fn = fn
        self.max_bytes = max_bytes
        self.bytes = 0
        self._data: OrderedDict[str, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, text: str) -> V:
        with self._lock:
            hit = self._data.get(text)
            if hit is not None:
                self._data.move_to_end(text)
                return hit[0]
        value = self.fn(text)
        self.put(text, value)
        return value

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, text: str) -> bool:
        with self._lock:
            return text in self._data

    def put(self, text: str, value: V) -> None:
        """Remember ``value`` for ``text`` (computed here, or elsewhere: a worker process);
        a value over an eighth of the budget is not kept, the oldest go when it is full."""
        size = approx_bytes(text) + approx_bytes(value)
        if size > self.max_bytes // 8:
            return
        with self._lock:
            if text not in self._data:
                self._data[text] = (value, size)
                self.bytes += size
                while self.bytes > self.max_bytes:
                    _, (_, freed) = self._data.popitem(last=False)
                    self.bytes -= freed

    def __getstate__(self) -> dict[str, Any]:  # sent to worker processes empty
        return {"fn": self.fn, "max_bytes": self.max_bytes}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["fn"], state["max_bytes"])  # type: ignore[misc]
