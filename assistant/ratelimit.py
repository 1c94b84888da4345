"""Token buckets per key (a client IP, a sender id): the rate limits of the API and the chat channels.

In-process on purpose: one bucket table per process is exact for the embedded
default (one API, one Rasa server); behind several processes each enforces its share,
and a proxy in front (nginx `limit_req`) is the place for one global limit. Standard
library only, so that the Rasa engine (Python 3.10, no app dependencies) uses the same code.

A limit is "N per minute": a bucket holds N tokens (the burst) and refills at N/60
per second; a request takes one. When the bucket is empty the caller is told how
many seconds until the next token: that is the `Retry-After` of the 429.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# Above this many keys, buckets that have refilled completely are forgotten (they equal a new one).
MAX_KEYS = 50_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`check(key)`: None when the request may go on, else the seconds to wait (an int >= 1)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def check(self, key: str) -> int | None:
        if not self.enabled:
            return None
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= MAX_KEYS:
                    self._forget_full(now)
                bucket = self._buckets[key] = _Bucket(self.capacity, now)
            else:
                bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
                bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))

    def _forget_full(self, now: float) -> None:
        full = [
            key
            for key, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * self.rate >= self.capacity
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= MAX_KEYS:  # a flood of distinct keys: start over rather than grow
            self._buckets.clear()


def too_many_requests_body(retry_after: int) -> dict[str, object]:
    """The JSON body of a 429, the same from the API and the channels."""
    return {"detail": f"too many requests; retry after {retry_after} s", "retry_after": retry_after}


def too_large_body(limit: int) -> dict[str, object]:
    """The JSON body of a 413, the same from the API and the channels."""
    return {"detail": f"request body too large; the limit is {limit} bytes", "limit_bytes": limit}
