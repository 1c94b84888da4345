"""Rate limits on `limits`: the moving window, the wait a 429 announces, keys and namespaces, one limit shared
through Redis by several processes, and a store that stops answering."""

from __future__ import annotations

import socket

from assistant.ratelimit import RateLimiter
from tests.support.redis_server import running_redis


def test_up_to_the_limit_then_the_wait_until_the_window_frees_a_place() -> None:
    limiter = RateLimiter(6)
    assert [limiter.check("ip") for _ in range(6)] == [None] * 6
    waits = [limiter.check("ip") for _ in range(3)]
    assert all(wait is not None and 1 <= wait <= 60 for wait in waits), waits


def test_keys_and_namespaces_are_independent() -> None:
    api = RateLimiter(2, namespace="api")
    channel = RateLimiter(2, namespace="channel")
    assert api.check("a") is None and api.check("a") is None and api.check("a") is not None
    assert api.check("b") is None
    assert channel.check("a") is None, "another namespace counts apart"
    api.reset()
    assert api.check("a") is None


def test_zero_is_no_limit() -> None:
    limiter = RateLimiter(0)
    assert not limiter.enabled
    assert all(limiter.check("ip") is None for _ in range(1000))


def test_two_processes_sharing_redis_enforce_one_limit_together() -> None:
    """What the scale profile does: every API process and Rasa server counts in the same Redis."""
    with running_redis() as port:
        url = f"redis://127.0.0.1:{port}/2"
        first, second = RateLimiter(4, url, "channel-ip"), RateLimiter(4, url, "channel-ip")
        assert [first.check("203.0.113.9"), second.check("203.0.113.9")] == [None, None]
        assert [first.check("203.0.113.9"), second.check("203.0.113.9")] == [None, None]
        assert first.check("203.0.113.9") is not None and second.check("203.0.113.9") is not None
        assert first.check("198.51.100.1") is None


def test_a_store_that_does_not_answer_lets_requests_through() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = int(probe.getsockname()[1])
    limiter = RateLimiter(1, f"redis://127.0.0.1:{closed}/0")
    assert limiter.check("ip") is None and limiter.check("ip") is None
