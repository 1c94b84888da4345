"""The action server's door to the back office: calls with a time-out.

Port calls are synchronous (SQLAlchemy); running them in a worker thread under
`asyncio.wait_for` keeps one slow back office from blocking every conversation
the action server is serving, and turns slowness into `BackofficeUnavailable`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from assistant.settings import get_settings
from backoffice.errors import BackofficeUnavailable
from backoffice.wiring import billing_port, hr_port, orders_port

__all__ = ["billing_port", "call", "hr_port", "orders_port"]

T = TypeVar("T")


async def call(fn: Callable[..., T], *args: object) -> T:
    """Run one port call in a thread; past the configured time-out it counts as down."""
    timeout = get_settings().backoffice_timeout_s
    try:
        return await asyncio.wait_for(asyncio.to_thread(fn, *args), timeout=timeout)
    except TimeoutError as error:
        raise BackofficeUnavailable(f"back office did not answer within {timeout:.1f}s") from error
