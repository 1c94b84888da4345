"""Rate limits per key (a client IP, a sender id) for the API and the chat channels, on the `limits` library.

"N per minute" is a moving window: at most N requests in any 60 seconds; when it is full the
caller is told how many seconds until the oldest one leaves the window — the `Retry-After`
of the 429. Where the counts live is a storage URL: `memory://` (the default: exact for the
embedded stack, one API and one Rasa server) or `redis://…` (RATE_LIMIT_STORAGE_URL; the
scale-out profile uses its Redis), so several API processes and Rasa servers enforce one
limit together instead of each its own share.

Both environments use this module: the Rasa engine's (Python 3.10, where Rasa's pins allow
`limits` 2.x) and the app's (current `limits`); only the API common to both is used.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from limits import RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

logger = logging.getLogger(__name__)

MEMORY = "memory://"


class RateLimiter:
    """`check(key)`: None when the request may go on, else the seconds to wait (an int >= 1).

    `namespace` keeps the API's and the channels' counts apart in a shared store. If a shared
    store stops answering, requests go on (logged): a rate limit must not take the service down.
    """

    def __init__(
        self,
        per_minute: int,
        storage_url: str | None = None,
        namespace: str = "assistant",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.per_minute = per_minute
        self.namespace = namespace
        self._clock = clock
        self._item = RateLimitItemPerMinute(max(per_minute, 1))
        self._storage: Any = storage_from_string(storage_url or MEMORY)
        self._limiter = MovingWindowRateLimiter(self._storage)

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def check(self, key: str) -> int | None:
        if not self.enabled:
            return None
        try:
            if self._limiter.hit(self._item, self.namespace, key):
                return None
            reset_at = self._limiter.get_window_stats(self._item, self.namespace, key)[0]
        except Exception:  # the shared store is down: let the request through, and say so
            logger.warning("rate limit store unavailable; %s not limited", self.namespace, exc_info=True)
            return None
        return max(1, math.ceil(reset_at - self._clock()))

    def reset(self) -> None:
        """Forget every count (tests, and an operator clearing a store)."""
        self._storage.reset()


def too_many_requests_body(retry_after: int) -> dict[str, object]:
    """The JSON body of a 429, the same from the API and the channels."""
    return {"detail": f"too many requests; retry after {retry_after} s", "retry_after": retry_after}


def too_large_body(limit: int) -> dict[str, object]:
    """The JSON body of a 413, the same from the API and the channels."""
    return {"detail": f"request body too large; the limit is {limit} bytes", "limit_bytes": limit}
