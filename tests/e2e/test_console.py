"""The agent console and the chat widget together, in real browsers (headless Debian Chromium).

A customer talks in the widget on the demo website (`/`) in one browser context; agents
work in the console (`/console`) in others, each context its own browser profile, so
each customer has a fresh widget session and each agent their own sign-in. Everything
goes through the real stack: the Rasa server's socket.io channel, the action server
that opens the ticket and pauses the bot, and the API's agent endpoints the console
polls every 2 s. Screenshots of the console are saved under var/artifacts/console/.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.support.e2e_config import AGENT_TOKENS
from tests.support.rest import chat, texts

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "artifacts" / "console"
REPLY_TIMEOUT_MS = 30_000
# The console polls every 2 s: what a customer writes shows there within a poll or two.
POLL_TIMEOUT_MS = 10_000
TICKET_RE = re.compile(r"ticket (H-\d+)")
BACK = "You're back with the assistant"
TAKEN_BY_ANOTHER = "another agent has already taken this ticket"
BAD_TOKEN = "That token is not valid."
XSS = "<img src=x onerror=alert(1)>"
AGENT_MARKUP = "<b>Sorry</b> about that <img src=x onerror=alert(2)><script>alert(3)</script>"


# -- browsers -------------------------------------------------------------------------------------


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[[], BrowserContext]]:
    """`new_context()`: a fresh browser profile (its own storage: a new widget session, a new sign-in)."""
    opened: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


class Watched:
    """A page and what went wrong on it: dialogs (an alert() is an XSS that ran), page errors, CSP reports."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.problems: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.on("console", self._console)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(message.text)

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / name), full_page=True)

    def assert_nothing_went_wrong(self) -> None:
        assert not self.dialogs, f"a dialog opened: {self.dialogs}"
        assert not self.problems, f"page errors or CSP violations: {self.problems}"


# -- the customer: the widget on the demo website -------------------------------------------------


class Customer(Watched):
    """A customer with the chat widget open on the demo website."""

    def __init__(self, context: BrowserContext, site: str) -> None:
        super().__init__(context.new_page())
        self.page.goto(f"{site}/")
        self.page.locator(".nw-launcher").click()
        expect(self.page.locator(".nw-greeting")).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        expect(self.page.locator(".nw-status")).to_be_hidden(timeout=REPLY_TIMEOUT_MS)

    @property
    def log(self) -> Locator:
        return self.page.locator(".nw-log")

    @property
    def bot_messages(self) -> Locator:
        return self.page.locator(".nw-msg.nw-bot")

    def say(self, text: str) -> None:
        self.page.locator("#nw-input").fill(text)
        self.page.locator("#nw-input").press("Enter")
        expect(self.page.locator(".nw-user .nw-bubble").last).to_have_text(text)

    def sees(self, text: str) -> None:
        expect(self.log).to_contain_text(text, timeout=REPLY_TIMEOUT_MS)

    def asks_for_a_person(self) -> str:
        """Ask for a person; the ticket number the bot gives (`H-…`)."""
        self.say("I want to talk to a person")
        expect(self.log).to_contain_text(TICKET_RE, timeout=REPLY_TIMEOUT_MS)
        match = TICKET_RE.search(self.log.inner_text())
        assert match, self.log.inner_text()
        return match.group(1)

    def last_agent_message(self) -> Locator:
        return self.page.locator(".nw-agent").last

    def assert_no_markup_ran(self) -> None:
        assert self.page.locator(".nw-log img, .nw-log script, .nw-log b").count() == 0
        self.assert_nothing_went_wrong()


# -- the agent: the console -----------------------------------------------------------------------


class Agent(Watched):
    """An agent in the console page, in their own browser context."""

    def __init__(self, context: BrowserContext, site: str, name: str) -> None:
        super().__init__(context.new_page())
        self.name = name
        self.page.goto(f"{site}/console")
        expect(self.page.locator("#token")).to_be_visible()

    def sign_in(self, token: str | None = None) -> Agent:
        """Sign in with `token` (this agent's own by default) and wait for the workspace."""
        self.submit_token(token or AGENT_TOKENS[self.name])
        expect(self.page.locator("#agent-name")).to_have_text(f"Signed in as {self.name}")
        expect(self.page.locator("#workspace")).to_be_visible()
        return self

    def submit_token(self, token: str) -> None:
        self.page.locator("#token").fill(token)
        self.page.get_by_role("button", name="Sign in").click()

    def entry(self, number: str) -> Locator:
        """The ticket's button in the queue (there once the queue's first poll is in)."""
        return self.page.locator(f'#tickets button[data-number="{number}"]')

    def open(self, number: str) -> None:
        self.entry(number).click()
        expect(self.title).to_contain_text(number)

    @property
    def title(self) -> Locator:
        return self.page.locator("#ticket-title")

    @property
    def transcript(self) -> Locator:
        return self.page.locator("#transcript")

    @property
    def take_button(self) -> Locator:
        return self.page.get_by_role("button", name="Take this conversation")

    @property
    def close_button(self) -> Locator:
        return self.page.get_by_role("button", name="Close and hand back to the bot")

    @property
    def reply_box(self) -> Locator:
        return self.page.locator("#reply")

    @property
    def error(self) -> Locator:
        return self.page.locator("#ticket-error")

    def take(self) -> None:
        self.take_button.click()
        expect(self.reply_box).to_be_visible()
        expect(self.title).to_contain_text("taken")

    def reply(self, text: str) -> None:
        """Write `text` and press Enter; it is in the console's transcript once sent."""
        self.reply_box.fill(text)
        self.reply_box.press("Enter")
        expect(self.reply_box).to_have_value("")
        expect(self.transcript.locator("li.agent").last).to_contain_text(text)

    def close(self) -> None:
        self.close_button.click()
        expect(self.title).to_contain_text("closed")
        expect(self.reply_box).to_be_hidden()

    def line(self, speaker: str, text: str) -> Locator:
        """A transcript line of `speaker` ("user", "bot", "agent") containing `text`."""
        return self.transcript.locator(f"li.{speaker}").filter(has_text=text)


def customer_with_ticket(new_context: Callable[[], BrowserContext], site: str) -> tuple[Customer, str]:
    """A customer in a fresh widget session who has asked for a person; the ticket number."""
    customer = Customer(new_context(), site)
    return customer, customer.asks_for_a_person()


def close_through_the_api(site: str, number: str) -> None:
    """Take and close a ticket the way the console does, to leave the queue as it was."""
    headers = {"Authorization": f"Bearer {AGENT_TOKENS['Alex']}"}
    assert httpx.post(f"{site}/api/handoffs/{number}/take", headers=headers, timeout=30).status_code == 200
    assert httpx.post(f"{site}/api/handoffs/{number}/close", headers=headers, timeout=30).status_code == 200


def a_queue_poll_went_by(page: Page) -> None:
    """Wait until the console has polled the queue and drawn it (the next poll has started since)."""

    def is_queue(request: Any) -> bool:
        return bool(request.url.endswith("/api/handoffs"))

    with page.expect_request(is_queue, timeout=POLL_TIMEOUT_MS):
        pass
    with page.expect_request(is_queue, timeout=POLL_TIMEOUT_MS):
        pass


def focused(page: Page) -> dict[str, Any]:
    """What has the focus, and whether a keyboard user can see it (a focus ring that is drawn)."""
    found: dict[str, Any] = page.evaluate(
        """() => {
            const element = document.activeElement;
            const style = getComputedStyle(element);
            return {
                id: element.id, tag: element.tagName, number: element.dataset.number || null,
                focusVisible: element.matches(":focus-visible"),
                outline: `${style.outlineStyle} ${style.outlineWidth}`,
            };
        }"""
    )
    return found


def assert_focus_visible(page: Page) -> None:
    where = focused(page)
    style, width = where["outline"].split()
    assert where["focusVisible"] and style != "none" and width != "0px", f"no visible focus on {where}"


def tab_to(page: Page, target: Locator, presses: int = 40) -> None:
    """Press Tab until `target` has the focus (and show that it can be seen)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            assert_focus_visible(page)
            return
    pytest.fail(f"Tab never reached {target}; focus is on {focused(page)}")


# -- a person takes over and hands back -----------------------------------------------------------


def test_an_agent_takes_over_from_the_console_and_hands_back(new_context, site) -> None:
    customer, number = customer_with_ticket(new_context, site)
    customer.sees("anything you write now goes to them")

    alex = Agent(new_context(), site, "Alex").sign_in()
    entry = alex.entry(number)
    expect(entry).to_contain_text("waiting")
    expect(entry).to_contain_text(re.compile(r"waiting \d+(s| min)"))
    expect(entry).to_contain_text("I want to talk to a person")
    alex.screenshot("queue.png")

    alex.open(number)
    expect(alex.line("user", "I want to talk to a person")).to_have_count(1)
    expect(alex.line("bot", f"ticket {number}")).to_have_count(1)
    alex.take()
    expect(alex.page.locator("#context")).to_contain_text("Alex")

    customer.say("My parcel arrived broken, the lid is cracked")
    expect(alex.line("user", "the lid is cracked")).to_have_count(1, timeout=POLL_TIMEOUT_MS)

    alex.reply("Hi, I'm Alex. Sorry about the lid! I'll send a new one today.")
    message = customer.last_agent_message()
    expect(message.locator(".nw-bubble")).to_have_text(
        "Hi, I'm Alex. Sorry about the lid! I'll send a new one today.", timeout=REPLY_TIMEOUT_MS
    )
    expect(message.locator(".nw-from")).to_have_text("Alex · agent")
    expect(alex.line("agent", "Sorry about the lid")).to_contain_text("Alex (agent)")
    alex.screenshot("conversation.png")

    alex.close()
    customer.sees(BACK)
    expect(alex.entry(number)).to_have_count(0, timeout=POLL_TIMEOUT_MS)  # out of the queue
    answered = customer.bot_messages.count()
    customer.say("what can you help me with?")
    expect(customer.bot_messages.nth(answered)).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    assert customer.page.locator(".nw-agent").count() == 1, "the answer is the bot's, not a person's"
    customer.assert_nothing_went_wrong()
    alex.assert_nothing_went_wrong()


def test_two_agents_take_the_same_ticket_and_exactly_one_gets_it(new_context, site) -> None:
    customer, number = customer_with_ticket(new_context, site)
    agents = [Agent(new_context(), site, name).sign_in() for name in ("Alex", "Sam")]
    for agent in agents:
        agent.open(number)
        expect(agent.take_button).to_be_visible()

    # Both press Take before either answer is back. The events are dispatched without waiting
    # for the button to be actionable, so a poll that has already hidden the second button
    # cannot hold the second click back: the server alone decides who wins.
    for agent in agents:
        agent.take_button.dispatch_event("click")
    for agent in agents:
        agent.page.wait_for_function(
            "() => !document.getElementById('reply-form').hidden"
            " || document.getElementById('ticket-error').textContent !== ''"
        )

    winners = [agent for agent in agents if agent.reply_box.is_visible()]
    assert len(winners) == 1, f"{len(winners)} agents got the reply box"
    winner = winners[0]
    loser = next(agent for agent in agents if agent is not winner)
    expect(loser.error).to_have_text(TAKEN_BY_ANOTHER)
    expect(loser.page.get_by_role("alert")).to_have_text(TAKEN_BY_ANOTHER)
    expect(loser.reply_box).to_be_hidden()
    expect(loser.take_button).to_be_hidden()
    expect(loser.page.locator("#context")).to_contain_text(winner.name)
    expect(winner.error).to_have_text("")

    winner.reply(f"{winner.name} here, I have your ticket.")
    customer.sees(f"{winner.name} here, I have your ticket.")
    expect(customer.last_agent_message().locator(".nw-from")).to_have_text(f"{winner.name} · agent")
    winner.close()
    customer.sees(BACK)
    for watched in (customer, *agents):
        watched.assert_nothing_went_wrong()


# -- safety ---------------------------------------------------------------------------------------


def test_markup_from_the_customer_and_the_agent_is_shown_as_text(new_context, site) -> None:
    customer, number = customer_with_ticket(new_context, site)
    customer.say(XSS)
    sam = Agent(new_context(), site, "Sam").sign_in()

    sam.open(number)
    expect(sam.line("user", XSS)).to_have_count(1, timeout=POLL_TIMEOUT_MS)
    sam.take()
    sam.reply(AGENT_MARKUP)

    message = customer.last_agent_message()
    expect(message.locator(".nw-bubble")).to_have_text(AGENT_MARKUP, timeout=REPLY_TIMEOUT_MS)
    expect(customer.page.locator(".nw-user .nw-bubble").filter(has_text=XSS)).to_have_count(1)
    expect(sam.line("agent", AGENT_MARKUP)).to_have_count(1)
    assert sam.page.locator("main img, main script, main b").count() == 0
    customer.assert_no_markup_ran()
    sam.assert_nothing_went_wrong()
    sam.close()


def test_a_wrong_agent_token_is_refused_and_shows_nothing(new_context, site, customer_token) -> None:
    waiting = TICKET_RE.search(texts(chat(f"e2e-{uuid.uuid4().hex}", "I want to talk to a person")))
    assert waiting, "a ticket should be waiting in the queue"
    agent = Agent(new_context(), site, "Alex")
    asked: list[str] = []
    agent.page.on("request", lambda request: asked.append(request.url))

    customers_token = customer_token(1)["auth_token"]  # a customer's signed token is no agent's
    for wrong in ("not-an-agent-token", f"{AGENT_TOKENS['Alex']}x", customers_token):
        agent.submit_token(wrong)
        expect(agent.page.get_by_role("alert")).to_have_text(BAD_TOKEN)
        expect(agent.page.locator("#token")).to_be_visible()
        expect(agent.page.locator("#workspace")).to_be_hidden()
        expect(agent.page.locator("#agent-name")).to_have_text("")

    assert agent.page.locator("#tickets li").count() == 0
    assert agent.page.evaluate("sessionStorage.length") == 0, "a refused token is not kept"
    queue_requests = [url for url in asked if "/api/handoffs" in url and not url.endswith("/api/handoffs/me")]
    assert not queue_requests, f"the queue was asked for without a valid token: {queue_requests}"
    refused = httpx.get(f"{site}/api/handoffs", headers={"Authorization": f"Bearer {customers_token}"})
    assert refused.status_code == 401
    agent.assert_nothing_went_wrong()
    close_through_the_api(site, waiting.group(1))


# -- keyboard only --------------------------------------------------------------------------------


def test_keyboard_only_sign_in_take_reply_and_close(new_context, site) -> None:
    customer, number = customer_with_ticket(new_context, site)
    agent = Agent(new_context(), site, "Alex")
    page = agent.page

    tab_to(page, page.locator("#token"))
    page.keyboard.type("a-wrong-token")
    page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_have_text(BAD_TOKEN)
    expect(page.locator("#token")).to_be_focused()

    page.keyboard.press("Control+A")
    page.keyboard.type(AGENT_TOKENS["Alex"])
    page.keyboard.press("Enter")
    expect(page.locator("#agent-name")).to_have_text("Signed in as Alex")

    entry = agent.entry(number)
    expect(entry).to_be_visible()
    tab_to(page, entry)
    a_queue_poll_went_by(page)  # the queue is drawn again: the focus stays on the ticket
    expect(entry).to_be_focused()
    page.keyboard.press("Enter")
    expect(agent.title).to_contain_text(number)
    expect(agent.title).to_be_focused()

    tab_to(page, agent.take_button)
    page.keyboard.press("Enter")
    expect(agent.reply_box).to_be_focused()  # the reply box takes the focus from the button that went
    assert_focus_visible(page)
    agent.screenshot("keyboard-reply.png")
    page.keyboard.type("Alex here, typing with the keyboard only.")
    page.keyboard.press("Enter")
    customer.sees("Alex here, typing with the keyboard only.")
    expect(agent.reply_box).to_have_value("")

    tab_to(page, agent.close_button)
    page.keyboard.press("Enter")
    expect(agent.title).to_contain_text("closed")
    expect(agent.title).to_be_focused()
    customer.sees(BACK)
    agent.assert_nothing_went_wrong()
    customer.assert_nothing_went_wrong()
