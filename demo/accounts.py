"""The demo accounts: who to log in as, and which order or invoice shows which path.

Read from the database rather than from the seeder, so the list stays true after a
demo has cancelled or returned something (and for any seed or date).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.domain import InvoiceStatus, OrderStatus
from backoffice.sql.adapter import unavailable_on_db_errors
from backoffice.sql.billing import invoice_from_row
from backoffice.sql.models import CustomerRow, InvoiceRow, OrderRow
from backoffice.sql.orders import SqlOrders


@dataclass(frozen=True)
class DemoAccount:
    """One demo customer and a sample record for every conversation path."""

    customer_id: int
    name: str
    email: str
    orders: dict[str, str]  # order status -> newest order number in that status
    open_invoice: str | None
    overdue_invoice: str | None
    returnable_order: str | None  # delivered within the return window, no return yet
    expired_return_order: str | None  # delivered before the return window

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def demo_accounts(source: SqlOrders | Session | sessionmaker[Session] | Engine, limit: int = 5) -> list[DemoAccount]:
    """The first `limit` customers by id. Today and the return window come from `SqlOrders`;
    given a session, sessionmaker or engine: the real date and the settings' window."""
    if isinstance(source, Session):
        from assistant.settings import get_settings

        with unavailable_on_db_errors():
            return _collect(source, limit, date.today(), get_settings().return_window_days)
    orders = source if isinstance(source, SqlOrders) else SqlOrders(source)
    with orders.transaction() as session:
        return _collect(session, limit, orders.today(), orders.return_window_days)


def _collect(session: Session, limit: int, today: date, window_days: int) -> list[DemoAccount]:
    customers = session.scalars(select(CustomerRow).order_by(CustomerRow.id).limit(limit))
    return [_account(session, customer, today, today - timedelta(days=window_days)) for customer in customers]


def _account(session: Session, customer: CustomerRow, today: date, window_start: date) -> DemoAccount:
    orders = session.scalars(
        select(OrderRow)
        .where(OrderRow.customer_id == customer.id)
        .order_by(OrderRow.placed_at.desc(), OrderRow.id.desc())
    ).all()
    invoices = [
        invoice_from_row(row, today)
        for row in session.scalars(
            select(InvoiceRow).where(InvoiceRow.customer_id == customer.id).order_by(InvoiceRow.due_on, InvoiceRow.id)
        )
    ]
    by_status: dict[str, str] = {}
    for order in orders:
        by_status.setdefault(order.status, order.number)
    # (number, delivered_on) of delivered orders that could still get a return authorisation.
    deliveries = [
        (order.number, order.delivered_on)
        for order in orders
        if order.status == OrderStatus.DELIVERED
        and order.delivered_on is not None
        and order.return_authorization is None
    ]
    return DemoAccount(
        customer_id=customer.id,
        name=customer.name,
        email=customer.email,
        orders={status.value: by_status[status] for status in OrderStatus if status in by_status},
        open_invoice=next((i.number for i in invoices if i.status is InvoiceStatus.OPEN), None),
        overdue_invoice=next((i.number for i in invoices if i.status is InvoiceStatus.OVERDUE), None),
        returnable_order=next((number for number, day in deliveries if day >= window_start), None),
        expired_return_order=next((number for number, day in deliveries if day < window_start), None),
    )
