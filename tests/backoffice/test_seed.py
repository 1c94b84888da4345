"""The demo company: deterministic, complete, and consistent with the rules it demonstrates."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from backoffice.demo import DemoAccount, demo_accounts
from backoffice.domain import InvoiceStatus, OrderStatus
from backoffice.seed import seed, seed_if_empty
from backoffice.sql.billing import invoice_from_row
from backoffice.sql.engine import session_factory
from backoffice.sql.models import CustomerRow, InvoiceRow, OrderRow, ProductRow
from backoffice.sql.orders import SqlOrders

Dump = dict[str, list[tuple[Any, ...]]]


def test_same_seed_and_day_give_identical_data(
    fresh_db: Callable[..., Engine], dump_of: Callable[[Engine], Dump]
) -> None:
    assert dump_of(fresh_db("one")) == dump_of(fresh_db("two"))


def test_another_seed_or_day_gives_other_data(
    fresh_db: Callable[..., Engine], dump_of: Callable[[Engine], Dump]
) -> None:
    reference = dump_of(fresh_db("reference"))
    assert dump_of(fresh_db("other_seed", seed_value=7)) != reference
    assert dump_of(fresh_db("other_day", today=date(2025, 1, 1))) != reference


def test_counts(engine: Engine) -> None:
    minimum = {CustomerRow: 50, ProductRow: 30, OrderRow: 300, InvoiceRow: 300}
    with Session(engine) as session:
        for model, count in minimum.items():
            assert (session.scalar(select(func.count()).select_from(model)) or 0) >= count


def test_customers_have_unique_example_emails(engine: Engine) -> None:
    with Session(engine) as session:
        emails = list(session.scalars(select(CustomerRow.email)))
        names = list(session.scalars(select(CustomerRow.name)))
    assert len(set(emails)) == len(emails)
    assert len(set(names)) == len(names)
    assert all(email.split("@")[1] in {"example.com", "example.org", "example.net"} for email in emails)
    assert all(email == email.lower() and email.isascii() for email in emails)


def test_orders_are_consistent_with_their_status(engine: Engine, today: date) -> None:
    with Session(engine) as session:
        rows = list(session.scalars(select(OrderRow)))
        statuses = Counter(OrderStatus(row.status) for row in rows)
        assert set(statuses) == set(OrderStatus)
        for row in rows:
            status = OrderStatus(row.status)
            assert 1 <= len(row.lines) <= 4
            assert row.placed_at.date() < today
            assert (row.cancelled_at is not None) == (status is OrderStatus.CANCELLED)
            assert (row.return_authorization is not None) == (status is OrderStatus.RETURNED)
            delivered = status in (OrderStatus.DELIVERED, OrderStatus.RETURNED)
            assert (row.delivered_on is not None) == delivered
            if status is OrderStatus.SHIPPED:
                assert row.carrier in {"DHL", "UPS", "DPD", "GLS"} and row.tracking_number
                assert row.eta is not None and row.eta > today
            if row.return_authorization is not None:
                assert row.return_authorization.refund_amount == row.total
                assert row.delivered_on is not None
                assert row.return_authorization.created_at.date() > row.delivered_on
        deliveries = [row.delivered_on for row in rows if row.status == OrderStatus.DELIVERED]
    window_start = today - timedelta(days=30)
    assert sum(day >= window_start for day in deliveries if day) >= 30
    assert sum(day < window_start for day in deliveries if day) >= 30


def test_invoices_match_their_orders(engine: Engine, today: date) -> None:
    with Session(engine) as session:
        rows = list(session.scalars(select(InvoiceRow)))
        statuses = Counter(invoice_from_row(row, today).status for row in rows)
        # Only cancelling an order voids an invoice; seeded cancellations were never invoiced.
        assert set(statuses) == set(InvoiceStatus) - {InvoiceStatus.VOID}
        for row in rows:
            assert row.voided_at is None
            assert (row.due_on - row.issued_on).days in (14, 30)
            assert row.paid <= row.amount
            if row.order is not None:
                assert row.amount == row.order.total
                assert row.customer_id == row.order.customer_id
                assert row.order.status != OrderStatus.CANCELLED
        assert sum(row.order is not None for row in rows) > len(rows) * 0.8


def test_demo_accounts_cover_every_path(orders: SqlOrders, accounts: list[DemoAccount], today: date) -> None:
    assert len(accounts) == 5
    assert [account.customer_id for account in accounts] == sorted(account.customer_id for account in accounts)
    for account in accounts:
        assert set(account.orders) == {status.value for status in OrderStatus}
        assert account.open_invoice and account.overdue_invoice
        assert account.returnable_order and account.expired_return_order
        for status, number in account.orders.items():
            assert orders.get_order(number, account.customer_id).status == status
        assert orders.verify_customer(account.orders["pending"], account.email) is not None
    as_dict = accounts[0].to_dict()
    assert set(as_dict) >= {"name", "email", "orders", "open_invoice", "overdue_invoice", "returnable_order"}


@pytest.mark.parametrize("seed_value", [1, 2, 3])
def test_demo_accounts_complete_for_any_seed(fresh_db: Callable[..., Engine], seed_value: int, today: date) -> None:
    engine = fresh_db(f"seed{seed_value}", seed_value=seed_value)
    accounts = demo_accounts(SqlOrders(engine, today=lambda: today, return_window_days=30))
    for account in accounts:
        assert len(account.orders) == len(OrderStatus)
        assert None not in (
            account.open_invoice,
            account.overdue_invoice,
            account.returnable_order,
            account.expired_return_order,
        )


def test_demo_accounts_follow_the_database(orders: SqlOrders, alice: DemoAccount, today: date) -> None:
    assert alice.returnable_order is not None
    orders.create_return(alice.returnable_order, alice.customer_id, today)
    assert demo_accounts(orders)[0].returnable_order != alice.returnable_order


def test_demo_accounts_from_a_session_sessionmaker_or_engine(engine: Engine) -> None:
    with Session(engine) as session:
        from_session = demo_accounts(session, limit=2)
    assert len(from_session) == 2
    assert demo_accounts(session_factory(engine), limit=2) == from_session
    assert demo_accounts(engine, limit=2) == from_session


def test_seed_if_empty_does_nothing_twice(engine: Engine, dump_of: Callable[[Engine], Dump]) -> None:
    before = dump_of(engine)
    assert seed_if_empty(engine) is False
    assert dump_of(engine) == before


def test_seed_into_a_session_leaves_the_commit_to_its_owner(empty_engine: Engine, today: date) -> None:
    customers = select(func.count()).select_from(CustomerRow)
    with Session(empty_engine) as session:
        counts = seed(session, seed=42, today=today)
        assert counts == {"customers": 60, "products": 30, "orders": 300, "invoices": 300}
        session.rollback()
        assert session.scalar(customers) == 0
    assert seed_if_empty(empty_engine, seed=42, today=today) is True
    with Session(empty_engine) as session:
        assert session.scalar(customers) == 60
