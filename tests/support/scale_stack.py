"""The scale-out profile under test: PostgreSQL, Redis, a Chroma server, two Rasa and two action
servers behind nginx, and the API — started from settings alone by the same supervisor as
`make up PROFILE=scale` (`operations.stack` with STACK_PROFILE=scale).

`running_scale_stack(port_base)` starts one such stack and stops every process of it at the
end; the `scale_stack` fixture (tests/scale/conftest.py) is one per module on ports 25500–25699.
Other suites (the fault tests) may use `running_scale_stack` with their own `port_base`:

    with running_scale_stack(25700) as scale:
        scale.rasa_url                  # nginx in front of the Rasa servers (the REST channel's base)
        scale.pids()                    # {"postgres": …, "rasa-1": …, "rasa-2": …, "actions-1": …, …}
        scale.stop("rasa-1")            # stop one process (SIGTERM, then SIGKILL); scale.kill(...) is SIGKILL
        scale.start(scale.services["rasa-1"])   # and start it again (waits until healthy)
        scale.upstream_hits()           # which server nginx sent each request to, from its access log

Ports from `port_base`: nginx at +5 (Rasa servers) and +55 (action servers), the API at +80,
the profile's own ports from +100 (Rasa servers +101…, action servers +111…, PostgreSQL +120,
Redis +121, Chroma +122). State in `var/scale-<port_base>/` (wiped at start); the Chroma
server's data in `var/cache/` (ingestion is idempotent, so later runs only check the hashes).

Every process gets its whole configuration in its own environment (`Service.env`), never
through this process's `os.environ`, which the e2e fixtures may be holding at that moment.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import signal
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from assistant.settings import Settings
from backoffice.sql.engine import dispose_engines, make_engine
from demo.seed import seed_if_empty
from operations import scale, stack
from operations.processes import MODEL, Service
from operations.throwaway_stack import RunningStack, log_tail, port_in_use
from tests.support.e2e_config import BACKOFFICE_TIMEOUT_S, ROOT, e2e_environment

PORT_BASE = int(os.environ.get("SCALE_TEST_PORT_BASE", "25500"))
REST_PATH = "/webhooks/rest/webhook"


def scale_environment(port_base: int) -> dict[str, str]:
    """The e2e suite's test settings, on the scale profile at `port_base` (every store derived from it)."""
    environment = {
        **e2e_environment(),
        "STACK_PROFILE": "scale",
        "VAR_DIR": str(ROOT / "var" / f"scale-{port_base}"),
        "SCALE_PORT_BASE": str(port_base + 100),
        "SCALE_RASA_SERVERS": "2",
        "SCALE_ACTION_SERVERS": "2",
        "RASA_URL": f"http://127.0.0.1:{port_base + 5}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{port_base + 55}",
        "PUBLIC_URL": f"http://127.0.0.1:{port_base + 80}",
        "KNOWLEDGE_DIR": str(ROOT / "var" / "cache" / f"scale-knowledge-{port_base}" / "chroma"),
        # Empty is off: the e2e suite's Telegram and Slack stand-ins belong to its own stack.
        "TELEGRAM_TOKEN": "",
        "TELEGRAM_WEBHOOK_SECRET": "",
        "SLACK_TOKEN": "",
        "SLACK_SIGNING_SECRET": "",
    }
    # The stores as the profile derives them, written out, so that no DATABASE_URL, TRACKER_STORE_URL,
    # CHROMA_URL or LOCK_STORE_URL of the environment this runs in can point the stack elsewhere.
    derived = _settings({**environment, "DATABASE_URL": "", "TRACKER_STORE_URL": "", "CHROMA_URL": ""})
    environment.update(
        DATABASE_URL=derived.backoffice_db_url,
        TRACKER_STORE_URL=derived.tracker_db_url,
        CHROMA_URL=str(derived.chroma_url),
        LOCK_STORE_URL=str(derived.lock_store_url),
    )
    return environment


def _settings(environment: dict[str, str]) -> Settings:
    """Settings from exactly these values (init arguments win over the process environment)."""
    values: dict[str, Any] = {}
    for name, value in environment.items():
        key = "KNOWLEDGE_DIR" if name == "KNOWLEDGE_DIR" else name.lower()
        if key == "KNOWLEDGE_DIR" or key in Settings.model_fields:
            values[key] = value or None
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class ScaleStack(RunningStack):
    """The running scale profile: its processes by name, where each listens, and what nginx saw."""

    environment: dict[str, str] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        """nginx in front of the Rasa servers: where every client talks to."""
        return str(self.settings.rasa_url)

    @property
    def rasa_names(self) -> list[str]:
        return scale.rasa_names(self.settings)

    @property
    def action_names(self) -> list[str]:
        return scale.action_names(self.settings)

    @property
    def ports(self) -> scale.ScalePorts:
        return scale.ScalePorts.of(self.settings)

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}

    def start_stage(self, services: list[Service]) -> None:
        """Start several services at once (the Rasa servers) and wait until all are healthy."""
        started = [(service, stack.start(service, self.settings)) for service in services]
        for service, process in started:
            self.processes[service.name] = process
        for service, process in started:
            try:
                stack.wait_healthy(service, process, self.settings)
            except RuntimeError as error:
                log = log_tail(stack.log_path(service, self.settings))
                raise RuntimeError(f"{error}\n--- last lines of the {service.name} log ---\n{log}") from error

    def kill(self, name: str) -> None:
        """SIGKILL one process group (a crash: nothing is flushed, no goodbye to nginx)."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    @property
    def nginx_access_log(self) -> Path:
        return self.settings.var_dir.resolve() / "log" / "nginx-access.log"

    def upstream_hits(self) -> dict[int, Counter[str]]:
        """Per nginx front port (Rasa's, the actions'), how many requests each upstream answered."""
        hits: dict[int, Counter[str]] = {}
        line = re.compile(r" (\d+) \"\S+ \S+\" \d+ upstream=(\S+)")
        for entry in self.nginx_access_log.read_text(errors="replace").splitlines():
            found = line.search(entry)
            if found:
                # A retried request names every upstream it tried: "127.0.0.1:1, 127.0.0.1:2".
                for upstream in found.group(2).split(","):
                    hits.setdefault(int(found.group(1)), Counter())[upstream.strip()] += 1
        return hits

    def tracker_engine(self) -> Engine:
        """Rasa's tracker store (PostgreSQL), read with the app's driver."""
        return create_engine(self.settings.tracker_db_url.replace("postgresql://", "postgresql+psycopg://"))

    def tracker_events(self, sender: str) -> list[dict[str, Any]]:
        import json

        engine = self.tracker_engine()
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id"), {"sender": sender}
                )
                return [json.loads(row[0]) for row in rows]
        finally:
            engine.dispose()


def _with_environment(service: Service, environment: dict[str, str]) -> Service:
    return dataclasses.replace(service, env={**environment, **service.env})


@contextlib.contextmanager
def running_scale_stack(port_base: int = PORT_BASE) -> Iterator[ScaleStack]:
    """Start the scale profile on `port_base` (see the module's docstring); stop all of it at the end."""
    missing = scale.missing_binaries()
    if missing:
        pytest.fail(f"The scale profile needs {', '.join(missing)}: `.ci/run` installs them.", pytrace=False)
    if not MODEL.exists():
        pytest.fail(f"No trained model at {MODEL}: run `make train` first.", pytrace=False)
    environment = scale_environment(port_base)
    settings = _settings(environment)
    services = [_with_environment(service, environment) for service in stack.services(settings)]
    var_dir = settings.var_dir.resolve()
    if var_dir.exists():  # a run that was killed may have left its processes behind
        stack.down(settings)
    busy = [service.health_url for service in services if port_in_use(_base_url(service.health_url))]
    if busy:
        pytest.fail(f"Scale test ports already in use: {', '.join(busy)}.", pytrace=False)
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)

    running = ScaleStack(settings, {service.name: service for service in services}, environment=environment)
    try:
        stages = stack.stages(services)
        for stage in stages:
            if stage[0].name == "nginx":  # the stores are up: the back office and documents first
                _seed_and_ingest(settings)
            running.start_stage(stage)
        yield running
    finally:
        running.stop_all()
        stack.down(settings)
        dispose_engines()


def _base_url(url: str) -> str:
    found = re.match(r"^\w+(\+\w+)?://(?:[^@/]*@)?([^/]+)", url)
    assert found, url
    return f"http://{found.group(2)}"


def _seed_and_ingest(settings: Settings) -> None:
    """The demo company into PostgreSQL, its documents into the Chroma server (as `make seed ingest` do)."""
    from demo.documents import ingest_demo_documents
    from knowledge.store import KnowledgeStore

    seed_if_empty(make_engine(settings.backoffice_db_url, BACKOFFICE_TIMEOUT_S))
    for report in ingest_demo_documents(KnowledgeStore.open(settings.knowledge_dir, settings.chroma_url)):
        assert not report.failed, report.failed
