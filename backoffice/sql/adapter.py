"""What every SQL adapter shares: one transaction per port call, driver errors made typed.

Keeping the translation in one place means no port method can forget it, and an
action only ever has to handle `BackofficeError`s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from sqlalchemy import Engine, exc, text
from sqlalchemy.orm import Session, sessionmaker

from backoffice.errors import BackofficeUnavailable
from backoffice.sql.engine import session_factory

# Locked database, lost connection, statement or pool time-out: "try again later" failures.
_UNAVAILABLE = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, exc.DisconnectionError)


@contextmanager
def unavailable_on_db_errors() -> Iterator[None]:
    """Re-raise connection and time-out failures as `BackofficeUnavailable`."""
    try:
        yield
    except _UNAVAILABLE as error:
        raise BackofficeUnavailable("the back office is not answering right now") from error
    except exc.DBAPIError as error:
        if error.connection_invalidated:
            raise BackofficeUnavailable("the back office connection was lost") from error
        raise


def utc_now() -> datetime:
    return datetime.now(UTC)


class SqlAdapter:
    """Base of the SQL port adapters; `today` is injectable so date rules are testable."""

    def __init__(self, sessions: sessionmaker[Session] | Engine, *, today: Callable[[], date] = date.today) -> None:
        self.sessions = session_factory(sessions) if isinstance(sessions, Engine) else sessions
        self.today = today

    @contextmanager
    def transaction(self, *, lock: bool = False) -> Iterator[Session]:
        """One session and transaction: committed on success, rolled back on any error.

        `lock=True` for calls that read, check and then write (balances, one-time codes).
        SQLite ignores `FOR UPDATE` and its driver only opens the transaction at the first
        write, so two such calls could both pass the check; there the database write lock
        is taken up front instead. Other backends rely on the caller's `with_for_update`.
        """
        with unavailable_on_db_errors(), self.sessions.begin() as session:
            if lock and session.get_bind().dialect.name == "sqlite":
                session.execute(text("BEGIN IMMEDIATE"))
            yield session
