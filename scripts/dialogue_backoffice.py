"""The back office before and after a conversation: snapshots, the changes between them, restoring a snapshot.

Read directly from the database (never through the running processes), so a check sees
what was written, not what a process says it wrote; `restore` puts the changed tables back
so that conversations that cancel, return or book leave do not change what the next finds.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

# Tables a conversation may change (and `restore` puts back): orders, returns, invoices,
# payments, leave requests, and the identity check's failure log (it limits guesses per hour).
MUTABLE_TABLES = ("orders", "returns", "invoices", "payments", "leave_requests", "verification_failures")


@dataclass(frozen=True)
class Change:
    """One change to the back office: what (`cancelled`, `rma`, `leave`, ...) and to which record."""

    what: str
    subject: str  # order number, leave request number, invoice number
    detail: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        extra = f" {self.detail}" if self.detail else ""
        return f"{self.what} {self.subject}{extra}"


@dataclass(frozen=True)
class Snapshot:
    orders: dict[str, str]
    returns: frozenset[str]  # order numbers with a return authorisation
    voided: dict[str, str | None]  # invoice number -> its order number, for voided invoices
    payments: int
    leave: dict[str, tuple[int, str, str, str, str]]  # number -> (employee, type, start, end, status)
    failures: int


def snapshot(engine: Engine) -> Snapshot:
    with engine.connect() as connection:

        def rows(sql: str) -> list[Any]:
            return list(connection.execute(text(sql)))

        return Snapshot(
            orders={number: status for number, status in rows("SELECT number, status FROM orders")},
            returns=frozenset(
                row[0] for row in rows("SELECT o.number FROM returns r JOIN orders o ON o.id = r.order_id")
            ),
            voided={
                number: order
                for number, order in rows(
                    "SELECT i.number, o.number FROM invoices i LEFT JOIN orders o ON o.id = i.order_id "
                    "WHERE i.voided_at IS NOT NULL"
                )
            },
            payments=int(rows("SELECT count(*) FROM payments")[0][0]),
            leave={
                row[0]: (int(row[1]), row[2], str(row[3]), str(row[4]), row[5])
                for row in rows(
                    "SELECT number, employee_id, leave_type, start_date, end_date, status FROM leave_requests"
                )
            },
            failures=int(rows("SELECT count(*) FROM verification_failures")[0][0]),
        )


def changes_between(before: Snapshot, after: Snapshot) -> list[Change]:
    """What a conversation changed. Voiding a cancelled order's invoice is part of that cancellation."""
    found: list[Change] = []
    for number, status in after.orders.items():
        if before.orders.get(number) != status:
            what = "cancelled" if status == "cancelled" else "order_status"
            found.append(Change(what, number, {"from": before.orders.get(number), "to": status}))
    found += [Change("rma", number) for number in sorted(after.returns - before.returns)]
    cancelled = {change.subject for change in found if change.what == "cancelled"}
    for invoice, order in after.voided.items():
        if invoice not in before.voided and order not in cancelled:
            found.append(Change("invoice_voided", invoice))
    if after.payments != before.payments:
        found.append(Change("payment", "-", {"count": after.payments - before.payments}))
    for number, (employee, kind, start, end, status) in after.leave.items():
        old = before.leave.get(number)
        detail = {"employee": employee, "type": kind, "start": start, "end": end}
        if old is None:
            found.append(Change("leave", number, detail))
        elif old[4] != status:
            what = "leave_cancelled" if status == "cancelled" else "leave_status"
            found.append(Change(what, number, {**detail, "from": old[4], "to": status}))
    return found


def restore(database: Path, snapshot_file: Path) -> None:
    """Put the tables a conversation may change back as they were seeded (one transaction)."""
    connection = sqlite3.connect(database, timeout=30)
    try:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("ATTACH DATABASE ? AS seeded", (str(snapshot_file),))
        with connection:
            for table in MUTABLE_TABLES:
                connection.execute(f"DELETE FROM main.{table}")
                connection.execute(f"INSERT INTO main.{table} SELECT * FROM seeded.{table}")
        connection.execute("DETACH DATABASE seeded")
    finally:
        connection.close()


def save_snapshot(database: Path, snapshot_file: Path) -> None:
    """A consistent copy of the freshly seeded database (SQLite's backup API)."""
    snapshot_file.unlink(missing_ok=True)
    source, target = sqlite3.connect(database), sqlite3.connect(snapshot_file)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def tickets_of(engine: Engine, sender: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, status, reason, message FROM handoff_tickets WHERE sender_id = :sender"),
            {"sender": sender},
        )
        return [dict(row._mapping) for row in rows]
