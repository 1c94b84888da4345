"""The fault tests' stack: the embedded stack, with its back office on PostgreSQL and its
documents on a Chroma server, so that every dependency can be killed and started again.

- The Rasa server, the action server and the API are started by the same supervisor as
  `make run` (`operations.stack`, through the e2e suite's `RunningStack`), on free loopback
  ports and in `var/faults[-OFFSET]/` (wiped at start), so they never meet the e2e stack
  that the same `make test` session runs next to them.
- Tracker store: SQLite (the embedded profile's); lock store: Rasa's in-memory one.
- Back office: a throwaway PostgreSQL server from Debian's binaries (Unix socket only, as in
  `tests/analytics/test_postgres.py`), migrated and seeded; `pg_ctl stop -m immediate` is a crash.
  Where PostgreSQL is not installed, SQLite, and the PostgreSQL test is skipped.
- Documents: `chroma run` from the app environment, its data under `var/cache/` (ingestion is
  idempotent, so a second run only checks the hashes).

The processes get their settings in their own environment (`Service.env`), never through
this process's `os.environ`, which the e2e fixtures may be holding at that moment.

Only fixtures here; the servers, the stack and the checks are in `tests/support/fault_stack.py`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from backoffice.sql.engine import dispose_engines, make_engine
from backoffice.sql.orders import SqlOrders
from demo.accounts import DemoAccount, demo_accounts
from demo.employees import DemoEmployee, demo_employees
from demo.seed import seed_if_empty
from operations import stack
from operations.processes import MODEL
from operations.schema import upgrade
from operations.throwaway_stack import RunningStack
from tests.support.e2e_config import BACKOFFICE_TIMEOUT_S, E2E_KNOWLEDGE_DIR, RETURN_WINDOW_DAYS
from tests.support.fault_stack import (
    CHROMA_BIN,
    CHROMA_DATA,
    FAULTS_VAR_DIR,
    PG_BINARIES,
    Chroma,
    FaultStack,
    Postgres,
    as_postgres,
    fault_environment,
    free_port,
    ingest_documents,
    settings_from,
)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres | None]:
    """None where PostgreSQL's server binaries are not installed: the back office is SQLite then,
    and only the test that crashes PostgreSQL is skipped."""
    if not PG_BINARIES:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="faults-pg-"))
    folder.chmod(0o777)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    server = Postgres(PG_BINARIES[-1].parent, folder)
    command = [str(server.binaries / "initdb"), "-D", str(server.data), "-A", "trust", "-U", "postgres", "--no-sync"]
    subprocess.run(as_postgres(command), check=True, capture_output=True, timeout=120)
    server.start()
    try:
        admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE backoffice"))
        admin.dispose()
        yield server
    finally:
        dispose_engines()
        with contextlib.suppress(subprocess.SubprocessError):
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


# -- Chroma -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chroma() -> Iterator[Chroma]:
    if not CHROMA_BIN.exists():
        pytest.fail(f"No Chroma server at {CHROMA_BIN}: run `make setup`.", pytrace=False)
    if not CHROMA_DATA.exists() and (E2E_KNOWLEDGE_DIR / "chroma.sqlite3").exists():
        # The e2e suite's embedded index is the same files a server reads: ingestion then only checks hashes.
        shutil.copytree(E2E_KNOWLEDGE_DIR, CHROMA_DATA)
    CHROMA_DATA.mkdir(parents=True, exist_ok=True)
    FAULTS_VAR_DIR.mkdir(parents=True, exist_ok=True)
    server = Chroma(free_port(), FAULTS_VAR_DIR.parent / f"{FAULTS_VAR_DIR.name}-chroma.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- the stack ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fault_stack(postgres: Postgres | None, chroma: Chroma) -> Iterator[FaultStack]:
    """Migrate and seed the PostgreSQL back office, index the documents into Chroma, start the three services."""
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make train` first.", pytrace=False)
    environment = fault_environment(postgres, chroma)
    settings = settings_from(environment)
    shutil.rmtree(FAULTS_VAR_DIR, ignore_errors=True)
    FAULTS_VAR_DIR.mkdir(parents=True)
    upgrade(settings.backoffice_db_url)
    seed_if_empty(make_engine(settings.backoffice_db_url, BACKOFFICE_TIMEOUT_S))
    dispose_engines(settings.backoffice_db_url)
    ingest_documents(settings)
    services = {
        service.name: dataclasses.replace(service, env={**environment, **service.env})
        for service in stack.services(settings)
    }
    running = RunningStack(settings, services)
    faults = FaultStack(running, environment, postgres, chroma)
    try:
        for service in services.values():
            running.start(service)
        yield faults
    finally:
        running.stop_all()
        stack.down(settings)


@pytest.fixture
def faults(fault_stack: FaultStack, request: pytest.FixtureRequest) -> Iterator[FaultStack]:
    """The stack whole before each test, and mended after it whatever the test broke; after the
    session's last test that needs it, stopped (the suites after this one need the cores)."""
    fault_stack.ensure_running()
    yield fault_stack
    items = request.session.items
    later = items[items.index(request.node) + 1 :] if request.node in items else []
    if any("fault_stack" in getattr(item, "fixturenames", ()) for item in later):
        fault_stack.ensure_running()
    else:
        fault_stack.running.stop_all()
        fault_stack.chroma.stop()


@pytest.fixture(scope="session")
def fault_accounts(fault_stack: FaultStack) -> list[DemoAccount]:
    engine = make_engine(fault_stack.settings.backoffice_db_url, 10.0)
    return demo_accounts(SqlOrders(engine, return_window_days=RETURN_WINDOW_DAYS))


@pytest.fixture(scope="session")
def fault_employees(fault_stack: FaultStack) -> list[DemoEmployee]:
    return demo_employees(make_engine(fault_stack.settings.backoffice_db_url, 10.0), limit=3)
