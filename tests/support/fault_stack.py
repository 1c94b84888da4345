"""The fault tests' stack and what breaks it: a throwaway PostgreSQL server, a Chroma server, and the
embedded stack on top of them, each of which can be killed and started again.

The fixtures that start them are in tests/faults/conftest.py; the classes, the environment and the
checks are here so that other suites (tests/faults/test_scale_faults.py) import them from one place.
See that conftest's docstring for how the stack is laid out.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.settings import Settings
from operations import stack
from operations.throwaway_stack import RunningStack
from tests.support.e2e_config import PORT_OFFSET, ROOT, e2e_environment
from tests.support.ports import free_port
from tests.support.rest import RestConversation, tracker_turns

FAULTS_VAR_DIR = ROOT / "var" / (f"faults-{PORT_OFFSET}" if PORT_OFFSET else "faults")
CHROMA_DATA = ROOT / "var" / "cache" / f"faults-chroma-{PORT_OFFSET}"
CHROMA_BIN = ROOT / ".venv" / "bin" / "chroma"
PG_BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
# Settings of the e2e stack that must not reach this one (its channels talk to stand-ins we do not run).
# The Rasa API token stays the e2e suite's: the conversations read their trackers with it.
BLANKED = ("TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_BOT_USERNAME", "SLACK_TOKEN",
           "SLACK_SIGNING_SECRET")  # fmt: skip


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


# -- PostgreSQL ---------------------------------------------------------------------------------


@dataclass
class Postgres:
    """A throwaway PostgreSQL server on a Unix socket: `stop()` crashes it, `start()` brings it back."""

    binaries: Path
    folder: Path

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.folder}"

    def _ctl(self, *arguments: str) -> None:
        command = [str(self.binaries / "pg_ctl"), "-D", str(self.data), *arguments]
        subprocess.run(as_postgres(command), check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-k {self.folder} -c listen_addresses='' -c fsync=off"
        self._ctl("-o", options, "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        """`-m immediate`: the server goes away as in a crash, open connections and all."""
        self._ctl("-m", "immediate", "-w", "stop")


@dataclass
class Chroma:
    """`chroma run` on a loopback port, its data kept between runs."""

    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthy(self) -> bool:
        return stack.is_healthy(f"{self.url}/api/v2/heartbeat")

    def start(self) -> None:
        command = [str(CHROMA_BIN), "run", "--path", str(CHROMA_DATA), "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while not self.healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chroma did not start; see {self.log}")
            time.sleep(0.3)

    def stop(self) -> None:
        """SIGKILL: the server is simply gone."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
            self.process = None


@dataclass
class FaultStack:
    """The running stack and its dependencies, with ways to break and mend each."""

    running: RunningStack
    environment: dict[str, str]
    postgres: Postgres | None
    chroma: Chroma

    @property
    def settings(self) -> Settings:
        return self.running.settings

    @property
    def rasa_url(self) -> str:
        return self.settings.rasa_url

    @property
    def api_url(self) -> str:
        return self.settings.public_url

    def kill(self, name: str) -> None:
        """SIGKILL a service's whole process group (no clean shut-down) and wait until it is gone."""
        process = self.running.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def start(self, name: str) -> float:
        """Start a service as configured; seconds until it was healthy."""
        started = time.monotonic()
        self.running.start(self.running.services[name])
        return time.monotonic() - started

    def ensure_running(self) -> None:
        """What a failed test may have left broken, mended for the next one."""
        if not self.chroma.healthy():
            self.chroma.stop()
            self.chroma.start()
        if self.postgres is not None:
            with contextlib.suppress(subprocess.SubprocessError):
                self.postgres.start()  # an error here: it is already running
        for name, service in self.running.services.items():
            process = self.running.processes.get(name)
            if process is None or process.poll() is not None or not stack.is_healthy(service.health_url):
                if process is not None:
                    self.kill(name)
                self.running.start(service)


def fault_environment(postgres: Postgres | None, chroma: Chroma) -> dict[str, str]:
    """The e2e stack's settings, on other ports and folders, PostgreSQL and a Chroma server."""
    backoffice = postgres.url("backoffice") if postgres else f"sqlite:///{FAULTS_VAR_DIR / 'backoffice.db'}"
    environment = {
        **e2e_environment(),
        "VAR_DIR": str(FAULTS_VAR_DIR),
        "DATABASE_URL": backoffice,
        "TRACKER_STORE_URL": f"sqlite:///{FAULTS_VAR_DIR / 'tracker.db'}",
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{free_port()}",
        "NLU_SERVER_URL": f"http://127.0.0.1:{free_port()}",
        "PUBLIC_URL": f"http://127.0.0.1:{free_port()}",
        "KNOWLEDGE_DIR": str(FAULTS_VAR_DIR / "knowledge"),
        "CHROMA_URL": chroma.url,
        "TELEGRAM_API_URL": "http://127.0.0.1:9",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    return {**environment, **{name: "" for name in BLANKED}, "REDACT_TRACKER": "false"}


def settings_from(environment: dict[str, str]) -> Settings:
    """The settings the stack's processes will read from `environment`."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        return Settings(_env_file=None)  # type: ignore[call-arg]


def ingest_documents(settings: Settings) -> None:
    """The demo documents into the stack's Chroma server (as `make ingest` does into the embedded index)."""
    from demo.documents import ingest_demo_documents
    from knowledge.store import KnowledgeStore

    store = KnowledgeStore.open(settings.knowledge_dir, settings.chroma_url)
    for report in ingest_demo_documents(store):
        assert not report.failed, report.failed


def warm_documents(rasa_url: str, attempts: int = 3) -> None:
    """One document question until it is answered: the action server's first one loads the embedding
    model, which on a busy machine may outlast the action's 10 s time-out once."""
    talk = RestConversation(rasa_url)
    for _ in range(attempts):
        talk.say("what is your return policy?")
        if talk.sources:
            return
    raise AssertionError(f"the documents never answered:\n{talk}")


# -- the same message delivered twice at once -----------------------------------------------------

ROUNDS = 3


def deliver_at_once(urls: list[str], talk: RestConversation, message: str) -> list[tuple[float, float, httpx.Response]]:
    """POST `message` for `talk.sender` to each URL at the same instant; (start, end, response) each."""
    barrier = threading.Barrier(len(urls))
    results: list[Any] = [None] * len(urls)

    def deliver(index: int, url: str) -> None:
        payload = {"sender": talk.sender, "message": message, "metadata": talk.metadata or {}}
        with httpx.Client(timeout=60.0) as client:
            barrier.wait()
            started = time.monotonic()
            response = client.post(f"{url}/webhooks/rest/webhook", json=payload)
            results[index] = (started, time.monotonic(), response)

    threads = [threading.Thread(target=deliver, args=(i, url)) for i, url in enumerate(urls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert all(results), "every delivery was answered"
    return results


def check_serialised(
    talk: RestConversation, message: str, deliveries: int, replies: list[list[dict[str, Any]]]
) -> None:
    """Every delivery is a complete turn in the tracker, one after the other, and answered alike."""
    history = tracker_turns(talk.tracker_events())
    assert [text for text, _, _ in history] == [message] * deliveries, history
    for _, bot, listening in history:
        assert bot and listening, f"an incomplete or interleaved turn: {history}"
    answered = ["\n".join(reply["text"] for reply in replies_of if reply.get("text")) for replies_of in replies]
    assert all(answered), answered
    stored = ["\n".join(text for text in bot if text) for _, bot, _ in history]
    assert sorted(stored) == sorted(answered), "each response is the turn the tracker holds"


def run_duplicates(urls: list[str], talk: RestConversation, message: str) -> tuple[int, float]:
    """Deliver `message` twice at once, ROUNDS times; how many deliveries overlapped in time, the slowest."""
    overlapped = 0
    slowest = 0.0
    replies = []
    for _ in range(ROUNDS):
        results = deliver_at_once(urls, talk, message)
        for _, _, response in results:
            assert response.status_code == 200, response.text[:300]
            replies.append(response.json())
        (start_a, end_a, _), (start_b, end_b, _) = results
        overlapped += start_a < end_b and start_b < end_a
        slowest = max(slowest, end_a - start_a, end_b - start_b)
    check_serialised(talk, message, len(urls) * ROUNDS, replies)
    return overlapped, slowest
