"""A throwaway stack: fresh back office, own folder and ports, started by the real supervisor.

The end-to-end suite (tests/e2e/conftest.py) and the dialogue evaluation
(scripts/eval_dialogue.py) both need what `make run` starts, but on a freshly
seeded back office in a folder of their own, so that conversations that cancel,
return or book leave never touch the development stack and start from known data.
This module is that shared piece: it is not imported by any runtime process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from assistant.settings import Settings, get_settings
from operations import processes, stack
from operations.processes import Service

START_TIMEOUT_S = 240.0


# Settings of other stacks that must not reach a throw-away one (its channels would talk to nobody).
FOREIGN_SETTINGS = (
    "TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_BOT_USERNAME", "SLACK_TOKEN", "SLACK_SIGNING_SECRET",
    "DATABASE_URL", "TRACKER_STORE_URL", "CHROMA_URL", "STACK_PROFILE", "LOCK_STORE_URL",
)  # fmt: skip


def evaluation_settings(var_dir: Path, port_base: int, knowledge_dir: Path) -> dict[str, str]:
    """An evaluation's own stack: test mode with fresh random secrets, its own folder and SQLite stores,
    ports from `port_base` (+5 Rasa, +55 actions, +80 API), people always on duty, rate limits off
    (one client talks fast)."""
    return {
        "ASSISTANT_ENV": "test",
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'backoffice.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{var_dir / 'tracker.db'}",
        "RASA_URL": f"http://127.0.0.1:{port_base + 5}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{port_base + 55}",
        "PUBLIC_URL": f"http://127.0.0.1:{port_base + 80}",
        "KNOWLEDGE_DIR": str(knowledge_dir),
        "IDENTITY_SECRET": secrets.token_urlsafe(32),
        "RASA_API_TOKEN": secrets.token_urlsafe(24),
        "ACTION_SERVER_TOKEN": secrets.token_urlsafe(24),
        "ADMIN_TOKEN": secrets.token_urlsafe(24),
        "DEMO_PASSWORD": secrets.token_urlsafe(12),
        "AGENT_TOKENS": f"Alex:{secrets.token_urlsafe(18)}",
        "HANDOFF_HOURS": "always",
        "HF_HUB_OFFLINE": "1",
        "API_RATE_LIMIT_PER_IP": "0",
        "CHANNEL_RATE_LIMIT_PER_IP": "0",
        "CHANNEL_RATE_LIMIT_PER_SENDER": "0",
    }


def port_in_use(url: str) -> bool:
    """Whether something listens on the port of `url` on the loopback interface."""
    port = int(url.rsplit(":", 1)[1])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def newer_than_model() -> list[str]:
    """Training inputs changed since the model was trained (what `make train` would retrain for)."""
    trained = processes.MODEL.stat().st_mtime
    root = processes.ROOT
    inputs = [root / "config.yml", root / "domain.yml", *sorted((root / "bot" / "data").rglob("*.yml"))]
    return [str(path.relative_to(root)) for path in inputs if path.stat().st_mtime > trained]


def clear_cached_settings() -> None:
    """Forget the process-wide settings and ports, so the next use reads the environment again."""
    from backoffice import wiring

    get_settings.cache_clear()
    wiring.orders_port.cache_clear()
    wiring.billing_port.cache_clear()


@contextlib.contextmanager
def environment(values: Mapping[str, str], remove: tuple[str, ...] = ()) -> Iterator[Settings]:
    """`os.environ` with `values` set (the supervisor passes it on to every process it starts), and the
    settings they give; everything restored afterwards."""
    saved = {name: os.environ.get(name) for name in (*values, *remove)}
    os.environ.update(values)
    for name in remove:
        os.environ.pop(name, None)
    clear_cached_settings()
    try:
        yield Settings()
    finally:
        from backoffice.sql.engine import dispose_engines

        dispose_engines()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        clear_cached_settings()


def fresh_backoffice(settings: Settings, var_dir: Path, timeout_s: float) -> None:
    """Wipe `var_dir`, then migrate and seed the demo company into the settings' database."""
    from backoffice.sql.engine import dispose_engines, make_engine
    from demo.seed import seed_if_empty
    from operations.schema import upgrade

    dispose_engines()
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    upgrade(settings.backoffice_db_url)
    seed_if_empty(make_engine(settings.backoffice_db_url, timeout_s))


def ingest_company_documents(settings: Settings) -> None:
    """The demo company's documents, as `make ingest` indexes them, into the settings' knowledge folder."""
    from demo.documents import ingest_demo_documents
    from knowledge.store import KnowledgeStore

    for report in ingest_demo_documents(KnowledgeStore.open(settings.knowledge_dir)):
        if report.failed:
            raise RuntimeError(f"ingestion failed: {report.failed}")


@dataclass
class RunningStack:
    """The processes of the stack under test, by service name, and how to swap one."""

    settings: Settings
    services: dict[str, Service]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, service: Service) -> None:
        """Start `service` (replacing the process of that name) and wait until it is healthy."""
        process = stack.start(service, self.settings)
        self.processes[service.name] = process
        try:
            stack.wait_healthy(service, process, self.settings, timeout_s=START_TIMEOUT_S)
        except RuntimeError as error:
            log = log_tail(stack.log_path(service, self.settings))
            raise RuntimeError(f"{error}\n--- last lines of the {service.name} log ---\n{log}") from error

    def start_all(self) -> None:
        for service in self.services.values():
            self.start(service)

    def stop(self, name: str) -> None:
        """Stop one service by the pid `operations.stack.start` gave it; wait until its port is free."""
        process = self.processes.pop(name)
        stack.stop_pids([process.pid], grace_s=10.0)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)

    def replace(self, name: str, service: Service) -> None:
        self.stop(name)
        self.start(service)

    def service_with_env(self, name: str, **env: str) -> Service:
        """The service as configured, with some environment variables changed."""
        service = self.services[name]
        return dataclasses.replace(service, env={**service.env, **env})

    def stop_all(self) -> None:
        stack.stop_pids([process.pid for process in self.processes.values()], grace_s=10.0)
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        self.processes.clear()

    @classmethod
    def of(cls, settings: Settings) -> RunningStack:
        """Not started yet: the profile's services for these settings."""
        return cls(settings, {service.name: service for service in stack.services(settings)})
