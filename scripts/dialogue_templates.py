"""The set's templates ({today}, {next-fri}, {m+1:3~}, {payday}, {pending:7}), filled from the back office's calendar.

A conversation names its dates relative to the day it runs on, so the set never goes
stale; `read_calendar` reads the holidays, pay dates and pending requests those names
depend on. The forms are described in tests/conversations/README.md.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import Engine, text

WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


class SetError(ValueError):
    """The set itself is malformed (unknown key, duplicate id, bad persona, bad template): fix the file."""


TEMPLATE_RE = re.compile(r"\{([a-z][a-z0-9+\-:~]*)(?:\|([^{}]*))?\}")
DATE_RE = re.compile(r"^(today|tomorrow|next-(mon|tue|wed|thu|fri|sat|sun)|m\+(\d+):(\d+)(~)?)([+-]\d+)?$")


@dataclass(frozen=True)
class Calendar:
    """What the templates need to know about the day the set runs on (read from the back office)."""

    today: date
    holidays: frozenset[date] = frozenset()
    paydays: tuple[date, ...] = ()
    pending: dict[int, tuple[str, date]] = field(default_factory=dict)  # employee -> (number, start)
    booked: dict[int, tuple[tuple[date, date], ...]] = field(default_factory=dict)  # employee -> leave held
    person: int | None = None  # whose conversation this is: a settled week avoids their own leave

    def working(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def for_person(self, employee: int | None) -> Calendar:
        """This calendar as seen by one employee's conversation.

        The seeded back office plans leave relative to the day it is seeded, while a conversation
        names its weeks relative to the month; without this, a booking conversation fails on the
        days its week happens to meet the persona's own planned leave (the bot rightly refuses
        the overlap), and the set's result would depend on the date it runs.
        """
        return replace(self, person=employee)

    def free(self, day: date) -> bool:
        """A working day the conversation's employee holds no leave on."""
        held = self.booked.get(self.person, ()) if self.person is not None else ()
        return self.working(day) and not any(start <= day <= end for start, end in held)

    def day_of(self, expression: str) -> date:
        """`today`, `tomorrow`, `next-fri`, `m+1:3`, `m+1:3~` (see the set's README), then `+N`/`-N` days."""
        match = DATE_RE.match(expression)
        if match is None:
            raise SetError(f"bad date expression {expression!r}")
        base, weekday, months, day, settle, shift = match.groups()
        if base == "today":
            result = self.today
        elif base == "tomorrow":
            result = self.today + timedelta(days=1)
        elif weekday:
            ahead = (WEEKDAYS[weekday] - self.today.weekday() - 1) % 7 + 1
            result = self.today + timedelta(days=ahead)
        else:
            index = self.today.month - 1 + int(months)
            year, month = self.today.year + index // 12, index % 12 + 1
            result = date(year, month, min(int(day), calendar.monthrange(year, month)[1]))
            if settle:
                result = self._settled_tuesday(result)
        return result + timedelta(days=int(shift or 0))

    def _settled_tuesday(self, day: date) -> date:
        """The first Tuesday from `day` whose Monday to Friday are working days free of the person's leave."""
        day += timedelta(days=(1 - day.weekday()) % 7)
        while not all(self.free(day + timedelta(days=offset)) for offset in range(-1, 4)):
            day += timedelta(days=7)
        return day

    def value(self, name: str) -> date | str:
        if name == "payday":
            return next(day for day in self.paydays if day >= self.today)
        if name.startswith(("pending:", "pending-start:")):
            kind, _, employee = name.partition(":")
            number, start = self.pending[int(employee)]
            return number if kind == "pending" else start
        return self.day_of(name)

    def render(self, template: str) -> str:
        """Fill every `{name}` / `{name|format}`; a date without a format is ISO."""

        def fill(match: re.Match[str]) -> str:
            value = self.value(match.group(1))
            if isinstance(value, date):
                return value.strftime(match.group(2)) if match.group(2) else value.isoformat()
            return value

        return TEMPLATE_RE.sub(fill, template)

    def dates(self, raw: str | list[str]) -> set[date]:
        """The acceptable dates of a `leave` check (a template or a list of them)."""
        return {date.fromisoformat(self.render(item)) for item in ([raw] if isinstance(raw, str) else raw)}


def read_calendar(engine: Engine, today: date | None = None) -> Calendar:
    """Holidays, pay dates, each employee's next pending request and the leave they hold."""
    day = today or date.today()
    with engine.connect() as connection:
        holidays = frozenset(
            date.fromisoformat(str(row[0])) for row in connection.execute(text("SELECT day FROM public_holidays"))
        )
        paydays = tuple(
            sorted(date.fromisoformat(str(row[0])) for row in connection.execute(text("SELECT day FROM pay_dates")))
        )
        rows = connection.execute(
            text(
                "SELECT employee_id, number, start_date FROM leave_requests "
                "WHERE status = 'pending' AND start_date > :today ORDER BY start_date, id"
            ),
            {"today": day.isoformat()},
        )
        pending: dict[int, tuple[str, date]] = {}
        for employee, number, start in rows:
            pending.setdefault(int(employee), (number, date.fromisoformat(str(start))))
        held: dict[int, list[tuple[date, date]]] = {}
        rows = connection.execute(
            text("SELECT employee_id, start_date, end_date FROM leave_requests WHERE status IN ('pending', 'approved')")
        )
        for employee, start, end in rows:
            held.setdefault(int(employee), []).append((date.fromisoformat(str(start)), date.fromisoformat(str(end))))
    booked = {employee: tuple(sorted(spans)) for employee, spans in held.items()}
    return Calendar(day, holidays, paydays, pending, booked)
