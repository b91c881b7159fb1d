"""Micro-batching: concurrent requests share one model call.

A model call costs about the same for one item as for a few dozen (one forward
pass, one beam search over a padded batch), so a server that runs each request
alone wastes most of the accelerator. Requests put their items on a queue; one
worker takes everything waiting (up to ``max_batch`` items, waiting at most
``max_wait_ms`` for more once the first has arrived), runs the model in a
worker thread (the event loop keeps serving), and hands each request its share.

A model call holds at most ``max_cost`` of work (``cost(item)``: lines of a page,
say), so a huge request is cut into several calls; between calls, the items of
callers that have gone (timed out, disconnected) are dropped. A request past its
deadline therefore stops costing model time at the next call boundary instead of
starving the requests behind it. With ``cancellable=True``, ``fn`` is also given
``should_stop()`` (true once every caller of the call has gone), to stop inside a
long call.

A call that fails is run again request by request, so a bad item fails only the
request that sent it, never the others batched with it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass
class _Pending(Generic[In, Out]):
    items: Sequence[In]
    future: asyncio.Future[list[Out]] = field(repr=False)


class MicroBatcher(Generic[In, Out]):
    """``await batcher(items)`` -> ``fn(items)``'s outputs, ``fn`` called on the
    items of many concurrent callers at once. ``on_batch(n)`` is told each batch size."""

    def __init__(
        self,
        fn: Callable[[list[In]], list[Out]],
        max_batch: int = 32,
        max_wait_ms: float = 5.0,
        executor: concurrent.futures.Executor | None = None,
        on_batch: Callable[[int], None] | None = None,
        cost: Callable[[In], int] | None = None,
        max_cost: int | None = None,
        cancellable: bool = False,
    ) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be >= 1, got {max_batch}")
        self.fn = fn
        self.cost = cost or (lambda item: 1)
        self.max_cost = max_cost if max_cost is not None else max_batch
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000
        self.executor = executor or concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="vnnews-model")
        self.on_batch = on_batch
        self.cancellable = cancellable
        self._queue: asyncio.Queue[_Pending[In, Out]] | None = None
        self._worker: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._queue = asyncio.Queue()
        self._worker = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._worker:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass

    async def __call__(self, items: Sequence[In]) -> list[Out]:
        if not items:
            return []
        if self._queue is None:
            self.start()
        future: asyncio.Future[list[Out]] = asyncio.get_running_loop().create_future()
        assert self._queue is not None
        await self._queue.put(_Pending(items, future))
        return await future

    async def _collect(self) -> list[_Pending[In, Out]]:
        assert self._queue is not None
        batch = [await self._queue.get()]
        size = len(batch[0].items)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        while size < self.max_batch:
            try:  # everything already waiting, then a short wait for more
                item = self._queue.get_nowait() if not self._queue.empty() else await asyncio.wait_for(self._queue.get(), max(0.0, deadline - loop.time()))
            except (asyncio.TimeoutError, TimeoutError):
                break
            batch.append(item)
            size += len(item.items)
        return batch

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._collect()
            todo = deque((p, i) for p in batch for i in range(len(p.items)))
            results: dict[int, list[Any]] = {id(p): [None] * len(p.items) for p in batch}
            left = {id(p): len(p.items) for p in batch}
            while todo:
                call, cost = [], 0
                while todo and (not call or cost + self.cost(todo[0][0].items[todo[0][1]]) <= self.max_cost):
                    p, i = todo.popleft()
                    if not p.future.done():  # callers that timed out or failed are gone
                        call.append((p, i))
                        cost += self.cost(p.items[i])
                if not call:
                    continue
                if self.on_batch:
                    self.on_batch(len(call))
                try:
                    outputs = await self._call(loop, [p.items[i] for p, i in call], [p.future for p, _ in call])
                except Exception as exc:  # noqa: BLE001 - retried request by request below
                    outputs = await self._one_request_at_a_time(loop, call, exc)
                for (p, i), out in zip(call, outputs, strict=True):
                    if isinstance(out, _Failed):
                        if not p.future.done():
                            p.future.set_exception(out.error)
                        continue
                    results[id(p)][i] = out
                    left[id(p)] -= 1
                    if left[id(p)] == 0 and not p.future.done():
                        p.future.set_result(results[id(p)])

    async def _call(self, loop: asyncio.AbstractEventLoop, items: list[In], callers: list[asyncio.Future[Any]]) -> list[Any]:
        """``fn(items)`` in the executor (with ``should_stop`` when cancellable)."""
        if self.cancellable:
            work = functools.partial(self.fn, items, should_stop=lambda: all(f.done() for f in callers))
        else:
            work = functools.partial(self.fn, items)
        return await loop.run_in_executor(self.executor, work)

    async def _one_request_at_a_time(self, loop: asyncio.AbstractEventLoop, call: list[tuple[_Pending[In, Out], int]], error: Exception) -> list[Any]:
        """After a failed shared call: each request's items in a call of their own, so
        only the request whose item fails gets the error. One request alone: its error."""
        requests: dict[int, list[int]] = {}
        for n, (p, _) in enumerate(call):
            requests.setdefault(id(p), []).append(n)
        outputs: list[Any] = [_Failed(error)] * len(call)
        if len(requests) == 1:
            return outputs
        for positions in requests.values():
            p = call[positions[0]][0]
            if p.future.done():  # gone (timed out): nothing to retry for it
                continue
            try:
                done = await self._call(loop, [p.items[call[n][1]] for n in positions], [p.future])
            except Exception as exc:  # noqa: BLE001 - this request's error
                done = [_Failed(exc)] * len(positions)
            for n, out in zip(positions, done, strict=True):
                outputs[n] = out
        return outputs


@dataclass
class _Failed:
    """A request's item whose model call raised ``error``."""

    error: Exception
