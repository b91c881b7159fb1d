import asyncio
import time

import pytest

from vnnews.serving import MicroBatcher


def _run(coro):
    return asyncio.run(coro)


def test_concurrent_callers_share_model_calls_and_get_their_own_results():
    calls = []

    def model(items):
        calls.append(len(items))
        time.sleep(0.05)  # a model call: the next requests queue up meanwhile
        return [x * 10 for x in items]

    async def main():
        batcher = MicroBatcher(model, max_batch=8, max_wait_ms=10)
        batcher.start()
        results = await asyncio.gather(*(batcher([i, i + 100]) for i in range(20)))
        await batcher.stop()
        return results

    results = _run(main())
    assert results == [[i * 10, (i + 100) * 10] for i in range(20)]
    assert sum(calls) == 40 and len(calls) < 20 and max(calls) >= 8


def test_a_failing_call_fails_its_callers_only():
    def model(items):
        if "bad" in items:
            raise ValueError("model failed")
        return [x.upper() for x in items]

    async def main():
        batcher = MicroBatcher(model, max_batch=1, max_wait_ms=0)
        batcher.start()
        outcome = await asyncio.gather(batcher(["bad"]), batcher(["ok"]), return_exceptions=True)
        await batcher.stop()
        return outcome

    failed, ok = _run(main())
    assert isinstance(failed, ValueError) and ok == ["OK"]


def test_a_caller_that_gave_up_does_not_block_the_others():
    def model(items):
        time.sleep(0.1)
        return items

    async def main():
        batcher = MicroBatcher(model, max_batch=1, max_wait_ms=0)
        batcher.start()
        with pytest.raises((asyncio.TimeoutError, TimeoutError)):
            await asyncio.wait_for(batcher(["slow"]), 0.01)
        result = await batcher(["next"])
        await batcher.stop()
        return result

    assert _run(main()) == ["next"]


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="max_batch"):
        MicroBatcher(lambda x: x, max_batch=0)


def test_a_huge_request_is_cut_into_bounded_calls_and_dropped_once_its_caller_is_gone():
    """One request of 40 items of cost 1 with max_cost 8: five calls, unless its caller
    times out, after which no more model time is spent on it and the next caller is served."""
    calls = []

    def model(items):
        calls.append(list(items))
        time.sleep(0.05)
        return items

    async def main():
        batcher = MicroBatcher(model, max_batch=64, max_wait_ms=0, max_cost=8)
        batcher.start()
        with pytest.raises((asyncio.TimeoutError, TimeoutError)):
            await asyncio.wait_for(batcher(list(range(40))), 0.12)
        t0 = time.perf_counter()
        small = await batcher(["next"])
        waited = time.perf_counter() - t0
        await batcher.stop()
        return small, waited

    small, waited = _run(main())
    assert small == ["next"]
    assert all(len(c) <= 8 for c in calls)
    huge_calls = [c for c in calls if c != ["next"]]
    assert len(huge_calls) < 5  # the rest of the timed-out request was dropped
    assert waited < 0.2  # the next request did not wait for the whole huge one (5 calls = 0.25 s)


def test_cost_cuts_calls_by_weight():
    calls = []

    def model(items):
        calls.append(len(items))
        return items

    async def main():
        batcher = MicroBatcher(model, max_batch=64, max_wait_ms=0, cost=len, max_cost=10)
        return await batcher(["aaaaaa", "bbbbbb", "cc", "d" * 30, "e"])

    assert _run(main()) == ["aaaaaa", "bbbbbb", "cc", "d" * 30, "e"]
    assert calls == [1, 2, 1, 1]  # an item over the budget still runs, alone
