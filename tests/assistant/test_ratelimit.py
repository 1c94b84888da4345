"""Token buckets: the burst, the refill, the wait a 429 announces, many keys."""

from __future__ import annotations

from assistant.ratelimit import MAX_KEYS, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_up_to_the_limit_then_the_wait_for_one_token() -> None:
    clock = Clock()
    limiter = RateLimiter(6, clock)  # 6 a minute: one token every 10 s
    assert [limiter.check("ip") for _ in range(6)] == [None] * 6
    assert limiter.check("ip") == 10
    clock.now += 4
    assert limiter.check("ip") == 6
    clock.now += 6
    assert limiter.check("ip") is None
    assert limiter.check("ip") == 10


def test_keys_are_independent_and_refill_caps_at_the_burst() -> None:
    clock = Clock()
    limiter = RateLimiter(2, clock)
    assert limiter.check("a") is None and limiter.check("a") is None and limiter.check("a") is not None
    assert limiter.check("b") is None
    clock.now += 3600
    assert [limiter.check("a") for _ in range(3)][:2] == [None, None]
    assert limiter.check("a") is not None


def test_zero_is_no_limit() -> None:
    limiter = RateLimiter(0)
    assert not limiter.enabled
    assert all(limiter.check("ip") is None for _ in range(1000))


def test_a_flood_of_distinct_keys_does_not_grow_without_bound() -> None:
    clock = Clock()
    limiter = RateLimiter(60, clock)
    for index in range(MAX_KEYS + 10):
        limiter.check(f"key-{index}")
    assert len(limiter._buckets) <= MAX_KEYS
