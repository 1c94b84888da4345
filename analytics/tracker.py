"""Reading the Rasa tracker store (Rasa 3.6's `SQLTrackerStore`: one `events` table).

The app never imports `rasa`; it reads the table Rasa writes, whose columns are
`id, sender_id, type_name, timestamp, intent_name, action_name, data` (`data` is the
event's JSON as text; `action_name` holds the `name` of action and slot events).
Rasa orders a conversation's events by `id`, and so does everything here.

Only the few JSON fields the analytics need are pulled out, by the database itself
(SQLite's `json_extract` with several paths parses a document once; PostgreSQL's
`jsonb`), because parsing 1.5 million events' JSON in Python would dominate the fold.

The SQLite tracker store is written by the Rasa server while we read it, in rollback
journal mode: a long read would hold back its writes, so reads are short, bounded
ranges of ids.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    case,
    create_engine,
    func,
    literal_column,
    null,
    or_,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnElement

# Re-exported for the analytics modules that read them from here.
from assistant.names import FAILURES_SLOT as FAILURES_SLOT
from assistant.names import FEEDBACK_EVENT as FEEDBACK_EVENT
from assistant.names import HANDOFF_ACTION as HANDOFF_ACTION
from assistant.names import KNOWLEDGE_ACTION as KNOWLEDGE_ACTION

metadata = MetaData()
# Rasa's schema (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent), so a store we create is one Rasa accepts.
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)

# Events whose JSON is not needed (the columns say all).
_PLAIN_TYPES = ("action", "session_started", "pause", "resume")
_READ_TYPES = ("user", "bot", FEEDBACK_EVENT, *_PLAIN_TYPES)
# The JSON fields read, in this order: where each lives in an event's `data`.
_FIELDS: tuple[tuple[str | int, ...], ...] = (
    ("input_channel",),
    ("text",),
    ("data", "custom", "agent"),
    ("data", "custom", "sources", 0, "path"),
    ("value",),
    ("data", "feedback"),
)

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def app_url(url: str) -> str:
    """The tracker store's URL for the app environment's drivers (Rasa's `postgresql://` means psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def tracker_engine(url: str) -> Engine:
    """One engine per tracker store URL; SQLite waits up to 5 s for Rasa's write lock instead of failing."""
    resolved = app_url(url)
    with _lock:
        engine = _engines.get(resolved)
        if engine is None:
            if make_url(resolved).get_backend_name() == "sqlite":
                engine = create_engine(resolved, connect_args={"timeout": 5.0})
            else:
                engine = create_engine(resolved, pool_pre_ping=True)
            _engines[resolved] = engine
        return engine


def dispose_tracker_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def ensure_events_table(engine: Engine) -> None:
    """Create Rasa's `events` table if the store is new (Rasa itself creates it only when it starts)."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    metadata.create_all(engine, tables=[events], checkfirst=True)


def _sqlite_path(path: tuple[str | int, ...]) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


def _fields_json(dialect: str) -> ColumnElement[Any]:
    """A JSON array text of `_FIELDS` for one event, built by the database (NULL for plain events)."""
    if dialect == "sqlite":
        extracted: ColumnElement[Any] = func.json_extract(events.c.data, *(_sqlite_path(path) for path in _FIELDS))
    elif dialect == "postgresql":
        paths = ", ".join(f"(events.data::jsonb) #> '{{{','.join(map(str, path))}}}'" for path in _FIELDS)
        extracted = literal_column(f"(jsonb_build_array({paths}))::text")
    else:  # anything else SQLAlchemy speaks: parse the whole document in Python
        extracted = events.c.data
    return case((events.c.type_name.in_(_PLAIN_TYPES), null()), else_=extracted)


@dataclass(frozen=True, slots=True)
class TrackerEvent:
    """One event, with the few JSON fields the analytics read."""

    id: int
    sender_id: str
    type_name: str
    timestamp: float
    intent_name: str | None
    action_name: str | None
    channel: str | None = None
    text: str | None = None
    agent: str | None = None  # a person's message (handoff), not the bot's
    source: str | None = None  # the first source of a reply from the documents
    value: Any = None  # a slot's value
    feedback: dict[str, Any] | None = None


def _from_row(row: Any, whole_document: bool, lenient: bool = False) -> TrackerEvent:
    fields: list[Any] = [None] * len(_FIELDS)
    if row.fields is not None and not (lenient and row.type_name in _PLAIN_TYPES):
        try:
            parsed = json.loads(row.fields)
        except ValueError:
            parsed = None  # only reached when `lenient`: the database parsed the others
        if whole_document:
            parsed = [_dig(parsed, path) for path in _FIELDS]
        fields = list(parsed) if isinstance(parsed, list) else fields
    channel, text, agent, source, value, feedback = fields
    return TrackerEvent(
        id=int(row.id),
        sender_id=str(row.sender_id),
        type_name=str(row.type_name),
        timestamp=float(row.timestamp or 0.0),
        intent_name=row.intent_name,
        action_name=row.action_name,
        channel=channel if isinstance(channel, str) else None,
        text=text if isinstance(text, str) else None,
        agent=str(agent) if agent else None,
        source=str(source) if source else None,
        value=value,
        feedback=feedback if isinstance(feedback, dict) else _json_object(feedback),
    )


def _json_object(value: Any) -> dict[str, Any] | None:
    """SQLite hands back a nested object as JSON text."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def _dig(document: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(part, int):
            document = document[part] if isinstance(document, list) and len(document) > part else None
        else:
            document = document.get(part) if isinstance(document, dict) else None
    return document


class TrackerEvents:
    """Read access to one tracker store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name

    @classmethod
    def from_url(cls, url: str) -> TrackerEvents:
        return cls(tracker_engine(url))

    def exists(self) -> bool:
        """Whether the store has Rasa's table (an SQLite file that is not there yet is not created by asking)."""
        from sqlalchemy import inspect

        database = self.engine.url.database
        if self.dialect == "sqlite" and database and database != ":memory:" and not Path(database).exists():
            return False
        return inspect(self.engine).has_table("events")

    def last_id(self) -> int:
        """The id of the newest event (0 for an empty or missing store)."""
        if not self.exists():
            return 0
        with self.engine.connect() as connection:
            return int(connection.scalar(select(func.max(events.c.id))) or 0)

    def first_id_after(self, event_id: int, timestamp: float) -> int | None:
        """The first event past `event_id` stamped at or after `timestamp` (events still settling)."""
        with self.engine.connect() as connection:
            found = connection.scalar(
                select(func.min(events.c.id)).where(events.c.id > event_id, events.c.timestamp >= timestamp)
            )
        return int(found) if found is not None else None

    def read(self, after: int, until: int) -> list[TrackerEvent]:
        """The events with `after < id <= until` that the analytics fold reads, in id order."""
        interesting = or_(
            events.c.type_name.in_(_READ_TYPES),
            and_(events.c.type_name == "slot", events.c.action_name == FAILURES_SLOT),
        )
        query = (
            select(
                events.c.id,
                events.c.sender_id,
                events.c.type_name,
                events.c.timestamp,
                events.c.intent_name,
                events.c.action_name,
                _fields_json(self.dialect).label("fields"),
            )
            .where(events.c.id > after, events.c.id <= until, interesting)
            .order_by(events.c.id)
        )
        whole = self.dialect not in ("sqlite", "postgresql")
        try:
            with self.engine.connect() as connection:
                return [_from_row(row, whole) for row in connection.execute(query)]
        except DBAPIError:
            if whole:
                raise
        # A malformed `data` somewhere in the range (the database refused to parse it): read it in Python.
        plain = query.with_only_columns(
            *(column for column in query.selected_columns if column.name != "fields"), events.c.data.label("fields")
        )
        with self.engine.connect() as connection:
            return [_from_row(row, True, lenient=True) for row in connection.execute(plain)]

    def texts(self, event_ids: list[int]) -> dict[int, str]:
        """The `text` of some (user) events, by id."""
        found: dict[int, str] = {}
        with self.engine.connect() as connection:
            for start in range(0, len(event_ids), 500):
                chunk = event_ids[start : start + 500]
                for row in connection.execute(select(events.c.id, events.c.data).where(events.c.id.in_(chunk))):
                    text = (json.loads(row.data or "{}") or {}).get("text")
                    if isinstance(text, str):
                        found[int(row.id)] = text
        return found

    def conversation_events(self, sender_id: str, first_id: int, before_id: int | None) -> Iterator[dict[str, Any]]:
        """A conversation's events as Rasa serialises them (its sender, ids from `first_id`, before `before_id`)."""
        query = select(events.c.data).where(events.c.sender_id == sender_id, events.c.id >= first_id)
        if before_id is not None:
            query = query.where(events.c.id < before_id)
        with self.engine.connect() as connection:
            for row in connection.execute(query.order_by(events.c.id)):
                try:
                    event = json.loads(row.data or "{}")
                except ValueError:
                    continue
                if isinstance(event, dict):
                    yield event
