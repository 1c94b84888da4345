"""Engine, migrations and failure behaviour: a slow or broken back office must raise, not hang."""

from __future__ import annotations

import sqlite3
import time
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, exc, text
from sqlalchemy.engine import make_url

from backoffice.domain import OrderStatus
from backoffice.errors import BackofficeUnavailable
from backoffice.sql.billing import SqlBilling
from backoffice.sql.engine import dispose_engines, make_engine, session_factory
from backoffice.sql.models import Base
from backoffice.sql.orders import SqlOrders
from demo.accounts import DemoAccount
from operations.schema import alembic_config, reset, upgrade

LOCK_TIMEOUT_S = 0.5


def database_file(url: str) -> str:
    database = make_url(url).database
    assert database is not None
    return database


def test_a_locked_database_fails_fast_and_recovers(db_url: str, alice: DemoAccount, today: date) -> None:
    orders = SqlOrders(make_engine(db_url, LOCK_TIMEOUT_S), today=lambda: today, return_window_days=30)
    number = alice.orders["pending"]
    locker = sqlite3.connect(database_file(db_url), isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with pytest.raises(BackofficeUnavailable):
            orders.cancel_order(number, alice.customer_id)
        elapsed = time.monotonic() - started
        assert LOCK_TIMEOUT_S * 0.8 <= elapsed < LOCK_TIMEOUT_S + 2
        # WAL journal: reading goes on while a writer holds the lock.
        assert orders.get_order(number, alice.customer_id).status is OrderStatus.PENDING
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert orders.cancel_order(number, alice.customer_id).status is OrderStatus.CANCELLED


def test_an_unmigrated_database_is_unavailable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'blank.db'}"
    try:
        with pytest.raises(BackofficeUnavailable):
            SqlBilling(make_engine(url, LOCK_TIMEOUT_S)).list_open_invoices(1)
    finally:
        dispose_engines(url)


def test_an_unreachable_postgres_is_unavailable() -> None:
    pytest.importorskip("psycopg")
    url = "postgresql+psycopg://nobody:secret@127.0.0.1:9/backoffice"  # port 9: discard, nothing listens
    try:
        started = time.monotonic()
        with pytest.raises(BackofficeUnavailable):
            SqlOrders(make_engine(url, 1.0), return_window_days=30).get_customer(1)
        assert time.monotonic() - started < 5
    finally:
        dispose_engines(url)


def test_engines_are_cached_per_url_and_time_out(db_url: str) -> None:
    assert make_engine(db_url, 1.0) is make_engine(db_url, 1.0)
    assert make_engine(db_url, 1.0) is not make_engine(db_url, 2.0)


def test_sqlite_parent_directory_is_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'er' / 'backoffice.db'}"
    try:
        upgrade(url)
        assert (tmp_path / "deep" / "er" / "backoffice.db").exists()
    finally:
        dispose_engines(url)


def test_sqlite_pragmas(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        with pytest.raises(exc.IntegrityError):
            connection.execute(
                text(
                    "INSERT INTO orders (number, customer_id, status, placed_at, currency) "
                    "VALUES ('ORD-19999', 999999, 'pending', '2025-01-01 00:00:00', 'EUR')"
                )
            )


def test_migration_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_is_idempotent_and_works_from_any_directory(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    upgrade(db_url)
    upgrade(db_url)
    head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
    with make_engine(db_url, 1.0).connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head


def test_reset_deletes_the_sqlite_file(db_url: str) -> None:
    SqlOrders(session_factory(make_engine(db_url, 1.0)), return_window_days=30).get_customer(1)
    reset(db_url)
    assert not Path(database_file(db_url)).exists()
    upgrade(db_url)
    with make_engine(db_url, 1.0).connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM customers")).scalar() == 0
