"""Build the configured back-office ports once per process.

Today the embedded SQL back office is the only implementation; an adapter for an
external system would be chosen here from settings, and nothing else changes.
"""

from __future__ import annotations

from functools import lru_cache

from assistant.settings import get_settings
from backoffice.ports import BillingPort, OrdersPort


@lru_cache(maxsize=1)
def orders_port() -> OrdersPort:
    from backoffice.sql.engine import make_engine, session_factory
    from backoffice.sql.orders import SqlOrders

    settings = get_settings()
    engine = make_engine(settings.backoffice_db_url, settings.backoffice_timeout_s)
    return SqlOrders(session_factory(engine), return_window_days=settings.return_window_days)


@lru_cache(maxsize=1)
def billing_port() -> BillingPort:
    from backoffice.sql.billing import SqlBilling
    from backoffice.sql.engine import make_engine, session_factory

    settings = get_settings()
    return SqlBilling(session_factory(make_engine(settings.backoffice_db_url, settings.backoffice_timeout_s)))
