"""The website chat widget in a real browser (headless Debian Chromium), on the demo website of the real stack.

The page is the API's demo website (`/`), the widget talks to the Rasa server's socket.io
channel (engine/channels/socketio.py) and the bot runs its real actions, so every test
here goes through every component a customer's browser would. Screenshots of the widget
(desktop and phone) are saved under var/artifacts/widget/.
"""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.e2e_config import RASA_API

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "artifacts" / "widget"
REPLY_TIMEOUT_MS = 30_000
SESSION_KEY = "northwind-chat:session"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context
    context.close()


class Visitor:
    """One browser tab on the demo website, with what it saw go wrong (dialogs, page errors, CSP reports)."""

    def __init__(self, page: Page, site: str) -> None:
        self.page = page
        self.site = site
        self.dialogs: list[str] = []
        self.problems: list[str] = []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(message.text)

    def visit(self) -> Visitor:
        self.page.goto(f"{self.site}/")
        expect(self.page.locator(".nw-launcher")).to_be_visible()
        return self

    @property
    def log(self) -> Any:
        return self.page.locator(".nw-log")

    def open(self) -> None:
        """Open the widget and wait until it is connected (the greeting comes with the session's confirmation)."""
        self.page.locator(".nw-launcher").click()
        expect(self.page.locator("#nw-panel")).to_be_visible()
        expect(self.page.locator(".nw-greeting")).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        expect(self.page.locator(".nw-status")).to_be_hidden()

    def say(self, text: str, expect_reply: str | None = None) -> None:
        """Type `text` and press Enter; wait for a reply containing `expect_reply`."""
        self.page.locator("#nw-input").fill(text)
        self.page.locator("#nw-input").press("Enter")
        if expect_reply is not None:
            self.expect(expect_reply)

    def expect(self, text: str) -> None:
        expect(self.log).to_contain_text(text, timeout=REPLY_TIMEOUT_MS)

    def session_id(self) -> str:
        return str(self.page.evaluate(f"localStorage.getItem({SESSION_KEY!r})"))

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / name))

    def assert_nothing_went_wrong(self) -> None:
        assert not self.dialogs, f"a dialog opened: {self.dialogs}"
        assert not self.problems, f"page errors or CSP violations: {self.problems}"


def visitor(context: BrowserContext, site: str) -> Visitor:
    return Visitor(context.new_page(), site)


def agent_says(rasa_url: str, session_id: str, text: str, agent: str) -> None:
    """A person's message, sent the way the agent console does: a bot event with side effects on `socketio`."""
    response = httpx.post(
        f"{rasa_url}/conversations/{session_id}/tracker/events",
        params={"output_channel": "socketio", "execute_side_effects": "true", **RASA_API},
        json={"event": "bot", "text": text, "data": {"custom": {"agent": agent}}},
        timeout=30,
    )
    assert response.status_code == 200, response.text


# -- the customer's journey ------------------------------------------------------------------------


def test_customer_verifies_gets_the_answer_and_keeps_the_history(context, site, accounts, e2e_db) -> None:
    account = accounts[0]
    order = e2e_db.orders.get_order(account.orders["shipped"], account.customer_id)
    tab = visitor(context, site).visit()
    tab.open()

    tab.say("where is my order?", "order number")
    tab.say(order.number, "e-mail address")
    tab.say(account.email, "verified")
    for fact in (order.number, order.carrier, order.tracking_number):
        tab.expect(fact)
    tab.screenshot("desktop.png")

    tab.page.reload()
    tab.open()
    for said in ("where is my order?", order.number, account.email, order.tracking_number):
        tab.expect(said)

    other = visitor(context, site).visit()  # a new tab: same browser storage, same conversation
    other.open()
    other.expect(order.tracking_number)
    assert other.session_id() == tab.session_id()
    other.say("thanks", None)
    tab.expect("thanks")  # what one tab says shows in the other
    tab.assert_nothing_went_wrong()
    other.assert_nothing_went_wrong()


def test_signed_in_customer_is_recognised_without_verifying(context, site, accounts, e2e_db) -> None:
    account = accounts[2]
    order = e2e_db.orders.get_order(account.orders["shipped"], account.customer_id)
    tab = visitor(context, site).visit()
    tab.page.locator("#who").select_option(f"customer:{account.customer_id}")
    tab.page.get_by_role("button", name="Sign in").click()
    expect(tab.page.locator("#signed-in")).to_contain_text(account.name)
    tab.open()

    tab.say(f"where is my order {order.number}?", order.tracking_number)

    assert "e-mail address" not in tab.log.inner_text()
    tab.assert_nothing_went_wrong()


def documents_warmed_up(rasa_url: str) -> None:
    """The first document question loads the embedding model, which may outlast the action's time-out."""
    for _ in range(3):
        replies = httpx.post(
            f"{rasa_url}/webhooks/rest/webhook",
            json={"sender": f"warm-up-{uuid.uuid4().hex}", "message": "what is your return policy?"},
            timeout=60,
        ).json()
        if any((reply.get("custom") or {}).get("sources") for reply in replies):
            return


def test_a_policy_answer_shows_its_sources(context, site, e2e_stack) -> None:
    documents_warmed_up(e2e_stack.settings.rasa_url)
    tab = visitor(context, site).visit()
    tab.open()

    tab.say("what is your return policy?")

    citation = tab.page.locator(".nw-bot .nw-source").first
    expect(citation).to_contain_text("Returns", timeout=REPLY_TIMEOUT_MS)
    answer = citation.locator("xpath=ancestor::div[contains(@class, 'nw-msg')]")
    expect(answer.locator(".nw-bubble")).to_contain_text("return")  # the sources joined to their answer's text
    expect(answer.locator(".nw-thumbs")).to_be_visible()
    tab.screenshot("document-answer.png")
    tab.assert_nothing_went_wrong()


# -- a person in the conversation -----------------------------------------------------------------


def test_an_agent_message_arrives_live_marked_and_as_text(context, site, e2e_stack) -> None:
    tab = visitor(context, site).visit()
    tab.open()
    tab.say("hello")
    expect(tab.page.locator(".nw-bot .nw-bubble").nth(1)).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    session_id = tab.session_id()
    tab.page.keyboard.press("Escape")

    agent_says(e2e_stack.settings.rasa_url, session_id, f"Hi, Alex here. {XSS} See https://example.com/help", "Alex")

    badge = tab.page.locator(".nw-badge")
    expect(badge).to_have_text("1", timeout=REPLY_TIMEOUT_MS)
    expect(tab.page.locator(".nw-launcher")).to_have_attribute("aria-label", "Open chat (1 unread)")
    tab.open()
    expect(badge).to_be_hidden()
    message = tab.page.locator(".nw-agent").last
    expect(message.locator(".nw-from")).to_have_text("Alex · agent")
    expect(message.locator(".nw-bubble")).to_contain_text(XSS)
    expect(message.locator("a")).to_have_attribute("href", "https://example.com/help")
    assert tab.page.locator(".nw-log img").count() == 0

    tab.page.reload()  # the agent's message is part of the history, still marked as a person's
    tab.open()
    expect(tab.page.locator(".nw-agent .nw-from")).to_have_text("Alex · agent")
    tab.assert_nothing_went_wrong()


# -- safety, access, small screens ----------------------------------------------------------------


def test_markup_typed_by_the_user_is_shown_as_text_and_never_runs(context, site) -> None:
    tab = visitor(context, site).visit()
    tab.open()
    script = "<script>window.__pwned = 1</script>"

    tab.say(XSS)
    tab.say(script)

    expect(tab.page.locator(".nw-user .nw-bubble").filter(has_text=script)).to_have_count(1)
    expect(tab.page.locator(".nw-user .nw-bubble").filter(has_text=XSS)).to_have_count(1)
    expect(tab.page.locator(".nw-bot .nw-bubble").nth(2)).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    assert tab.page.locator(".nw-log img, .nw-log script").count() == 0
    assert tab.page.evaluate("window.__pwned") is None
    tab.page.reload()  # and from the history too
    tab.open()
    expect(tab.page.locator(".nw-user .nw-bubble").filter(has_text=XSS)).to_have_count(1)
    assert tab.page.locator(".nw-log img, .nw-log script").count() == 0
    tab.assert_nothing_went_wrong()


def test_keyboard_only(context, site) -> None:
    tab = visitor(context, site).visit()
    page = tab.page
    launcher = page.locator(".nw-launcher")
    for _ in range(30):
        page.keyboard.press("Tab")
        if launcher.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the chat launcher")

    page.keyboard.press("Enter")
    expect(page.locator("#nw-panel")).to_be_visible()
    expect(page.locator("#nw-input")).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    page.keyboard.type("what can you do?")
    page.keyboard.press("Enter")
    tab.expect("what can you do?")
    expect(page.locator(".nw-bot .nw-bubble").nth(1)).to_be_visible(timeout=REPLY_TIMEOUT_MS)

    page.keyboard.press("Escape")
    expect(page.locator("#nw-panel")).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert page.locator(".nw-log").get_attribute("aria-live") == "polite"
    tab.assert_nothing_went_wrong()


def test_a_360_pixel_phone(browser, site) -> None:
    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        tab = visitor(phone, site).visit()
        tab.open()
        panel = tab.page.locator("#nw-panel").bounding_box()
        assert panel is not None and panel["x"] >= 0 and panel["x"] + panel["width"] <= 360, panel
        field = tab.page.locator("#nw-input")
        box = field.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 740 and box["width"] >= 150, box
        tab.say("hi")
        expect(tab.page.locator(".nw-bot .nw-bubble").nth(1)).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        width = tab.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"the page scrolls sideways: {width}px"
        tab.screenshot("phone.png")
        tab.page.keyboard.press("Escape")
        expect(tab.page.locator(".nw-launcher")).to_be_visible()
        tab.assert_nothing_went_wrong()
    finally:
        phone.close()


# -- what the API serves --------------------------------------------------------------------------


def test_the_page_and_the_widget_are_served_with_safe_headers(site, e2e_stack) -> None:
    page = httpx.get(f"{site}/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    rasa = e2e_stack.settings.rasa_url
    assert rasa in policy and rasa.replace("http://", "ws://") in policy
    assert page.headers["x-content-type-options"] == "nosniff"

    script = httpx.get(f"{site}/widget/widget.js", headers={"Accept-Encoding": "gzip"})
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert script.headers["x-content-type-options"] == "nosniff"
    assert script.headers["content-encoding"] == "gzip"
    css = httpx.get(f"{site}/widget/widget.css", headers={"Accept-Encoding": "gzip"})
    sent = len(gzip.compress(script.content)) + len(gzip.compress(css.content))
    assert sent <= 60_000, f"widget is {sent} bytes gzipped"

    missing = httpx.get(f"{site}/widget/../main.py")
    assert missing.status_code == 404
    assert httpx.get(f"{site}/widget/secrets.txt").json()["detail"].startswith("no widget file")


def test_the_demo_sign_in_takes_only_demo_people(site) -> None:
    response = httpx.post(f"{site}/demo/sign-in", data={"who": f"customer:{uuid.uuid4().int % 10_000 + 1000}"})
    assert response.status_code == 400
    assert "not one of the demo" in response.json()["detail"]
