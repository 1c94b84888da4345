"""The demo employees: who to sign in as on the HR side, who approves them, what is pending.

Read from the database rather than from the seeder, so the list stays true after a
demo has cancelled or decided a request (and for any seed or date).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, exists, select
from sqlalchemy.orm import Session, aliased, sessionmaker

from backoffice.hr_domain import LeaveStatus
from backoffice.sql.adapter import unavailable_on_db_errors
from backoffice.sql.hr import SqlHR
from backoffice.sql.hr_models import EmployeeRow, LeaveRequestRow


@dataclass(frozen=True)
class DemoEmployee:
    """One employee who manages nobody, their approver, and an upcoming pending request."""

    employee_id: int
    number: str
    name: str
    email: str
    department: str
    slack_user_id: str | None
    manager_id: int | None
    manager_name: str | None
    manager_email: str | None
    manager_slack_user_id: str | None
    pending_request: str | None  # the next pending request that starts after today

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def demo_employees(source: SqlHR | Session | sessionmaker[Session] | Engine, limit: int = 3) -> list[DemoEmployee]:
    """The first `limit` employees by id who manage nobody. Today comes from `SqlHR`; given a
    session, sessionmaker or engine: the real date."""
    if isinstance(source, Session):
        with unavailable_on_db_errors():
            return _collect(source, limit, date.today())
    hr = source if isinstance(source, SqlHR) else SqlHR(source)
    with hr.transaction() as session:
        return _collect(session, limit, hr.today())


def _collect(session: Session, limit: int, today: date) -> list[DemoEmployee]:
    report = aliased(EmployeeRow)
    staff = session.scalars(
        select(EmployeeRow)
        .where(~exists().where(report.manager_id == EmployeeRow.id))
        .order_by(EmployeeRow.id)
        .limit(limit)
    )
    return [_employee(session, row, today) for row in staff]


def _employee(session: Session, row: EmployeeRow, today: date) -> DemoEmployee:
    manager = session.get(EmployeeRow, row.manager_id) if row.manager_id is not None else None
    pending = session.scalars(
        select(LeaveRequestRow.number)
        .where(
            LeaveRequestRow.employee_id == row.id,
            LeaveRequestRow.status == LeaveStatus.PENDING.value,
            LeaveRequestRow.start_date > today,
        )
        .order_by(LeaveRequestRow.start_date, LeaveRequestRow.id)
        .limit(1)
    ).first()
    return DemoEmployee(
        employee_id=row.id,
        number=row.number,
        name=row.name,
        email=row.email,
        department=row.department,
        slack_user_id=row.slack_user_id,
        manager_id=row.manager_id,
        manager_name=manager.name if manager else None,
        manager_email=manager.email if manager else None,
        manager_slack_user_id=manager.slack_user_id if manager else None,
        pending_request=pending,
    )
