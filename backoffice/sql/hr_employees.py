"""Who an employee is: `SqlEmployees` finds employees by id, e-mail and chat account, and links a Telegram account.

The first half of `HRPort` on the embedded SQL back office; backoffice.sql.hr's `SqlHR`
builds leave and the payroll calendar on it. A Telegram account is linked with a six-digit
code the employee gets from the signed-in web chat: only its hash is stored, it lives ten
minutes, and wrong guesses are capped per Telegram account.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from backoffice.errors import NotAllowed, NotFound
from backoffice.hr_domain import Employee
from backoffice.sql.adapter import SqlAdapter, utc_now
from backoffice.sql.hr_models import EmployeeRow, TelegramLinkCodeRow
from backoffice.sql.models import VerificationFailureRow

LINK_CODE_DIGITS = 6
LINK_CODE_VALIDITY = timedelta(minutes=10)
EMPLOYEE_NOT_FOUND = "no such employee"


def employee_from_row(row: EmployeeRow) -> Employee:
    return Employee(
        id=row.id,
        number=row.number,
        name=row.name,
        email=row.email,
        department=row.department,
        manager_id=row.manager_id,
        slack_user_id=row.slack_user_id,
        telegram_user_id=row.telegram_user_id,
    )


def hash_link_code(code: str) -> str:
    """What is stored instead of a link code, so a database reader cannot use a live one."""
    return hashlib.sha256(code.encode()).hexdigest()


class SqlEmployees(SqlAdapter):
    """Employees and their chat accounts against the back-office tables."""

    def __init__(
        self,
        sessions: sessionmaker[Session] | Engine,
        *,
        today: Callable[[], date] = date.today,
        now: Callable[[], datetime] = utc_now,
        max_link_failures: int = 5,
        link_failure_window: timedelta = timedelta(hours=1),
    ) -> None:
        super().__init__(sessions, today=today)
        self.now = now
        self.max_link_failures = max_link_failures
        self.link_failure_window = link_failure_window

    def get_employee(self, employee_id: int) -> Employee:
        with self.transaction() as session:
            return employee_from_row(self._employee(session, employee_id))

    def employee_by_email(self, email: str) -> Employee | None:
        wanted = (email or "").strip().lower()
        return self._employee_where(func.lower(EmployeeRow.email) == wanted) if wanted else None

    def list_employees(self) -> list[Employee]:
        with self.transaction() as session:
            return [employee_from_row(row) for row in session.scalars(select(EmployeeRow).order_by(EmployeeRow.id))]

    def employee_by_slack_user(self, slack_user_id: str) -> Employee | None:
        return self._employee_where(EmployeeRow.slack_user_id == slack_user_id) if slack_user_id else None

    def employee_by_telegram_user(self, telegram_user_id: str) -> Employee | None:
        return self._employee_where(EmployeeRow.telegram_user_id == telegram_user_id) if telegram_user_id else None

    def issue_telegram_link_code(self, employee_id: int) -> str:
        with self.transaction(lock=True) as session:
            self._employee(session, employee_id, for_update=True)
            now = self.now()
            live = select(TelegramLinkCodeRow).where(
                TelegramLinkCodeRow.employee_id == employee_id,
                TelegramLinkCodeRow.used_at.is_(None),
                TelegramLinkCodeRow.expires_at > now,
            )
            for older in session.scalars(live.with_for_update()):
                older.expires_at = now  # superseded: redeeming it now reads as expired
            code = self._unused_code(session, now)
            session.add(
                TelegramLinkCodeRow(
                    employee_id=employee_id,
                    code_hash=hash_link_code(code),
                    created_at=now,
                    expires_at=now + LINK_CODE_VALIDITY,
                )
            )
            return code

    def redeem_telegram_link_code(self, code: str, telegram_user_id: str) -> Employee:
        digits = re.sub(r"[\s-]", "", code or "")
        if not re.fullmatch(rf"\d{{{LINK_CODE_DIGITS}}}", digits):
            raise NotAllowed("invalid_code")
        telegram_user_id = str(telegram_user_id).strip()
        if not telegram_user_id:
            raise ValueError("a Telegram user id is needed to link an account")
        attempts_key = f"telegram-link:{telegram_user_id}"
        with self.transaction(lock=True) as session:
            now = self.now()
            failures = session.scalar(
                select(func.count())
                .select_from(VerificationFailureRow)
                .where(
                    VerificationFailureRow.reference == attempts_key,
                    VerificationFailureRow.failed_at >= now - self.link_failure_window,
                )
            )
            if (failures or 0) >= self.max_link_failures:
                # Six digits are guessable without a cap; the cap is per Telegram account.
                raise NotAllowed("too_many_attempts")
            query = (
                select(TelegramLinkCodeRow)
                .where(TelegramLinkCodeRow.code_hash == hash_link_code(digits))
                .order_by(TelegramLinkCodeRow.created_at.desc(), TelegramLinkCodeRow.id.desc())
            )
            rows = session.scalars(query.with_for_update()).all()
            live = next((row for row in rows if row.used_at is None and row.expires_at > now), None)
            if live is None:
                # Recorded and committed before the refusal is raised, so that the count holds.
                session.add(VerificationFailureRow(reference=attempts_key, failed_at=now))
                refusal = "invalid_code" if not rows else "used_code" if rows[0].used_at is not None else "expired_code"
            else:
                live.used_at = now
                # The unique column: take the Telegram account away from whoever had it first.
                session.execute(
                    update(EmployeeRow)
                    .where(EmployeeRow.telegram_user_id == telegram_user_id, EmployeeRow.id != live.employee_id)
                    .values(telegram_user_id=None)
                )
                employee = self._employee(session, live.employee_id, for_update=True)
                employee.telegram_user_id = telegram_user_id
                session.flush()
                return employee_from_row(employee)
        raise NotAllowed(refusal)

    def _employee_where(self, condition: ColumnElement[bool]) -> Employee | None:
        with self.transaction() as session:
            row = session.scalars(select(EmployeeRow).where(condition)).one_or_none()
            return employee_from_row(row) if row is not None else None

    @staticmethod
    def _employee(session: Session, employee_id: int, for_update: bool = False) -> EmployeeRow:
        query = select(EmployeeRow).where(EmployeeRow.id == employee_id)
        row = session.scalars(query.with_for_update() if for_update else query).one_or_none()
        if row is None:
            raise NotFound(EMPLOYEE_NOT_FOUND)
        return row

    @staticmethod
    def _unused_code(session: Session, now: datetime) -> str:
        """Six random digits that no live code has, so a code always names one employee."""
        while True:
            code = f"{secrets.randbelow(10**LINK_CODE_DIGITS):0{LINK_CODE_DIGITS}d}"
            clash = session.scalar(
                select(func.count())
                .select_from(TelegramLinkCodeRow)
                .where(
                    TelegramLinkCodeRow.code_hash == hash_link_code(code),
                    TelegramLinkCodeRow.used_at.is_(None),
                    TelegramLinkCodeRow.expires_at > now,
                )
            )
            if not clash:
                return code
