"""A real, migrated and seeded SQLite back office per test.

The database is built once per session through the Alembic migration (never
`create_all`, so the migration itself is under test) and copied for each test,
which keeps tests independent without re-seeding every time. The builder and the
table dump live in `tests/conftest.py`, shared with the app tests.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from backoffice.sql.billing import SqlBilling
from backoffice.sql.engine import dispose_engines, make_engine
from backoffice.sql.hr import SqlHR
from backoffice.sql.orders import SqlOrders
from demo.accounts import DemoAccount, demo_accounts
from demo.employees import DemoEmployee, demo_employees
from operations.schema import upgrade

TODAY = date(2025, 6, 15)
RETURN_WINDOW_DAYS = 30
TIMEOUT_S = 1.0

Dump = dict[str, list[tuple[Any, ...]]]


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, build_database: Callable[[Path, int, date], str]) -> Path:
    path = tmp_path_factory.mktemp("template") / "backoffice.db"
    build_database(path, 42, TODAY)
    return path


@pytest.fixture
def db_url(template_db: Path, tmp_path: Path, sqlite_url: Callable[[Path], str]) -> Iterator[str]:
    path = tmp_path / "backoffice.db"
    shutil.copyfile(template_db, path)
    url = sqlite_url(path)
    yield url
    dispose_engines(url)


@pytest.fixture
def empty_engine(tmp_path: Path, sqlite_url: Callable[[Path], str]) -> Iterator[Engine]:
    """A migrated database without any rows."""
    url = sqlite_url(tmp_path / "empty.db")
    upgrade(url)
    yield make_engine(url, TIMEOUT_S)
    dispose_engines(url)


@pytest.fixture
def today() -> date:
    """The fixed "today" the test databases were seeded for and the adapters run at."""
    return TODAY


@pytest.fixture
def engine(db_url: str) -> Engine:
    return make_engine(db_url, TIMEOUT_S)


@pytest.fixture
def orders(engine: Engine) -> SqlOrders:
    return SqlOrders(engine, today=lambda: TODAY, return_window_days=RETURN_WINDOW_DAYS)


@pytest.fixture
def billing(engine: Engine) -> SqlBilling:
    return SqlBilling(engine, today=lambda: TODAY)


@dataclass
class Clock:
    """A settable UTC clock for the HR adapter, so expiry can be tested without waiting."""

    current: datetime

    def __call__(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.combine(TODAY, time(10, 0), tzinfo=UTC))


@pytest.fixture
def hr(engine: Engine, clock: Clock) -> SqlHR:
    return SqlHR(engine, today=lambda: TODAY, now=clock)


@pytest.fixture
def staff(hr: SqlHR) -> list[DemoEmployee]:
    """The demo employees."""
    return demo_employees(hr)


@pytest.fixture
def employee(staff: list[DemoEmployee]) -> DemoEmployee:
    """The first demo employee."""
    return staff[0]


@pytest.fixture
def colleague(staff: list[DemoEmployee]) -> DemoEmployee:
    """Another employee, whose requests `employee` must never reach."""
    return staff[1]


@pytest.fixture
def accounts(orders: SqlOrders) -> list[DemoAccount]:
    return demo_accounts(orders)


@pytest.fixture
def alice(accounts: list[DemoAccount]) -> DemoAccount:
    """The first demo account."""
    return accounts[0]


@pytest.fixture
def bob(accounts: list[DemoAccount]) -> DemoAccount:
    """Another customer, whose records `alice` must never reach."""
    return accounts[1]


@pytest.fixture
def db_dump(engine: Engine, dump_of: Callable[[Engine], Dump]) -> Callable[[], Dump]:
    """The test database's current contents, to show that a refused change changed nothing."""
    return lambda: dump_of(engine)


@pytest.fixture
def invoice_of(engine: Engine, invoice_of_order: Callable[[Engine, str], str]) -> Callable[[str], str]:
    """The number of the invoice raised for an order."""
    return lambda order_number: invoice_of_order(engine, order_number)


@pytest.fixture
def fresh_db(tmp_path: Path, build_database: Callable[[Path, int, date], str]) -> Iterator[Callable[..., Engine]]:
    """Builds further databases (own seed or date) in this test's directory."""
    urls: list[str] = []

    def build(name: str, seed_value: int = 42, today: date = TODAY) -> Engine:
        url = build_database(tmp_path / f"{name}.db", seed_value, today)
        urls.append(url)
        return make_engine(url, TIMEOUT_S)

    yield build
    for url in urls:
        dispose_engines(url)
