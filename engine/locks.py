"""Rasa 3.6's Redis lock store, made atomic: two Rasa servers never serve one conversation at once.

Why: `rasa.core.lock_store.LockStore` keeps each conversation's ticket queue as one Redis
value and changes it by read-modify-write (`get_lock`, change, `save_lock`) with nothing in
between. Two servers that take the same conversation's message at the same instant both read
the empty queue, both write "ticket 0" and both go ahead: the tracker store then saves only
one of the two turns (the fault test `tests/faults/test_scale_faults.py` delivered one message
to both Rasa servers at once and found turns missing). The in-memory lock store has no such
race (one process, one event loop).

The fix: each of those read-modify-write steps (`issue_ticket`, `update_lock`, `finish_serving`,
`cleanup`) runs under a short Redis mutex per conversation (redis-py's `Lock`: SET NX with an
expiry, released by token), so they happen one after the other across servers. The mutex is
held for a few Redis round trips, never while a message is handled; its expiry frees it if a
server dies holding it. `cleanup` calls `finish_serving`: the mutex this thread already holds
is not taken twice.

Installed by `python -m engine` (see `engine/__main__.py`) for every lock store; only the Redis
one is patched. Like `engine.patches`, it checks that it wraps Rasa's own methods.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

PATCHED = ("issue_ticket", "update_lock", "finish_serving", "cleanup")
MUTEX_EXPIRY_S = 10.0  # a server that died holding the mutex frees it after this
MUTEX_WAIT_S = 10.0
_MARK = "__engine_atomic__"
_held = threading.local()


class PatchTargetChanged(RuntimeError):
    """Rasa's lock store is not what this patch was written for."""


def _held_ids() -> set[str]:
    if not hasattr(_held, "ids"):
        _held.ids = set()
    ids: set[str] = _held.ids
    return ids


def _atomic(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def under_mutex(self: Any, conversation_id: str, *args: Any, **kwargs: Any) -> Any:
        held = _held_ids()
        if conversation_id in held:  # cleanup -> finish_serving: already ours
            return original(self, conversation_id, *args, **kwargs)
        from rasa.core.lock_store import LockError

        mutex = self.red.lock(
            f"{self.key_prefix}{conversation_id}:mutex", timeout=MUTEX_EXPIRY_S, blocking_timeout=MUTEX_WAIT_S
        )
        if not mutex.acquire():
            raise LockError(f"Could not change the lock of conversation '{conversation_id}' (mutex busy).")
        held.add(conversation_id)
        try:
            return original(self, conversation_id, *args, **kwargs)
        finally:
            held.discard(conversation_id)
            try:
                mutex.release()
            except Exception:  # expired meanwhile (a very slow Redis): someone else may hold it now
                logger.warning("lock-store mutex of %s expired before it was released", conversation_id)

    setattr(under_mutex, _MARK, True)
    return under_mutex


def install() -> None:
    """Wrap the Redis lock store's read-modify-write methods in a per-conversation mutex; idempotent."""
    from rasa.core.lock_store import RedisLockStore

    for name in PATCHED:
        current = getattr(RedisLockStore, name)
        if getattr(current, _MARK, False):
            continue
        if current.__qualname__ != f"LockStore.{name}":
            raise PatchTargetChanged(f"RedisLockStore.{name} is not Rasa's LockStore.{name}; review engine/locks.py")
        setattr(RedisLockStore, name, _atomic(current))
