"""The end-to-end fixtures: the real stack, started once per session on test ports.

The stack is started by the same supervisor `make run` uses (`operations.stack`),
with its own settings: ports 15005/15055/18000 and `var/e2e/` (wiped at session
start), so it never touches the development stack or its databases. The settings
are put in `os.environ` first, because the supervisor passes the environment on
to the processes it starts; the environment is restored at session end.

Tests talk to the Rasa server over its REST channel (`chat`) and check the back
office directly (`e2e_db`), never through the app's own process-wide caches.
"""

from __future__ import annotations

import os
import sys
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from assistant.identity import issue_channel_token
from assistant.settings import Settings, get_settings
from backoffice import wiring
from backoffice.sql.billing import SqlBilling
from backoffice.sql.engine import dispose_engines, make_engine
from backoffice.sql.models import OrderRow, ReturnRow
from backoffice.sql.orders import SqlOrders
from demo.accounts import DemoAccount, demo_accounts
from operations import processes, stack, throwaway_stack

# Helpers next to this file (the suite runs with --import-mode=importlib, not as a package).
sys.path.insert(0, str(Path(__file__).parent))
import slack_standin
import telegram_standin
from slack_standin import SlackStandIn
from telegram_standin import TelegramStandIn

ROOT = Path(__file__).resolve().parents[2]
# E2E_PORT_OFFSET lets two e2e runs share a machine (each its own ports and var/ folder).
PORT_OFFSET = int(os.environ.get("E2E_PORT_OFFSET", "0"))
E2E_VAR_DIR = ROOT / "var" / (f"e2e-{PORT_OFFSET}" if PORT_OFFSET else "e2e")
RASA_URL = f"http://127.0.0.1:{15005 + PORT_OFFSET}"
ACTION_SERVER_URL = f"http://127.0.0.1:{15055 + PORT_OFFSET}"
PUBLIC_URL = f"http://127.0.0.1:{18000 + PORT_OFFSET}"
TELEGRAM_API_PORT = 18081 + PORT_OFFSET
SLACK_API_PORT = 18082 + PORT_OFFSET
WEBCHAT_PAGE_PORT = 18083 + PORT_OFFSET  # the page embedding rasa-webchat (test_webchat.py): another site's origin
# Outside the wiped var/e2e: ingestion is idempotent, so later runs only check the hashes.
E2E_KNOWLEDGE_DIR = ROOT / "var" / "cache" / f"e2e-knowledge-{PORT_OFFSET}"
TELEGRAM_TOKEN = "123456789:e2e-telegram-bot-token"
TELEGRAM_BOT_USERNAME = "northwind_e2e_bot"
TELEGRAM_WEBHOOK_SECRET = "e2e-telegram-webhook-secret_0123"
SLACK_TOKEN = "xoxb-e2e-slack-bot-token"
SLACK_SIGNING_SECRET = "e2e-slack-signing-secret-0123456789abcdef"
BACKOFFICE_TIMEOUT_S = 1.5
IDENTITY_SECRET = "e2e-identity-secret-0123456789abcdefghij"
# Closed by default: the Rasa HTTP API and the action server need their tokens in every mode.
RASA_API_TOKEN = "e2e-rasa-api-token-0123456789"
RASA_API = {"token": RASA_API_TOKEN}  # the query parameter Rasa's `--auth-token` reads
ACTION_SERVER_TOKEN = "e2e-action-server-token-0123456789"
ADMIN_TOKEN = "e2e-admin-token-0123456789"
DEMO_PASSWORD = "e2e-demo-password"  # test mode refuses the dev- placeholders
AGENT_TOKENS = {"Alex": "e2e-agent-alex-0123456789", "Sam": "e2e-agent-sam-0123456789"}
RETURN_WINDOW_DAYS = 30
VERIFY_MAX_ATTEMPTS = 3
# Nothing listens on port 9 ("discard"): every connection is refused at once.
UNREACHABLE_DATABASE = "postgresql+psycopg://127.0.0.1:9/none"
# Generous for the first message (Rasa warms its graph), tiny compared to the start-up.
CHAT_TIMEOUT_S = 30.0
START_TIMEOUT_S = 240.0

# Words that must never reach a customer: a stack trace or a raw error.
LEAK_MARKERS = ("Traceback", "Exception", "Error:")


def e2e_environment() -> dict[str, str]:
    """What the stack under test is configured with (inherited by every process it starts)."""
    return {
        "ASSISTANT_ENV": "test",
        "VAR_DIR": str(E2E_VAR_DIR),
        "DATABASE_URL": f"sqlite:///{E2E_VAR_DIR / 'backoffice.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{E2E_VAR_DIR / 'tracker.db'}",
        "RASA_URL": RASA_URL,
        "ACTION_SERVER_URL": ACTION_SERVER_URL,
        "PUBLIC_URL": PUBLIC_URL,
        "BACKOFFICE_TIMEOUT_S": str(BACKOFFICE_TIMEOUT_S),
        "IDENTITY_SECRET": IDENTITY_SECRET,
        "RASA_API_TOKEN": RASA_API_TOKEN,
        "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN,
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "RETURN_WINDOW_DAYS": str(RETURN_WINDOW_DAYS),
        "VERIFY_MAX_ATTEMPTS": str(VERIFY_MAX_ATTEMPTS),
        "HF_HUB_OFFLINE": "1",
        # Telegram is on, talking to the local stand-in of its Bot API (telegram_standin.py).
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_BOT_USERNAME": TELEGRAM_BOT_USERNAME,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_WEBHOOK_SECRET,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{TELEGRAM_API_PORT}",
        # Slack is on too, talking to the local stand-in of its Web API (slack_standin.py).
        "SLACK_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_API_URL": f"http://127.0.0.1:{SLACK_API_PORT}/api/",
        "KNOWLEDGE_DIR": str(E2E_KNOWLEDGE_DIR),
        # A company's own website embedding a chat widget calls the Rasa server from its origin.
        "CORS_ORIGINS": f"http://127.0.0.1:{WEBCHAT_PAGE_PORT}",
        "AGENT_TOKENS": ",".join(f"{name}:{token}" for name, token in AGENT_TOKENS.items()),
        "HANDOFF_HOURS": "always",
        # The rate limits are off for the suite (every test talks from 127.0.0.1, some in bursts);
        # test_privacy.py turns them on for its own Rasa server and checks the 429s.
        "API_RATE_LIMIT_PER_IP": "0",
        "CHANNEL_RATE_LIMIT_PER_IP": "0",
        "CHANNEL_RATE_LIMIT_PER_SENDER": "0",
    }


_port_in_use = throwaway_stack.port_in_use
_log_tail = throwaway_stack.log_tail
_newer_than_model = throwaway_stack.newer_than_model
RunningStack = throwaway_stack.RunningStack


@pytest.fixture(scope="session")
def e2e_settings() -> Iterator[Settings]:
    """The test stack's settings, also exported to `os.environ` for the processes it starts."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in e2e_environment().items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        wiring.orders_port.cache_clear()
        wiring.billing_port.cache_clear()
        yield Settings()
        dispose_engines()
        get_settings.cache_clear()
        wiring.orders_port.cache_clear()
        wiring.billing_port.cache_clear()


ingest_company_documents = throwaway_stack.ingest_company_documents


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[TelegramStandIn]:
    """The stand-in for Telegram's Bot API, up before the Rasa server registers its webhook there."""
    standin, server = telegram_standin.serve(TELEGRAM_API_PORT, TELEGRAM_BOT_USERNAME)
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def slack_api() -> Iterator[SlackStandIn]:
    """The stand-in for Slack's Web API (the bot only calls it to reply, so it may start late)."""
    standin, server = slack_standin.serve(SLACK_API_PORT, SLACK_TOKEN)
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def e2e_stack(e2e_settings: Settings, telegram_api: TelegramStandIn) -> Iterator[RunningStack]:
    """Migrate and seed a fresh back office in `var/e2e/`, start the three services, stop them at the end."""
    if not processes.MODEL.exists():
        pytest.fail(f"No trained model at {processes.MODEL}: run `make train` first.", pytrace=False)
    if not processes.RASA_BIN.exists():
        pytest.fail(f"No Rasa engine at {processes.RASA_BIN}: run `make setup` first.", pytrace=False)
    settings = e2e_settings
    stale = _newer_than_model()
    if stale:
        warnings.warn(
            f"{processes.MODEL.name} is older than {', '.join(stale[:3])}: the e2e suite runs the old model; "
            "run `make train`.",
            stacklevel=1,
        )
    test_ports = (RASA_URL, ACTION_SERVER_URL, PUBLIC_URL)
    if any(_port_in_use(url) for url in test_ports) and E2E_VAR_DIR.exists():
        # A previous run that was killed left its processes behind (pids under var/e2e/run).
        stack.down(settings)
    busy = [url for url in test_ports if _port_in_use(url)]
    if busy:
        pytest.fail(f"Test ports already in use: {', '.join(busy)}. Is another e2e run going?", pytrace=False)

    throwaway_stack.fresh_backoffice(settings, E2E_VAR_DIR, BACKOFFICE_TIMEOUT_S)
    ingest_company_documents(settings)

    running = RunningStack.of(settings)
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()
        stack.down(settings)


# -- talking to the bot -------------------------------------------------------------------------


def post_message(sender: str, text: str, metadata: dict[str, Any] | None = None) -> httpx.Response:
    """One message to the REST channel; the raw response (for tests of what comes back)."""
    payload: dict[str, Any] = {"sender": sender, "message": text}
    if metadata is not None:
        payload["metadata"] = metadata
    return httpx.post(f"{RASA_URL}/webhooks/rest/webhook", json=payload, timeout=CHAT_TIMEOUT_S)


def chat(sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One message to the REST channel; the bot's replies (`text`, `buttons`, `custom`, ...)."""
    response = post_message(sender, text, metadata)
    assert response.status_code == 200, f"HTTP {response.status_code} for {text!r}: {response.text[:500]}"
    replies: list[dict[str, Any]] = response.json()
    assert isinstance(replies, list), replies
    for reply in replies:
        for marker in LEAK_MARKERS:
            assert marker not in (reply.get("text") or ""), f"{marker!r} leaked in a reply to {text!r}: {reply}"
    return replies


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(reply["text"] for reply in replies if reply.get("text"))


def buttons(replies: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [button for reply in replies for button in reply.get("buttons") or []]


@dataclass
class Conversation:
    """One customer's conversation: a fresh sender id, a transcript for failure messages."""

    metadata: dict[str, Any] | None = None
    sender: str = field(default_factory=lambda: f"e2e-{uuid.uuid4().hex}")
    transcript: list[tuple[str, str]] = field(default_factory=list)
    last: list[dict[str, Any]] = field(default_factory=list)

    def say(self, text: str, metadata: dict[str, Any] | None = None) -> str:
        """Send `text`; return the bot's reply texts joined by newlines (all replies in `last`)."""
        self.last = chat(self.sender, text, metadata if metadata is not None else self.metadata)
        reply = texts(self.last)
        self.transcript.append((text, reply))
        return reply

    @property
    def buttons(self) -> list[dict[str, str]]:
        return buttons(self.last)

    def __str__(self) -> str:
        return "\n".join(f"USER: {user!r}\nBOT:  {bot!r}" for user, bot in self.transcript)


@dataclass
class RestConversation:
    """One conversation over the REST channel of the Rasa server (or nginx) at `rasa_url`: what the fault
    and scale-out suites talk through; every reply checked for leaked stack traces."""

    rasa_url: str
    metadata: dict[str, Any] | None = None
    sender: str = field(default_factory=lambda: f"rest-{uuid.uuid4().hex}")
    transcript: list[tuple[str, str]] = field(default_factory=list)
    last: list[dict[str, Any]] = field(default_factory=list)

    def post(self, message: str) -> httpx.Response:
        payload: dict[str, Any] = {"sender": self.sender, "message": message}
        if self.metadata is not None:
            payload["metadata"] = self.metadata
        return httpx.post(f"{self.rasa_url}/webhooks/rest/webhook", json=payload, timeout=CHAT_TIMEOUT_S)

    def say(self, message: str) -> str:
        """Send `message`; the bot's reply texts joined by newlines. No stack trace may reach the user."""
        response = self.post(message)
        assert response.status_code == 200, f"HTTP {response.status_code} for {message!r}: {response.text[:300]}"
        self.last = response.json()
        reply = texts(self.last)
        for marker in LEAK_MARKERS:
            assert marker not in reply, f"{marker!r} leaked in the reply to {message!r}: {reply}"
        self.transcript.append((message, reply))
        return reply

    @property
    def buttons(self) -> list[dict[str, str]]:
        return buttons(self.last)

    @property
    def sources(self) -> list[dict[str, Any]]:
        return [source for reply in self.last for source in (reply.get("custom") or {}).get("sources") or []]

    def tracker_events(self) -> list[dict[str, Any]]:
        response = httpx.get(
            f"{self.rasa_url}/conversations/{self.sender}/tracker",
            params={"include_events": "ALL", **RASA_API},  # every session, not only the latest
            timeout=CHAT_TIMEOUT_S,
        )
        response.raise_for_status()
        events: list[dict[str, Any]] = response.json()["events"]
        return events

    def __str__(self) -> str:
        return "\n".join(f"USER: {user!r}\nBOT:  {bot!r}" for user, bot in self.transcript)


@pytest.fixture
def conversation(e2e_stack: RunningStack) -> Callable[..., Conversation]:
    """`conversation(metadata=None)`: a new conversation with a fresh uuid sender id."""
    return lambda metadata=None: Conversation(metadata=metadata)


@pytest.fixture(scope="session")
def customer_token(e2e_settings: Settings) -> Callable[..., dict[str, str]]:
    """`customer_token(customer_id, secret=None)`: the metadata a logged-in website channel sends."""

    def metadata(customer_id: int, secret: str | None = None) -> dict[str, str]:
        token = issue_channel_token("customer", str(customer_id), secret or e2e_settings.identity_secret)
        return {"auth_token": token}

    return metadata


# -- the back office under the stack --------------------------------------------------------------


@dataclass
class BackofficeReader:
    """Direct reads of the e2e back office, to check what a conversation changed."""

    engine: Engine
    orders: SqlOrders
    billing: SqlBilling

    def order_status(self, number: str) -> str:
        with Session(self.engine) as session:
            return session.scalars(select(OrderRow.status).where(OrderRow.number == number)).one()

    def returns_of(self, number: str) -> list[str]:
        with Session(self.engine) as session:
            query = select(ReturnRow.number).join(OrderRow).where(OrderRow.number == number)
            return list(session.scalars(query))

    def snapshot(self) -> dict[str, Any]:
        """Orders (count and every status) and returns: equal snapshots, nothing changed."""
        with Session(self.engine) as session:
            statuses = {number: status for number, status in session.execute(select(OrderRow.number, OrderRow.status))}
            returns = session.scalar(select(func.count()).select_from(ReturnRow))
        return {"orders": len(statuses), "statuses": statuses, "returns": returns}


@pytest.fixture(scope="session")
def e2e_db(e2e_stack: RunningStack) -> BackofficeReader:
    settings = e2e_stack.settings
    engine = make_engine(settings.backoffice_db_url, BACKOFFICE_TIMEOUT_S)
    return BackofficeReader(engine, SqlOrders(engine, return_window_days=RETURN_WINDOW_DAYS), SqlBilling(engine))


@pytest.fixture(scope="session")
def accounts(e2e_db: BackofficeReader) -> list[DemoAccount]:
    """The demo customers as seeded (read once, before any conversation changed anything)."""
    found = demo_accounts(e2e_db.orders)
    assert len(found) >= 5, "the seeder should give five demo accounts"
    return found


@pytest.fixture(scope="session")
def post() -> Callable[..., httpx.Response]:
    """`post(sender, text, metadata=None)`: the raw HTTP response of the REST channel."""
    return post_message


# -- browsers (widget and console tests) ----------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"  # Debian's Chromium, driven by Playwright (never `playwright install`)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"No Chromium at {CHROMIUM}: run `make system-packages-test` (as root).", pytrace=False)
    with sync_playwright() as started:
        yield started


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def site(e2e_stack: RunningStack) -> str:
    """The demo website (and API) of the stack under test."""
    return str(e2e_stack.settings.public_url)
