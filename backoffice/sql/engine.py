"""Engines that fail fast: a locked or unreachable back office must raise, not hang.

An action has a couple of seconds to answer; the driver time-outs below make the
database give up within that budget so the adapter can report `BackofficeUnavailable`.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

_engines: dict[tuple[str, float], Engine] = {}
_lock = threading.Lock()


def _defaults(url: str | None, timeout_s: float | None) -> tuple[str, float]:
    if url is not None and timeout_s is not None:
        return url, timeout_s
    from assistant.settings import get_settings

    settings = get_settings()
    return (
        url or settings.backoffice_db_url,
        settings.backoffice_timeout_s if timeout_s is None else timeout_s,
    )


def sqlite_path(url: URL) -> Path | None:
    """The file behind an SQLite URL; None for other backends and in-memory databases."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(database)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers carry on while a writer works.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def _create(url: str, timeout_s: float) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(parsed)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": timeout_s})
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args = {
            "connect_timeout": max(1, math.ceil(timeout_s)),
            "options": f"-c statement_timeout={int(timeout_s * 1000)}",
        }
    return create_engine(parsed, connect_args=connect_args, pool_pre_ping=True, pool_timeout=timeout_s)


def make_engine(url: str | None = None, timeout_s: float | None = None) -> Engine:
    """The process-wide engine for `url` (default: settings), created once per URL and time-out."""
    resolved_url, resolved_timeout = _defaults(url, timeout_s)
    key = (resolved_url, float(resolved_timeout))
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = _create(resolved_url, resolved_timeout)
        return engine


def dispose_engines(url: str | None = None) -> None:
    """Close pooled connections (of one URL, or all), e.g. before the database file is deleted."""
    with _lock:
        for key in [key for key in _engines if url is None or key[0] == url]:
            _engines.pop(key).dispose()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit, since records are copied out anyway."""
    return sessionmaker(bind=engine, expire_on_commit=False)
