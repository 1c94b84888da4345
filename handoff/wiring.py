"""The ticket store for this process, built once from the settings (same database as the back office)."""

from __future__ import annotations

from functools import lru_cache

from handoff.sql import SqlHandoffs


@lru_cache(maxsize=1)
def handoff_store() -> SqlHandoffs:
    from assistant.settings import get_settings
    from backoffice.sql.engine import make_engine, session_factory
    from backoffice.wiring import DRIVER_SHARE_OF_TIMEOUT

    settings = get_settings()
    engine = make_engine(settings.backoffice_db_url, settings.backoffice_timeout_s * DRIVER_SHARE_OF_TIMEOUT)
    return SqlHandoffs(session_factory(engine))
