from vnnews.cache import TextCache, approx_bytes


def test_memory_is_bounded_by_bytes_not_entries():
    calls = []

    def fn(text):
        calls.append(text)
        return text.upper()

    cache = TextCache(fn, max_bytes=200_000)
    for i in range(500):  # distinct long requests, 3.5 KB each
        cache(f"{i:04d}" + "x" * 3500)
    assert cache.bytes <= 200_000 and len(cache) < 500
    assert cache.bytes == sum(approx_bytes(k) + approx_bytes(k.upper()) for k in cache._data)
    assert cache("0499" + "x" * 3500) == ("0499" + "x" * 3500).upper() and len(calls) == 500  # recent: a hit
    cache("0000" + "x" * 3500)
    assert len(calls) == 501  # evicted long ago: computed again


def test_a_single_huge_entry_is_never_kept():
    cache = TextCache(lambda t: list(range(len(t))), max_bytes=80_000)
    assert len(cache("y" * 50_000)) == 50_000
    assert len(cache) == 0 and cache.bytes == 0
