"""A real, migrated and seeded SQLite database per test, for the ticket store."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from backoffice.sql.engine import dispose_engines, make_engine
from handoff.sql import SqlHandoffs

TIMEOUT_S = 2.0


@pytest.fixture(scope="session")
def handoff_template(
    tmp_path_factory: pytest.TempPathFactory, build_database: Callable[[Path, int, date], str]
) -> Path:
    path = tmp_path_factory.mktemp("handoff-template") / "backoffice.db"
    build_database(path, 42, date(2026, 6, 15))
    return path


@pytest.fixture
def handoff_engine(handoff_template: Path, tmp_path: Path, sqlite_url: Callable[[Path], str]) -> Iterator[Engine]:
    path = tmp_path / "backoffice.db"
    shutil.copyfile(handoff_template, path)
    url = sqlite_url(path)
    yield make_engine(url, TIMEOUT_S)
    dispose_engines(url)


@pytest.fixture
def store(handoff_engine: Engine) -> SqlHandoffs:
    return SqlHandoffs(handoff_engine)
