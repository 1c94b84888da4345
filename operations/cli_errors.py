"""What a newcomer sees when a command meets something not set up yet: one line, and the command that fixes it.

The commands are run before `make run` as often as after it. A back office that was never
migrated, a PostgreSQL or Chroma server that is not started, a stack that is not up or a model
that was never trained used to end in a long traceback whose last line ("the back office is not
answering right now") said nothing about what to do. Here those errors — found anywhere in the
chain of causes — become `error: <what is wrong>. <the fix>`; every other error is a bug and
keeps its traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from assistant.settings import Settings
from knowledge.store import StoreUnavailable

# Missing tables: SQLite ("no such table"), PostgreSQL ("relation ... does not exist").
NO_TABLE_RE = re.compile(r"no such table|relation \S+ does not exist|UndefinedTable", re.IGNORECASE)
UNREACHABLE_RE = re.compile(
    r"connection refused|could not connect|connection failed|unable to open database file|"
    r"could not translate host name|timeout expired|Could not connect to a Chroma server",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Problem:
    """Something not set up yet, and the command that sets it up."""

    what: str
    fix: str

    def line(self) -> str:
        return f"error: {self.what}. Fix: {self.fix}"


class NotReady(Exception):
    """Raised by a command that checks its own preconditions (a model, an environment) before starting."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.line())
        self.problem = problem


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _shown_url(url: str) -> str:
    """A database URL without its password."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def _stores_fix(settings: Settings) -> str:
    if settings.stack_profile == "scale":
        return "`make stores` starts the scale profile's PostgreSQL, Redis and Chroma server"
    return "start it, or unset the setting to use the embedded default"


def _database(text: str, settings: Settings) -> str:
    """Which configured database an error is about (by its port), the back office unless it names the tracker's."""
    tracker = urlsplit(settings.tracker_db_url)
    if tracker.port and f"port {tracker.port}" in text and tracker.port != urlsplit(settings.backoffice_db_url).port:
        return f"the tracker store's database ({_shown_url(settings.tracker_db_url)})"
    return f"the back-office database ({_shown_url(settings.backoffice_db_url)})"


def explain(error: BaseException, settings: Settings) -> Problem | None:
    """The problem behind `error` when it is one a set-up command fixes; None for anything else (a bug)."""
    causes = list(_chain(error))
    chroma = settings.chroma_url is not None and any("chroma" in f"{type(c).__module__} {c}".lower() for c in causes)
    for cause in causes:
        if isinstance(cause, NotReady):
            return cause.problem
        if isinstance(cause, StoreUnavailable):  # the knowledge store's own typed error
            where = settings.chroma_url or str(settings.knowledge_dir)
            return Problem(f"the document store ({where}) is not answering", _stores_fix(settings))
        text = f"{type(cause).__name__}: {cause}"
        module = type(cause).__module__
        if chroma and (UNREACHABLE_RE.search(text) or "ConnectError" in text):
            return Problem(f"the Chroma server at {settings.chroma_url} is not answering", _stores_fix(settings))
        if module.startswith(("sqlalchemy", "psycopg", "sqlite3")):
            database = _database(text, settings)
            if NO_TABLE_RE.search(text):
                return Problem(
                    f"{database} has no tables yet: it was never migrated and seeded",
                    "`make seed` (or `assistant demo seed`)",
                )
            if UNREACHABLE_RE.search(text):
                return Problem(f"{database} is not answering", _stores_fix(settings))
        service_call = module.startswith(("httpx", "httpcore")) or isinstance(cause, ConnectionError)
        if service_call and (UNREACHABLE_RE.search(text) or "ConnectError" in text):
            return Problem(
                "the assistant's stack is not up (a service it needs does not answer)",
                "`make up` (or `make run` in another terminal); `assistant stack status` shows which is down",
            )
    return None
