"""Schema lifecycle: Alembic upgrade from any working directory, and a demo reset.

The one place where every domain package's tables are registered on the shared metadata
(the back office's customers, orders and HR; the handoff tickets; the analytics
aggregates), so that Alembic compares all of them and no domain package has to import
another's tables.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import delete
from sqlalchemy.engine import make_url

import analytics.tables
import backoffice.sql.hr_models
import backoffice.sql.models
import handoff.sql
from backoffice.sql.base import Base
from backoffice.sql.engine import dispose_engines, make_engine, sqlite_path

REGISTERED = (backoffice.sql.models, backoffice.sql.hr_models, handoff.sql, analytics.tables)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _resolve(url: str | None) -> str:
    if url is not None:
        return url
    from assistant.settings import get_settings

    return get_settings().backoffice_db_url


def alembic_config(url: str | None = None) -> Config:
    """A config built in code, so no alembic.ini and no particular cwd is needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    # ConfigParser interpolates `%`, which URL-encoded passwords contain.
    config.set_main_option("sqlalchemy.url", _resolve(url).replace("%", "%%"))
    return config


def upgrade(url: str | None = None) -> None:
    """`alembic upgrade head` against `url` (default: the settings' back-office URL)."""
    command.upgrade(alembic_config(url), "head")


def reset(url: str | None = None) -> None:
    """Start the demo over: delete the SQLite file, or every row elsewhere (schema is kept)."""
    resolved = _resolve(url)
    dispose_engines(resolved)
    path = sqlite_path(make_url(resolved))
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    with make_engine(resolved).begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if connection.dialect.has_table(connection, table.name):
                connection.execute(delete(table))
