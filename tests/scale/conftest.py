"""The scale-out profile's fixtures: one stack per module (see `tests/support/scale_stack.py`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backoffice.sql.engine import make_engine
from backoffice.sql.orders import SqlOrders
from demo.accounts import DemoAccount, demo_accounts
from tests.support.e2e_config import BACKOFFICE_TIMEOUT_S, RETURN_WINDOW_DAYS
from tests.support.scale_stack import ScaleStack, running_scale_stack


@pytest.fixture(scope="module")
def scale_stack() -> Iterator[ScaleStack]:
    with running_scale_stack() as running:
        yield running


@pytest.fixture(scope="module")
def scale_accounts(scale_stack: ScaleStack) -> list[DemoAccount]:
    """The demo customers as seeded in the profile's PostgreSQL back office."""
    engine = make_engine(scale_stack.settings.backoffice_db_url, BACKOFFICE_TIMEOUT_S)
    found = demo_accounts(SqlOrders(engine, return_window_days=RETURN_WINDOW_DAYS))
    assert len(found) >= 2
    return found
