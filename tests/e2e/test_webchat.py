"""The stock Rasa web widget, rasa-webchat 1.0.1 from npm, against our socket.io channel (issue 20).

A company that already embeds rasa-webchat points it at our Rasa server and keeps everything:
the page in tests/e2e/webchat/ embeds the vendored bundle as its README shows, served here
from 127.0.0.1, and runs in Debian's Chromium against the real stack. Our channel sends only
the shapes Rasa's own channel sends (engine/channels/widget_messages.py), which is all
rasa-webchat renders: a document answer's text shows, and its sources through the page's
custom component (rasa-webchat's one way to show a custom payload). A signed-in customer's
token travels as rasa-webchat's `customData.auth_token`. A screenshot of a document answer is
saved as var/artifacts/webchat/document-answer.png.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from assistant.identity import issue_channel_token
from tests.support.e2e_config import WEBCHAT_PAGE_PORT
from tests.support.standin_http import serve_in_background

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PAGE_DIR = Path(__file__).parent / "webchat"
ARTIFACTS = ROOT / "var" / "artifacts" / "webchat"
REPLY_TIMEOUT_MS = 30_000
STORAGE_KEY = "chat_session"  # where rasa-webchat keeps its session id and messages
ORDER_RE = re.compile(r"ORD-\d+")


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, *_: Any) -> None:  # keep the test output clean
        return


@pytest.fixture(scope="module")
def page_url() -> Iterator[str]:
    """The folder with the rasa-webchat page, served on 127.0.0.1 like any company's website."""
    server: ThreadingHTTPServer = serve_in_background(
        WEBCHAT_PAGE_PORT, functools.partial(QuietFiles, directory=str(PAGE_DIR)), "webchat-page"
    )
    try:
        yield f"http://127.0.0.1:{WEBCHAT_PAGE_PORT}/index.html"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context
    context.close()


class WebchatTab:
    """One tab of the page with rasa-webchat, and the page errors it saw."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self) -> None:
        self.page.goto(self.url)
        self.page.locator(".rw-launcher").click()
        expect(self.page.locator(".rw-new-message")).to_be_visible()

    @property
    def messages(self) -> Any:
        return self.page.locator(".rw-messages-container")

    def expect(self, text: str) -> None:
        expect(self.messages).to_contain_text(text, timeout=REPLY_TIMEOUT_MS)

    def say(self, text: str, reply: str | None = None) -> None:
        field = self.page.locator(".rw-new-message")
        expect(field).to_be_enabled(timeout=REPLY_TIMEOUT_MS)
        field.fill(text)
        field.press("Enter")
        expect(self.page.locator(".rw-client").filter(has_text=text).last).to_be_visible()
        if reply is not None:
            self.expect(reply)

    def session_id(self) -> str:
        stored = json.loads(self.page.evaluate(f"localStorage.getItem({STORAGE_KEY!r})") or "{}")
        return str(stored.get("session_id"))


def webchat_url(page_url: str, rasa_url: str, token: str | None = None) -> str:
    query = {"socket": rasa_url, **({"token": token} if token else {})}
    return f"{page_url}?{urlencode(query)}"


def documents_warmed_up(rasa_url: str) -> None:
    """The first document question may load the embedding model; ask once over REST first."""
    httpx.post(
        f"{rasa_url}/webhooks/rest/webhook",
        json={"sender": f"warm-up-{uuid.uuid4().hex}", "message": "what is your return policy?"},
        timeout=60,
    )


def test_rasa_webchat_greets_answers_from_documents_verifies_and_keeps_the_session(
    context, page_url, e2e_stack, accounts, e2e_db
) -> None:
    rasa_url = e2e_stack.settings.rasa_url
    documents_warmed_up(rasa_url)
    account = accounts[3]
    order = e2e_db.orders.get_order(account.orders["shipped"], account.customer_id)
    invoice = e2e_db.billing.get_invoice(account.open_invoice, account.customer_id)
    tab = WebchatTab(context.new_page(), webchat_url(page_url, rasa_url))
    tab.open()

    tab.expect("Northwind Goods assistant")  # the reply to its init payload, /greet
    tab.say("what is your return policy?", "Sources:")
    expect(tab.messages.locator(".rw-response").filter(has_text="return").first).to_be_visible()
    tab.expect("Returns")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(ARTIFACTS / "document-answer.png"))

    tab.say("where is my order?", "order number")
    tab.say(order.number, "e-mail address")
    tab.say(account.email, order.tracking_number)
    session_id = tab.session_id()

    tab.page.reload()  # rasa-webchat keeps its messages and session id in localStorage, and asks to resume
    tab.expect(order.tracking_number)  # the conversation is still on the page
    assert tab.session_id() == session_id  # and the channel resumed the same session
    tab.say("how much do I owe?", invoice.number)  # still verified: no second identity check
    assert tab.messages.inner_text().count("e-mail address") == 1
    assert not tab.errors, tab.errors


def test_rasa_webchat_passes_the_signed_token_and_quick_replies_are_clicked(
    context, page_url, e2e_stack, e2e_settings, accounts
) -> None:
    account = accounts[4]
    token = issue_channel_token("customer", str(account.customer_id), e2e_settings.identity_secret)
    tab = WebchatTab(context.new_page(), webchat_url(page_url, e2e_stack.settings.rasa_url, token))
    tab.open()
    tab.expect("Northwind Goods assistant")

    tab.say("where is my order?", "Which order do you mean?")
    reply = tab.page.locator(".rw-reply").first
    expect(reply).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    chosen = ORDER_RE.search(reply.inner_text())
    assert chosen, reply.inner_text()
    reply.click()

    tab.expect(f"Order {chosen.group(0)} (")  # its status, as the bot describes an order
    assert "e-mail address" not in tab.messages.inner_text()  # the token, not the identity check
    assert not tab.errors, tab.errors
