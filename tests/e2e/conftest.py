"""The end-to-end fixtures: the real stack, started once per session on test ports.

The stack is started by the same supervisor `make run` uses (`operations.stack`),
with its own settings: ports 15005/15055/18000 and `var/e2e/` (wiped at session
start), so it never touches the development stack or its databases. The settings
are put in `os.environ` first, because the supervisor passes the environment on
to the processes it starts; the environment is restored at session end.

Tests talk to the Rasa server over its REST channel (`chat`) and check the back
office directly (`e2e_db`), never through the app's own process-wide caches. Only
fixtures live here; the settings, the REST helpers, the back-office reader and the
platform stand-ins are in `tests/support/`, which the fault and scale suites share.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.settings import Settings, get_settings
from backoffice import wiring
from backoffice.sql.billing import SqlBilling
from backoffice.sql.engine import dispose_engines, make_engine
from backoffice.sql.orders import SqlOrders
from demo.accounts import DemoAccount, demo_accounts
from operations import processes, stack, throwaway_stack
from operations.throwaway_stack import RunningStack
from tests.support import slack_standin, telegram_standin
from tests.support.backoffice_reader import BackofficeReader
from tests.support.e2e_config import (
    ACTION_SERVER_URL,
    BACKOFFICE_TIMEOUT_S,
    CHROMIUM,
    E2E_VAR_DIR,
    NLU_URL,
    PUBLIC_URL,
    RASA_URL,
    RETURN_WINDOW_DAYS,
    SLACK_API_PORT,
    SLACK_TOKEN,
    TELEGRAM_API_PORT,
    TELEGRAM_BOT_USERNAME,
    e2e_environment,
)
from tests.support.rest import Conversation, post_message, token_of
from tests.support.seeded_backoffice import keep_seeded_copy
from tests.support.slack_standin import SlackStandIn
from tests.support.telegram_standin import TelegramStandIn


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
    """Migrate and seed a fresh back office in `var/e2e/`, start the services, stop them at the end."""
    if not processes.MODEL.exists():
        pytest.fail(f"No trained model at {processes.MODEL}: run `make train` first.", pytrace=False)
    if not processes.RASA_BIN.exists():
        pytest.fail(f"No Rasa engine at {processes.RASA_BIN}: run `make setup` first.", pytrace=False)
    settings = e2e_settings
    stale = throwaway_stack.newer_than_model()
    if stale:
        warnings.warn(
            f"{processes.MODEL.name} is older than {', '.join(stale[:3])}: the e2e suite runs the old model; "
            "run `make train`.",
            stacklevel=1,
        )
    test_ports = (RASA_URL, NLU_URL, ACTION_SERVER_URL, PUBLIC_URL)
    if any(throwaway_stack.port_in_use(url) for url in test_ports) and E2E_VAR_DIR.exists():
        # A previous run that was killed left its processes behind (pids under var/e2e/run).
        stack.down(settings)
    busy = [url for url in test_ports if throwaway_stack.port_in_use(url)]
    if busy:
        pytest.fail(f"Test ports already in use: {', '.join(busy)}. Is another e2e run going?", pytrace=False)

    throwaway_stack.fresh_backoffice(settings, E2E_VAR_DIR, BACKOFFICE_TIMEOUT_S)
    keep_seeded_copy()
    throwaway_stack.ingest_company_documents(settings)

    running = RunningStack.of(settings)
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()
        stack.down(settings)


# -- talking to the bot -------------------------------------------------------------------------


@pytest.fixture
def conversation(e2e_stack: RunningStack) -> Callable[..., Conversation]:
    """`conversation(metadata=None)`: a new conversation with a fresh uuid sender id."""
    return lambda metadata=None: Conversation(metadata=metadata)


@pytest.fixture(scope="session")
def customer_token(e2e_settings: Settings) -> Callable[..., dict[str, str]]:
    """`customer_token(customer_id, secret=None)`: the metadata a logged-in website channel sends."""

    def metadata(customer_id: int, secret: str | None = None) -> dict[str, str]:
        return token_of("customer", customer_id, secret or e2e_settings.identity_secret)

    return metadata


# -- the back office under the stack --------------------------------------------------------------


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
