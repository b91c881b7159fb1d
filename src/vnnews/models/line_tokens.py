"""Line text to token ids for the page labeller, and the worker processes that prepare pages.

Word segmentation (underthesea's CRF) is the page labeller's CPU half: about 400 lines/s
per core, where a GPU labels 15,000. :class:`LineTokenizer` is the one encoding of
training and inference; :class:`SegmentPool` runs the same function, and the layout
features (about 10,000 lines/s per core), in worker processes, so a job (``vnnews
infer``, ``vnnews serve``) prepares pages on every spare core while its models work. This module imports neither torch nor the model: a worker
starts with the tokenizer and the segmenter only.

Workers start through a fork server that has imported the segmenter and the tokenizer
code once (``forkserver`` with preloading): forking from it takes milliseconds, where
each ``spawn`` re-imports everything (about 10 s per worker on a busy 2-core machine),
and unlike a plain ``fork`` of the parent it never copies torch's or a server's threads.
"""

from __future__ import annotations

import multiprocessing
import os
import types
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from vnnews.cache import TextCache
from vnnews.cancel import StopCheck, check_stop
from vnnews.lifecycle import register_pool
from vnnews.text.segment import model_segmenter

TOKEN_CACHE_BYTES = 64 << 20
PART_LINES = 256  # lines per worker task: the service's cancellation is asked this often, as in-process
PART_PAGES = 8
_SETTINGS = ("max_line_chars", "max_line_tokens", "segmenter", "tone_style")


class LineTokenizer:
    """Line text -> token ids, the one encoding of training and inference: at most
    ``max_line_chars`` characters are segmented (a 1 MB line costs no more than a
    long paragraph), at most ``max_line_tokens`` ids kept, special tokens included.
    ``settings``: any object with those attributes and ``segmenter``/``tone_style``
    (the model's config). Repeated lines (a site's menu on every page) are encoded
    once and remembered within ``TOKEN_CACHE_BYTES``."""

    def __init__(self, tokenizer: Any, settings: Any) -> None:
        from vnnews.models.fast_bpe import fast_line_tokenizer

        self.tokenizer = fast_line_tokenizer(tokenizer)  # PhoBERT's BPE in Rust, the same ids (fast_bpe)
        self.max_chars = settings.max_line_chars
        self.max_tokens = settings.max_line_tokens
        self.segment = model_segmenter(settings.segmenter, settings.tone_style)
        self._prefix = getattr(self.segment, "segment_prefix", None)  # a segmenter of the protocol may lack it
        self._ids = TextCache(self._encode, TOKEN_CACHE_BYTES)

    def _encode(self, text: str) -> list[int]:
        text = text[: self.max_chars]
        keep = self.max_tokens - 2
        prefix = self._prefix
        if prefix is not None and keep > 0:
            # Only ``keep`` ids of a line are kept and every word gives at least one: its
            # first ``keep`` words are all that is read (the same ids, a fraction of the
            # segmentation of a long paragraph)
            words = prefix(text, keep)
            ids = self.tokenizer.encode(words, add_special_tokens=False)
            if len(ids) >= keep or words.count(" ") + 1 < keep:  # enough ids, or the whole line
                return self.tokenizer.build_inputs_with_special_tokens(ids[:keep])
        return self._ids_of_words(self.segment.segment(text))  # a word gave no id: read it all

    def _ids_of_words(self, words: str) -> list[int]:
        ids = self.tokenizer.encode(words, add_special_tokens=False)[: self.max_tokens - 2]
        return self.tokenizer.build_inputs_with_special_tokens(ids)

    def settings(self) -> dict[str, Any]:
        """What a stored segmentation must have been made with to stand for this one's."""
        return {"segmenter": self.segment.name, "tone_style": getattr(self.segment, "tone_style", None), "max_line_chars": self.max_chars}

    def remember_segmented(self, texts: Sequence[str], words: Sequence[str]) -> None:
        """Encode lines whose segmentation was made ahead (a dataset built with
        ``presegment``): only tokenized here, never segmented again."""
        for text, w in zip(texts, words, strict=True):
            if text not in self._ids:
                self._ids.put(text, self._ids_of_words(w))

    def __call__(self, text: str) -> list[int]:
        return self._ids(text)

    def missing(self, texts: Sequence[str]) -> list[str]:
        """The distinct texts of ``texts`` not encoded yet, in order."""
        return [t for t in dict.fromkeys(texts) if t not in self._ids]

    def remember(self, texts: Sequence[str], ids: Sequence[list[int]]) -> None:
        for text, x in zip(texts, ids, strict=True):
            self._ids.put(text, x)


_WORKER: list[LineTokenizer] = []  # the line tokenizer of a worker process


def _init_worker(tokenizer: Any, settings: dict[str, Any], owner: int) -> None:
    from vnnews.lifecycle import watch_parent
    from vnnews.machine import worker_init

    watch_parent(owner)  # the pool's process gone (even by SIGKILL): this worker goes too
    worker_init()
    _WORKER[:] = [LineTokenizer(tokenizer, types.SimpleNamespace(**{k: settings[k] for k in _SETTINGS}))]


def _encode_lines(texts: list[str]) -> list[list[int]]:
    return [_WORKER[0]._encode(t) for t in texts]


def features_within_time(article: Any, limit_s: float | None, compute: Callable[[], Any]) -> Any:
    """``compute()`` (a page's layout features) within ``limit_s`` seconds (vnnews.deadline);
    past it a PageTimeout naming the page: the job makes it an error line and goes on."""
    from vnnews.deadline import PageTimeout, time_limit

    try:
        with time_limit(limit_s):
            return compute()
    except PageTimeout:
        raise PageTimeout(f"{article.id}: its layout features took more than page_time_limit_s={limit_s:g} s: skipped (raise page_time_limit_s to read it)") from None


def _page_features(pages: list[tuple[Any, list[tuple[float, float]], float | None]]) -> list[list[list[float]]]:
    from vnnews.layout import page_features

    return [features_within_time(article, limit_s, lambda a=article, s=shares: page_features(a, site_shares=s)) for article, shares, limit_s in pages]


def _context() -> Any:
    """forkserver, preloading what a worker needs, where the platform has it; else spawn."""
    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:  # pragma: no cover - Windows has spawn only
        return multiprocessing.get_context("spawn")
    ctx.set_forkserver_preload(["vnnews.models.line_tokens", "vnnews.layout", "underthesea", "transformers"])
    return ctx


class SegmentPool:
    """``workers`` processes encoding lines with :class:`LineTokenizer` (the model's
    tokenizer and ``settings``). ``encode(texts)`` returns their ids in order, the
    work shared in about four parts per worker (a slow part does not hold the others)."""

    def __init__(self, workers: int, tokenizer: Any, settings: dict[str, Any]) -> None:
        self.workers = workers
        self._executor = ProcessPoolExecutor(workers, mp_context=_context(), initializer=_init_worker, initargs=(tokenizer, {k: settings[k] for k in _SETTINGS}, os.getpid()))
        register_pool(self)

    def encode(self, texts: Sequence[str], should_stop: StopCheck | None = None) -> list[list[int]]:
        """Token ids of ``texts``, in order (``should_stop``: see :meth:`_run`)."""
        return self._run(_encode_lines, list(texts), PART_LINES, should_stop)

    def features(
        self, pages: Sequence[Any], shares: Sequence[list[tuple[float, float]]], should_stop: StopCheck | None = None, limit_s: float | None = None
    ) -> list[list[list[float]]]:
        """Layout features of ``pages`` (their lines' site-repetition ``shares`` computed
        by the caller, which holds the site index), in order; each page within ``limit_s``."""
        return self._run(_page_features, [(page, share, limit_s) for page, share in zip(pages, shares, strict=True)], PART_PAGES, should_stop)

    def _run(self, fn: Any, items: list[Any], most: int, should_stop: StopCheck | None) -> list[Any]:
        """``fn`` over ``items`` in parts (about four per worker, at most ``most`` items:
        a slow part does not hold the others), results in order. ``should_stop`` is asked
        as each part comes back; once it says yes the parts not started are dropped and
        :class:`~vnnews.cancel.Cancelled` is raised (a service whose caller has gone
        stops within one part)."""
        from vnnews.cancel import Cancelled

        if not items:
            return []
        size = max(1, min(most, -(-len(items) // (self.workers * 4))))
        futures = [self._executor.submit(fn, items[i : i + size]) for i in range(0, len(items), size)]
        out: list[Any] = []
        try:
            for future in futures:
                out += future.result()
                check_stop(should_stop)
        except Cancelled:
            for future in futures:
                future.cancel()
            raise
        return out

    def close(self) -> None:
        """Stop the workers (tasks not started are dropped); safe to call twice."""
        self._executor.shutdown(wait=True, cancel_futures=True)
