"""Handoff tickets in the embedded database (the back office's, same migrations).

Taking a ticket is one conditional UPDATE (`... WHERE status = 'waiting'`), so of
two agents who click at the same moment exactly one wins, on SQLite and PostgreSQL
alike, without a read-then-write race.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.sql.adapter import SqlAdapter, utc_now
from backoffice.sql.base import Base, UtcDateTime
from handoff.tickets import (
    OPEN_STATUSES,
    HandoffReason,
    Identity,
    NewTicket,
    Ticket,
    TicketConflict,
    TicketNotFound,
    TicketStatus,
    TranscriptLine,
)

NUMBER_OFFSET = 1000
MAX_MESSAGE_CHARS = 2000


class HandoffTicketRow(Base):
    __tablename__ = "handoff_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    sender_id: Mapped[str] = mapped_column(String(128), index=True)
    identity_kind: Mapped[str] = mapped_column(String(16))
    # No foreign keys: customers and employees may live in an external system behind the ports.
    customer_id: Mapped[int | None] = mapped_column()
    employee_id: Mapped[int | None] = mapped_column()
    identity_name: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(Text)
    agent: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


def ticket_number(row_id: int) -> str:
    return f"H-{NUMBER_OFFSET + row_id}"


def _row_id(number: str) -> int:
    prefix, _, digits = number.partition("-")
    if prefix.upper() != "H" or not digits.isdigit() or int(digits) <= NUMBER_OFFSET:
        raise TicketNotFound(number)
    return int(digits) - NUMBER_OFFSET


def _ticket(row: HandoffTicketRow) -> Ticket:
    identity_id = row.customer_id if row.identity_kind == "customer" else row.employee_id
    return Ticket(
        number=ticket_number(row.id),
        channel=row.channel,
        sender_id=row.sender_id,
        identity=Identity(row.identity_kind, identity_id, row.identity_name),
        reason=HandoffReason(row.reason),
        status=TicketStatus(row.status),
        summary=dict(row.summary or {}),
        transcript=[TranscriptLine(**line) for line in row.transcript or []],
        created_at=row.created_at,
        message=row.message,
        agent=row.agent,
        taken_at=row.taken_at,
        closed_at=row.closed_at,
    )


class SqlHandoffs(SqlAdapter):
    """The ticket store: open, list, take (one winner), close."""

    def open(self, new: NewTicket) -> tuple[Ticket, bool]:
        """The conversation's open ticket, or a new one; True when it was created now."""
        with self.transaction(lock=True) as session:
            existing = session.scalar(
                select(HandoffTicketRow)
                .where(
                    HandoffTicketRow.sender_id == new.sender_id,
                    HandoffTicketRow.channel == new.channel,
                    HandoffTicketRow.status.in_([s.value for s in OPEN_STATUSES]),
                )
                .order_by(HandoffTicketRow.id.desc())
                .with_for_update()
            )
            if existing is not None:
                if new.message and existing.status == TicketStatus.MESSAGE.value:
                    existing.message = f"{existing.message}\n\n{new.message}"[-MAX_MESSAGE_CHARS:]
                return _ticket(existing), False
            row = HandoffTicketRow(
                channel=new.channel,
                sender_id=new.sender_id,
                identity_kind=new.identity.kind,
                customer_id=new.identity.id if new.identity.kind == "customer" else None,
                employee_id=new.identity.id if new.identity.kind == "employee" else None,
                identity_name=new.identity.name,
                reason=new.reason.value,
                status=(TicketStatus.MESSAGE if new.message is not None else TicketStatus.WAITING).value,
                summary=json.loads(json.dumps(new.summary, default=str)),
                transcript=[line.to_dict() for line in new.transcript],
                message=new.message[:MAX_MESSAGE_CHARS] if new.message is not None else None,
                created_at=utc_now(),
            )
            session.add(row)
            session.flush()
            return _ticket(row), True

    def get(self, number: str) -> Ticket:
        with self.transaction() as session:
            row = session.get(HandoffTicketRow, _row_id(number))
            if row is None:
                raise TicketNotFound(number)
            return _ticket(row)

    def open_tickets(self) -> list[Ticket]:
        """Waiting, taken and left messages, oldest first: the agents' queue."""
        with self.transaction() as session:
            rows = session.scalars(
                select(HandoffTicketRow)
                .where(HandoffTicketRow.status.in_([s.value for s in OPEN_STATUSES]))
                .order_by(HandoffTicketRow.id)
            )
            return [_ticket(row) for row in rows]

    def _transition(self, number: str, *conditions: Any, **values: Any) -> tuple[bool, Ticket]:
        """One conditional UPDATE of the ticket (True if it applied) and the ticket as it is after it."""
        row_id = _row_id(number)
        with self.transaction() as session:
            applied = session.execute(
                update(HandoffTicketRow).where(HandoffTicketRow.id == row_id, *conditions).values(**values)
            )
            row = session.get(HandoffTicketRow, row_id)
            if row is None:
                raise TicketNotFound(number)
            return applied.rowcount == 1, _ticket(row)  # type: ignore[attr-defined]

    def take(self, number: str, agent: str) -> Ticket:
        """Give the ticket to `agent`; TicketConflict if someone else has it or it is closed."""
        taken, ticket = self._transition(
            number,
            HandoffTicketRow.status.in_([TicketStatus.WAITING.value, TicketStatus.MESSAGE.value]),
            status=TicketStatus.TAKEN.value,
            agent=agent,
            taken_at=utc_now(),
        )
        if not taken and not (ticket.status is TicketStatus.TAKEN and ticket.agent == agent):
            raise TicketConflict(ticket.status.value)
        return ticket

    def close(self, number: str, agent: str) -> Ticket:
        """Hand the conversation back to the bot; only the agent who took it can."""
        closed, ticket = self._transition(
            number,
            HandoffTicketRow.status == TicketStatus.TAKEN.value,
            HandoffTicketRow.agent == agent,
            status=TicketStatus.CLOSED.value,
            closed_at=utc_now(),
        )
        if not closed:
            raise TicketConflict(ticket.status.value if ticket.agent == agent else "not_yours")
        return ticket

    def owned_by(self, number: str, agent: str) -> Ticket:
        """The ticket, if `agent` has taken it (the only one who may write in it)."""
        ticket = self.get(number)
        if ticket.status is not TicketStatus.TAKEN or ticket.agent != agent:
            raise TicketConflict("not_yours" if ticket.status is TicketStatus.TAKEN else ticket.status.value)
        return ticket
