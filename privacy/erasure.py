"""Erase one person's conversations on request (GDPR art. 17): tracker events, handoff tickets, log lines.

A person is named by the conversations' sender ids, or by who they are: a customer id or
an employee id. Their conversations are then found where the assistant records who
someone is — the signed channel token in a message's metadata, the session proof the
identity check leaves in a slot (both verified with the identity secret; their expiry does
not matter here), the identity on a handoff ticket, and for an employee the Slack and
Telegram user ids that are their senders on those channels.

What is erased: every tracker event of those senders (all sessions), every handoff ticket
of those senders or of that identity (with its transcript), and every line of the files
under `$VAR_DIR/log/` that names one of the senders. Log files are rewritten in place
(truncate and write), so the processes that append to them keep their file; a line written
in the instant between read and rewrite can be lost, which is the price of not stopping them.

What is not: the back office's orders, invoices, payments and leave records. They are the
company's books, kept for as long as the law requires, and are not the assistant's to delete.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from sqlalchemy import bindparam, delete, inspect, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from assistant.identity import ALGORITHM, AUD_CHANNEL, AUD_SESSION
from assistant.names import CUSTOMER_PROOF_SLOT, METADATA_TOKEN_KEY
from assistant.settings import Settings

# A sender id shorter than this is not searched for in log lines: it would match unrelated text.
MIN_LOG_MATCH_CHARS = 4
PROOF_SLOT = CUSTOMER_PROOF_SLOT


@dataclass
class ErasureReport:
    """What was erased, for the response and the audit trail (counts and ids, no personal data)."""

    sender_ids: list[str] = field(default_factory=list)
    tracker_events: int = 0
    tickets: int = 0
    log_lines: int = 0
    log_files: list[str] = field(default_factory=list)


def _claims(token: Any, secret: str, audience: str) -> dict[str, Any] | None:
    """The claims of a token we signed, whether or not it has expired since."""
    if not isinstance(token, str) or not token or len(token) > 4096:
        return None
    try:
        return dict(jwt.decode(token, secret, algorithms=[ALGORITHM], audience=audience, options={"verify_exp": False}))
    except jwt.PyJWTError:
        return None


def _tracker_engine(settings: Settings) -> Any:
    """The process's one engine on the tracker store (driver and SQLite lock wait as the analytics reads it)."""
    from analytics.tracker import tracker_engine

    return tracker_engine(settings.tracker_db_url)


def _has_events_table(engine: Any) -> bool:
    try:
        return bool(inspect(engine).has_table("events"))
    except Exception:  # no database file yet, or not reachable: nothing stored there to find
        return False


def senders_of_identity(settings: Settings, role: str, subject: str) -> set[str]:
    """Conversations whose messages carry this person's channel token or whose identity check proved them."""
    engine = _tracker_engine(settings)
    found: set[str] = set()
    try:
        if not _has_events_table(engine):
            return found
        query = text(
            "SELECT sender_id, type_name, data FROM events WHERE "
            "(type_name = 'user' AND data LIKE :token) OR (type_name = 'slot' AND data LIKE :proof)"
        )
        with engine.connect() as connection:
            rows = connection.execute(query, {"token": f"%{METADATA_TOKEN_KEY}%", "proof": f"%{PROOF_SLOT}%"})
            for sender_id, type_name, data in rows:
                try:
                    event = json.loads(data)
                except (TypeError, ValueError):
                    continue
                if type_name == "user":
                    claims = _claims((event.get("metadata") or {}).get(METADATA_TOKEN_KEY), settings.identity_secret,
                                     AUD_CHANNEL)  # fmt: skip
                    if claims and claims.get("role") == role and str(claims.get("sub")) == subject:
                        found.add(sender_id)
                elif role == "customer" and event.get("name") == PROOF_SLOT:
                    claims = _claims(event.get("value"), settings.identity_secret, AUD_SESSION)
                    if claims and str(claims.get("sub")) == subject and claims.get("sid") == sender_id:
                        found.add(sender_id)
    finally:
        engine.dispose()
    return found


def employee_channel_senders(employee_id: int) -> set[str]:
    """An employee's Slack and Telegram user ids: their sender ids on those channels."""
    from backoffice.errors import NotFound
    from backoffice.wiring import hr_port

    try:
        employee = hr_port().get_employee(employee_id)
    except NotFound:
        return set()
    return {str(user_id) for user_id in (employee.slack_user_id, employee.telegram_user_id) if user_id}


def _erase_tracker(settings: Settings, senders: set[str]) -> int:
    engine = _tracker_engine(settings)
    try:
        if not senders or not _has_events_table(engine):
            return 0
        with engine.begin() as connection:
            statement = text("DELETE FROM events WHERE sender_id IN :senders")
            statement = statement.bindparams(bindparam("senders", expanding=True))
            result = connection.execute(statement, {"senders": sorted(senders)})
            return int(result.rowcount or 0)
    finally:
        engine.dispose()


def _erase_tickets(senders: set[str], customer_id: int | None, employee_id: int | None) -> tuple[int, set[str]]:
    """Delete the tickets; also return their senders (a ticket may name a conversation not found otherwise)."""
    from backoffice.wiring import backoffice_engine
    from handoff.sql import HandoffTicketRow

    conditions: list[ColumnElement[bool]] = []
    if senders:
        conditions.append(HandoffTicketRow.sender_id.in_(sorted(senders)))
    if customer_id is not None:
        conditions.append(HandoffTicketRow.customer_id == customer_id)
    if employee_id is not None:
        conditions.append(HandoffTicketRow.employee_id == employee_id)
    if not conditions:
        return 0, set()
    with Session(backoffice_engine()) as session, session.begin():
        ticket_senders = set(session.scalars(select(HandoffTicketRow.sender_id).where(or_(*conditions))))
        result = session.execute(delete(HandoffTicketRow).where(or_(*conditions)))
        return int(result.rowcount or 0), ticket_senders  # type: ignore[attr-defined]


def _log_files(settings: Settings) -> Iterable[Path]:
    folder = settings.var_dir / "log"
    if folder.is_dir():
        yield from sorted(path for path in folder.rglob("*") if path.is_file())


def _erase_log_lines(settings: Settings, senders: set[str]) -> tuple[int, list[str]]:
    searchable = sorted(sender for sender in senders if len(sender) >= MIN_LOG_MATCH_CHARS)
    if not searchable:
        return 0, []
    alternatives = "|".join(re.escape(sender) for sender in searchable)
    pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")
    removed, files = 0, []
    for path in _log_files(settings):
        with path.open("r+b") as handle:
            lines = handle.read().splitlines(keepends=True)
            kept = [line for line in lines if not pattern.search(line.decode("utf-8", "replace"))]
            if len(kept) == len(lines):
                continue
            handle.seek(0)
            handle.truncate()
            handle.writelines(kept)
        removed += len(lines) - len(kept)
        files.append(str(path))
    return removed, files


def erase(
    settings: Settings,
    sender_ids: Iterable[str] = (),
    customer_id: int | None = None,
    employee_id: int | None = None,
) -> ErasureReport:
    """Erase everything the assistant keeps of these conversations and of this person's."""
    senders = {sender for sender in sender_ids if sender}
    if customer_id is not None:
        senders |= senders_of_identity(settings, "customer", str(customer_id))
    if employee_id is not None:
        senders |= senders_of_identity(settings, "employee", str(employee_id))
        senders |= employee_channel_senders(employee_id)
    tickets, ticket_senders = _erase_tickets(senders, customer_id, employee_id)
    senders |= ticket_senders
    report = ErasureReport(sender_ids=sorted(senders), tickets=tickets)
    report.tracker_events = _erase_tracker(settings, senders)
    report.log_lines, report.log_files = _erase_log_lines(settings, senders)
    return report
