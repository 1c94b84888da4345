"""Build the configured back-office ports once per process.

Today the embedded SQL back office is the only implementation; an adapter for an
external system would be chosen here from settings, and nothing else changes.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine

from assistant.settings import get_settings
from backoffice.hr_ports import HRPort
from backoffice.ports import BillingPort, OrdersPort

# The database gives up before the action's own time-out does, so a call the action
# abandons has already failed and cannot commit later behind the customer's back.
DRIVER_SHARE_OF_TIMEOUT = 0.6


def backoffice_engine() -> Engine:
    """The configured database with the driver time-out every port (and the handoff store) uses."""
    from backoffice.sql.engine import make_engine

    settings = get_settings()
    return make_engine(settings.backoffice_db_url, settings.backoffice_timeout_s * DRIVER_SHARE_OF_TIMEOUT)


@lru_cache(maxsize=1)
def orders_port() -> OrdersPort:
    from backoffice.attempts import default_caps
    from backoffice.sql.engine import session_factory
    from backoffice.sql.orders import SqlOrders

    settings = get_settings()
    engine = backoffice_engine()
    caps = default_caps(
        per_reference=settings.verify_max_failures_per_reference,
        per_email=settings.verify_max_failures_per_email,
        per_client=settings.verify_max_failures_per_client,
    )
    return SqlOrders(session_factory(engine), return_window_days=settings.return_window_days, caps=caps)


@lru_cache(maxsize=1)
def billing_port() -> BillingPort:
    from backoffice.sql.billing import SqlBilling
    from backoffice.sql.engine import session_factory

    return SqlBilling(session_factory(backoffice_engine()))


@lru_cache(maxsize=1)
def hr_port() -> HRPort:
    from backoffice.sql.engine import session_factory
    from backoffice.sql.hr import SqlHR

    return SqlHR(session_factory(backoffice_engine()))
