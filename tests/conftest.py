"""Fixtures every test package shares: real migrated and seeded SQLite back offices.

Two kinds of database are built, each once per session through the Alembic
migration and then copied per test:

- `tests/backoffice` seeds for a fixed day and injects that day into the adapters;
- the app tests (actions, API) go through `backoffice.wiring` and settings, whose
  adapters use the real date, so their database is seeded for today.

The app is pointed at its database the way it is in production: environment
variables, then the process-wide caches are cleared so they are read again.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assistant.settings import Settings, get_settings
from backoffice import wiring
from backoffice.sql.billing import SqlBilling
from backoffice.sql.engine import dispose_engines, make_engine
from backoffice.sql.models import Base, InvoiceRow, OrderRow, ReturnRow
from backoffice.sql.orders import SqlOrders
from demo.accounts import DemoAccount, demo_accounts
from demo.seed import seed
from operations.schema import upgrade

TIMEOUT_S = 1.0
RETURN_WINDOW_DAYS = 30
# Port 9 is "discard": nothing listens there, so a connection is refused at once.
NOTHING_LISTENS = "http://127.0.0.1:9"
TEST_IDENTITY_SECRET = "test-identity-secret-0123456789abcdef"
TEST_ADMIN_TOKEN = "test-admin-token-0123456789"
TEST_DEMO_PASSWORD = "test-demo-password"  # test mode refuses the dev- placeholders, like production
TEST_AGENT_TOKENS = {"Alex": "test-agent-alex-0123456789", "Sam": "test-agent-sam-0123456789"}
TEST_PUBLIC_URL = "https://shop.example.test"

Dump = dict[str, list[tuple[Any, ...]]]
DatabaseBuilder = Callable[[Path, int, date], str]


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _build_database(path: Path, seed_value: int, today: date) -> str:
    """Migrate and seed a fresh SQLite file; returns its URL (with no connection left open)."""
    url = _sqlite_url(path)
    upgrade(url)
    seed(make_engine(url, TIMEOUT_S), seed=seed_value, today=today)
    dispose_engines(url)
    return url


def _dump(engine: Engine) -> Dump:
    """Every row of every back-office table, in primary-key order: equal dumps, equal data."""
    with engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key.columns))]
            for table in Base.metadata.sorted_tables
        }


def _invoice_of_order(engine: Engine, order_number: str) -> str:
    """The number of the invoice raised for an order (the ports have no such lookup)."""
    with Session(engine) as session:
        query = select(InvoiceRow.number).join(OrderRow).where(OrderRow.number == order_number)
        return session.scalars(query).one()


def _returns_of_order(engine: Engine, order_number: str) -> list[str]:
    """The return authorisations on record for an order."""
    with Session(engine) as session:
        query = select(ReturnRow.number).join(OrderRow).where(OrderRow.number == order_number)
        return list(session.scalars(query))


def _clear_app_caches() -> None:
    """Forget settings, ports and engines, so the next use reads the environment again."""
    get_settings.cache_clear()
    wiring.orders_port.cache_clear()
    wiring.billing_port.cache_clear()
    wiring.hr_port.cache_clear()
    dispose_engines()
    from handoff.wiring import handoff_store
    from knowledge.service import shared_service  # the process's knowledge index, from the settings

    shared_service.cache_clear()
    handoff_store.cache_clear()
    from analytics.wiring import clear_analytics_caches  # the dashboard's aggregator and queries, from the settings

    clear_analytics_caches()


@pytest.fixture(scope="session")
def build_database() -> DatabaseBuilder:
    """`build(path, seed, today) -> url`: a migrated and seeded SQLite back office."""
    return _build_database


@pytest.fixture(scope="session")
def sqlite_url() -> Callable[[Path], str]:
    return _sqlite_url


@pytest.fixture
def dump_of() -> Callable[[Engine], Dump]:
    """The whole contents of a back office, to show that a refused change changed nothing."""
    return _dump


@pytest.fixture(scope="session")
def invoice_of_order() -> Callable[[Engine, str], str]:
    return _invoice_of_order


@pytest.fixture(scope="session")
def returns_of_order() -> Callable[[Engine, str], list[str]]:
    return _returns_of_order


# -- the app (settings + wiring) on a test database ------------------------------------------


@pytest.fixture
def configure_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[[str], Settings]]:
    """`configure(database_url)`: point settings and ports at that database, test secrets, and
    a Rasa / action server URL where nothing listens (never the development stack)."""

    def configure(database_url: str) -> Settings:
        environment = {
            "ASSISTANT_ENV": "test",
            "DATABASE_URL": database_url,
            "VAR_DIR": str(tmp_path / "var"),
            "IDENTITY_SECRET": TEST_IDENTITY_SECRET,
            "ADMIN_TOKEN": TEST_ADMIN_TOKEN,
            "DEMO_PASSWORD": TEST_DEMO_PASSWORD,
            "PUBLIC_URL": TEST_PUBLIC_URL,
            "RASA_URL": NOTHING_LISTENS,
            "ACTION_SERVER_URL": NOTHING_LISTENS,
            "RETURN_WINDOW_DAYS": str(RETURN_WINDOW_DAYS),
            "BACKOFFICE_TIMEOUT_S": "2.0",
            "VERIFY_MAX_ATTEMPTS": "3",
            "AGENT_TOKENS": f"Alex:{TEST_AGENT_TOKENS['Alex']},Sam:{TEST_AGENT_TOKENS['Sam']}",
            "HANDOFF_HOURS": "always",
        }
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        for name in ("TRACKER_STORE_URL", "RASA_API_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        _clear_app_caches()
        return get_settings()

    yield configure
    _clear_app_caches()


@pytest.fixture(scope="session")
def app_template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seeded for the real today, since the app's adapters use the real date."""
    path = tmp_path_factory.mktemp("app-template") / "backoffice.db"
    _build_database(path, 42, date.today())
    return path


@pytest.fixture
def app_db_url(app_template_db: Path, tmp_path: Path, configure_app: Callable[[str], Settings]) -> str:
    """A private copy of the seeded back office, with the app configured to use it."""
    path = tmp_path / "backoffice.db"
    shutil.copyfile(app_template_db, path)
    url = _sqlite_url(path)
    configure_app(url)
    return url


@pytest.fixture
def app_settings(app_db_url: str) -> Settings:
    return get_settings()


@pytest.fixture
def app_engine(app_db_url: str) -> Engine:
    return make_engine(app_db_url, TIMEOUT_S)


@pytest.fixture
def app_orders(app_engine: Engine) -> SqlOrders:
    """The orders port on the app's database, as the app sees it (real date)."""
    return SqlOrders(app_engine, return_window_days=RETURN_WINDOW_DAYS)


@pytest.fixture
def app_billing(app_engine: Engine) -> SqlBilling:
    return SqlBilling(app_engine)


@pytest.fixture
def app_accounts(app_orders: SqlOrders) -> list[DemoAccount]:
    return demo_accounts(app_orders)


@pytest.fixture
def app_dump(app_engine: Engine) -> Callable[[], Dump]:
    """The app database's current contents."""
    return lambda: _dump(app_engine)
