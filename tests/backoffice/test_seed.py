"""The demo company: deterministic, complete, and consistent with the rules it demonstrates."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from backoffice.domain import InvoiceStatus, OrderStatus
from backoffice.hr_domain import DayPart, LeaveStatus, LeaveType
from backoffice.leave_rules import carry_over, is_working_day, overlaps, working_days
from backoffice.sql.billing import invoice_from_row
from backoffice.sql.engine import dispose_engines, make_engine, session_factory
from backoffice.sql.hr import HR_DIRECTOR_NUMBER, SqlHR
from backoffice.sql.hr_models import EmployeeRow, LeaveEntitlementRow, LeaveRequestRow, PayDateRow, PublicHolidayRow
from backoffice.sql.models import CustomerRow, InvoiceRow, OrderRow, ProductRow
from backoffice.sql.orders import SqlOrders
from demo.accounts import DemoAccount, demo_accounts
from demo.emails import email_part
from demo.employees import demo_employees
from demo.hr_seed import add_hr
from demo.seed import seed, seed_if_empty
from operations.schema import upgrade

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
        assert {name: counts[name] for name in ("customers", "products", "orders", "invoices")} == {
            "customers": 60,
            "products": 30,
            "orders": 300,
            "invoices": 300,
        }
        assert counts["employees"] >= 25 and counts["leave_requests"] > 0 and counts["pay_dates"] == 72
        session.rollback()
        assert session.scalar(customers) == 0
    assert seed_if_empty(empty_engine, seed=42, today=today) is True
    with Session(empty_engine) as session:
        assert session.scalar(customers) == 60


# -- the HR side -----------------------------------------------------------------------------

CUSTOMER_TABLES = ("customers", "products", "orders", "order_lines", "returns", "invoices", "payments")
HR_TABLES = ("employees", "leave_entitlements", "leave_requests", "public_holidays", "pay_dates")


@pytest.fixture
def hr_only(tmp_path: Path) -> Iterator[Callable[[int, date], Engine]]:
    """Builds migrated databases with only the HR side seeded: quicker, for many seeds and days."""
    urls: list[str] = []

    def build(seed_value: int, today: date) -> Engine:
        url = f"sqlite:///{tmp_path / f'hr-{seed_value}-{today.isoformat()}.db'}"
        urls.append(url)
        upgrade(url)
        engine = make_engine(url, 1.0)
        with Session(engine) as session, session.begin():
            add_hr(session, seed_value, today)
        return engine

    yield build
    for url in urls:
        dispose_engines(url)


def test_hr_data_is_deterministic_and_leaves_the_customers_alone(
    fresh_db: Callable[..., Engine], dump_of: Callable[[Engine], Dump], monkeypatch: pytest.MonkeyPatch
) -> None:
    with_hr = dump_of(fresh_db("with_hr"))
    assert all(with_hr[table] for table in HR_TABLES)
    monkeypatch.setattr("demo.seed.add_hr", lambda *_: {})
    without_hr = dump_of(fresh_db("without_hr"))
    assert all(without_hr[table] == [] for table in HR_TABLES)
    assert all(with_hr[table] == without_hr[table] for table in CUSTOMER_TABLES)
    monkeypatch.undo()
    other_seed = dump_of(fresh_db("other_seed", seed_value=7))
    assert other_seed["leave_requests"] != with_hr["leave_requests"]
    assert dump_of(fresh_db("again"))["leave_requests"] == with_hr["leave_requests"]


def test_seed_if_empty_adds_the_staff_to_an_older_database(
    empty_engine: Engine, today: date, dump_of: Callable[[Engine], Dump], monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patched:
        patched.setattr("demo.seed.add_hr", lambda *_: {})
        assert seed_if_empty(empty_engine, today=today) is True
    assert dump_of(empty_engine)["employees"] == []
    assert seed_if_empty(empty_engine, today=today) is True
    assert len(dump_of(empty_engine)["employees"]) >= 25
    assert seed_if_empty(empty_engine, today=today) is False


def test_the_organisation(engine: Engine) -> None:
    with Session(engine) as session:
        staff = list(session.scalars(select(EmployeeRow).order_by(EmployeeRow.id)))
    assert len(staff) >= 25
    by_id = {row.id: row for row in staff}
    ceo = [row for row in staff if row.manager_id is None]
    assert len(ceo) == 1 and ceo[0].number == "E1001"
    heads = [row for row in staff if row.manager_id == ceo[0].id]
    assert {row.department for row in heads} == {
        "Sales",
        "Support",
        "Warehouse",
        "Finance",
        "Engineering",
        "HR",
        "Marketing",
    }
    assert next(row for row in heads if row.department == "HR").number == HR_DIRECTOR_NUMBER
    for row in staff:
        if row.manager_id not in (None, ceo[0].id):
            manager = by_id[row.manager_id]
            assert manager in heads and manager.department == row.department
        first, last = row.name.split(" ", 1)
        assert row.email == f"{email_part(first)}.{email_part(last)}@northwind.example"
        assert re.fullmatch(r"U0NW\d{4}", row.slack_user_id or "")
        assert row.telegram_user_id is None
    assert [row.number for row in staff] == [f"E{1001 + index}" for index in range(len(staff))]
    assert len({row.email for row in staff}) == len({row.slack_user_id for row in staff}) == len(staff)


def test_leave_follows_the_rules(engine: Engine, today: date) -> None:
    hr = SqlHR(engine, today=lambda: today)
    with Session(engine) as session:
        requests = list(session.scalars(select(LeaveRequestRow)))
        entitlements = list(session.scalars(select(LeaveEntitlementRow)))
        holidays = {row.day for row in session.scalars(select(PublicHolidayRow))}
        paydays = list(session.scalars(select(PayDateRow.day)))
        employees = list(session.scalars(select(EmployeeRow.id)))
    assert {LeaveStatus(row.status) for row in requests} == set(LeaveStatus)
    assert {row.start_date.year for row in requests} >= {today.year - 1, today.year}
    assert {day.year for day in holidays} == {today.year - 1, today.year, today.year + 1}
    assert len(paydays) == 72
    assert len(entitlements) == len(employees) * len(LeaveType) * 2
    for row in requests:
        status = LeaveStatus(row.status)
        assert row.number == f"LR-{row.id:05d}"
        assert row.days == working_days(
            row.start_date, row.end_date, holidays, DayPart(row.start_part), DayPart(row.end_part)
        )
        assert row.days > 0 and row.created_at.date() < today
        assert (row.decided_at is None) == (status is LeaveStatus.PENDING)
        if status is LeaveStatus.PENDING:
            assert row.start_date > today
        if status is LeaveStatus.REJECTED:
            assert row.decision_note
        if row.decided_at is not None:
            assert row.created_at < row.decided_at < datetime.combine(today, time(0), tzinfo=UTC)
    for employee_id in employees:
        own = [row for row in requests if row.employee_id == employee_id]
        for index, first in enumerate(own):
            for second in own[index + 1 :]:
                assert not overlaps(
                    first.start_date,
                    first.end_date,
                    second.start_date,
                    second.end_date,
                    a_start_part=DayPart(first.start_part),
                    a_end_part=DayPart(first.end_part),
                    b_start_part=DayPart(second.start_part),
                    b_end_part=DayPart(second.end_part),
                )
        for year in (today.year - 1, today.year, today.year + 1):
            assert all(balance.available >= 0 for balance in hr.leave_balances(employee_id, year))
        last_year = next(
            b for b in hr.leave_balances(employee_id, today.year - 1) if b.leave_type is LeaveType.VACATION
        )
        this_year = next(b for b in hr.leave_balances(employee_id, today.year) if b.leave_type is LeaveType.VACATION)
        assert this_year.carried_over == carry_over(last_year.available, Decimal(5))


@pytest.mark.parametrize("seed_value", [42, 1, 2])
@pytest.mark.parametrize(
    "day",
    [date(2025, 6, 15), date(2026, 1, 1), date(2026, 1, 5), date(2026, 11, 28), date(2025, 12, 29), date(2025, 12, 31)],
)
def test_demo_employees_have_every_path_for_any_seed_and_day(
    hr_only: Callable[[int, date], Engine], seed_value: int, day: date
) -> None:
    hr = SqlHR(hr_only(seed_value, day), today=lambda: day)
    staff = demo_employees(hr)
    assert len(staff) == 3
    holidays = {holiday.day for holiday in hr.public_holidays(day.year)}
    rest_of_year = (day + timedelta(days=n) for n in range(1, (date(day.year, 12, 31) - day).days + 1))
    days_left_in_year = any(is_working_day(later, holidays) for later in rest_of_year)
    with hr.transaction() as session:
        managers = set(session.scalars(select(EmployeeRow.manager_id)))
    for employee in staff:
        assert employee.employee_id not in managers
        assert employee.manager_id is not None and employee.manager_slack_user_id
        assert employee.email.endswith("@northwind.example") and employee.slack_user_id
        vacation = next(
            b for b in hr.leave_balances(employee.employee_id, day.year) if b.leave_type is LeaveType.VACATION
        )
        assert vacation.available >= 5
        requests = hr.list_leave_requests(employee.employee_id, limit=100)
        assert any(r.status is LeaveStatus.PENDING and r.start > day for r in requests)
        if days_left_in_year:  # the pending one is in this year while it can be
            assert vacation.pending > 0
        assert any(r.status is LeaveStatus.APPROVED and r.start.year == day.year for r in requests)
        assert employee.pending_request in {r.number for r in requests if r.status is LeaveStatus.PENDING}
    assert [e.employee_id for e in staff] == sorted(e.employee_id for e in staff)
    assert staff[0].to_dict()["manager_email"] == staff[0].manager_email


def test_demo_employees_from_a_session_sessionmaker_or_engine(engine: Engine) -> None:
    with Session(engine) as session:
        from_session = demo_employees(session, limit=2)
    assert len(from_session) == 2
    assert demo_employees(session_factory(engine), limit=2) == from_session
    assert demo_employees(engine, limit=2) == from_session
