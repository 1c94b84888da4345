"""The ticket store for this process, built once from the settings (same database as the back office)."""

from __future__ import annotations

from functools import lru_cache

from handoff.sql import SqlHandoffs


@lru_cache(maxsize=1)
def handoff_store() -> SqlHandoffs:
    from backoffice.sql.engine import session_factory
    from backoffice.wiring import backoffice_engine

    return SqlHandoffs(session_factory(backoffice_engine()))
