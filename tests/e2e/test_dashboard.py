"""The analytics dashboard in a real browser (headless Debian Chromium), on the real stack.

A history is written into the stack's tracker store by the real command
(`assistant demo-history --force --until <yesterday>`), so the days it covers hold only
conversations whose numbers the generator knows (`planned_truths`); the conversations
the other end-to-end tests have today are outside the range. The page signs in with the
admin token, shows the numbers, filters by channel, exports a CSV (a real download) and
opens a redacted transcript. A customer's thumbs and rating in the chat widget go through
the API and the Rasa server into the tracker and come out in the analytics, without the
bot saying anything. Screenshots are kept under var/artifacts/dashboard/.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from analytics.tracker import events, tracker_engine
from demo.history import ConversationTruth, history_end, planned_truths
from operations.throwaway_stack import RunningStack
from tests.support.e2e_config import ADMIN_TOKEN
from tests.support.rest import chat

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "artifacts" / "dashboard"
CONVERSATIONS = 400
DAYS = 10
SEED = 21
LOAD_TIMEOUT_MS = 90_000  # the first load folds the history (and may load the redaction model)
REPLY_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def planted(e2e_stack: RunningStack) -> dict[str, Any]:
    """The history the real CLI writes into the stack's stores, and what it holds."""
    last_day = datetime.now(UTC).date() - timedelta(days=1)
    command = [
        str(ROOT / ".venv" / "bin" / "assistant"), "demo-history", "--force", "--conversations", str(CONVERSATIONS),
        "--days", str(DAYS), "--seed", str(SEED), "--until", last_day.isoformat(),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"Wrote {CONVERSATIONS} conversations" in done.stdout, done.stdout
    truths = planned_truths(CONVERSATIONS, DAYS, SEED, history_end(last_day))
    return {"start": last_day - timedelta(days=DAYS - 1), "end": last_day, "truths": truths}


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    yield context
    context.close()


class Dashboard:
    """The dashboard page and what went wrong on it (page errors, CSP reports)."""

    def __init__(self, page: Page, site: str) -> None:
        self.page = page
        self.site = site
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(message.text)

    def open(self, start: date, end: date, token: str = ADMIN_TOKEN) -> Dashboard:
        self.page.goto(f"{self.site}/dashboard?start={start.isoformat()}&end={end.isoformat()}")
        self.page.locator("#token").fill(token)
        self.page.get_by_role("button", name="Sign in").click()
        return self

    def wait_loaded(self, loads: int) -> None:
        expect(self.page.locator("body")).to_have_attribute("data-loads", str(loads), timeout=LOAD_TIMEOUT_MS)
        expect(self.page.locator("body")).to_have_attribute("data-state", "ready")

    def kpi(self, name: str) -> str:
        return str(self.page.locator(f"#kpi-{name} dd").inner_text()).split("\n")[0].strip()

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def by_channel(truths: list[ConversationTruth]) -> Counter[str]:
    return Counter(t.channel for t in truths)


def test_the_dashboard_loads_filters_and_exports(context: BrowserContext, site: str, planted: dict[str, Any]) -> None:
    truths: list[ConversationTruth] = planted["truths"]
    board = Dashboard(context.new_page(), site).open(planted["start"], planted["end"])
    board.wait_loaded(1)
    assert board.kpi("conversations") == f"{CONVERSATIONS:,}"
    handed_off = sum(1 for t in truths if t.handoff_reason)
    expect(board.page.locator("#kpi-handoff dd small")).to_have_text(f"{handed_off} conversations")
    for chart in ("volume", "rates", "reasons", "intents", "latency", "turns", "ratings", "channels"):
        box = board.page.locator(f"#chart-{chart}").bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100, chart
    expect(board.page.locator("#gaps tbody tr").first).to_be_visible()
    expect(board.page.locator("#conversations tbody tr")).to_have_count(25)
    board.screenshot("dashboard.png")

    # Filter: one channel.
    telegram = by_channel(truths)["telegram"]
    board.page.locator("#channel").select_option("telegram")
    board.page.locator("#apply").click()
    board.wait_loaded(2)
    assert board.kpi("conversations") == f"{telegram:,}"
    channels = board.page.locator("#conversations tbody tr").evaluate_all("rows => rows.map(r => r.dataset.channel)")
    assert channels and set(channels) == {"telegram"}
    assert "channel=telegram" in board.page.url

    # Export: a real download of the filtered conversations.
    with board.page.expect_download() as download_info:
        board.page.locator("#export-conversations").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-telegram.csv")
    saved = ARTIFACTS / download.suggested_filename
    download.save_as(str(saved))
    rows = list(csv.DictReader(io.StringIO(saved.read_text())))
    assert len(rows) == telegram
    assert {row["channel"] for row in rows} == {"telegram"}
    assert sum(int(row["user_turns"]) for row in rows) == sum(t.user_turns for t in truths if t.channel == "telegram")
    assert sum(row["handed_off"] == "yes" for row in rows) == sum(
        1 for t in truths if t.channel == "telegram" and t.handoff_reason
    )

    # Drill-down: a handed-off conversation's transcript, redacted.
    board.page.locator("#conv-filter").select_option("handed_off")
    expect(board.page.locator("#conv-total")).to_have_text(
        f"({sum(1 for t in truths if t.channel == 'telegram' and t.handoff_reason)})", timeout=LOAD_TIMEOUT_MS
    )
    board.page.locator("#conversations tbody tr button").first.click()
    transcript = board.page.locator("#transcript")
    expect(transcript).to_contain_text("Handed to a person", timeout=LOAD_TIMEOUT_MS)
    expect(transcript.locator("li.agent").first).to_be_visible()
    assert "@" not in transcript.inner_text()
    board.screenshot("dashboard-transcript.png")
    assert board.problems == []


def test_order_status_transcripts_mask_email_addresses(
    context: BrowserContext, site: str, planted: dict[str, Any]
) -> None:
    board = Dashboard(context.new_page(), site).open(planted["start"], planted["end"])
    board.wait_loaded(1)
    rows = board.page.locator("#conversations tbody tr")
    expect(rows.first).to_be_visible()
    order = rows.filter(has_text="order_status").first
    if order.count() == 0:  # the newest 25 had none: page on until one shows
        for _ in range(8):
            board.page.locator("#next").click()
            if rows.filter(has_text="order_status").count():
                break
        order = rows.filter(has_text="order_status").first
    order.locator("button").click()
    transcript = board.page.locator("#transcript")
    expect(transcript).to_contain_text("[email]", timeout=LOAD_TIMEOUT_MS)
    assert "@example.com" not in transcript.inner_text()
    assert board.problems == []


def test_bad_filters_and_a_wrong_token_are_explained(
    context: BrowserContext, site: str, planted: dict[str, Any]
) -> None:
    page = context.new_page()
    wrong = Dashboard(page, site).open(planted["start"], planted["end"], token="not-the-admin-token")
    expect(page.locator("#sign-in-error")).to_contain_text("not accepted")
    expect(page.locator("#board")).to_be_hidden()
    wrong.open(planted["start"], planted["end"])
    wrong.wait_loaded(1)
    page.locator("#start").fill(planted["end"].isoformat())
    page.locator("#end").fill(planted["start"].isoformat())
    page.locator("#apply").click()
    expect(page.locator("#filter-error")).to_have_text("`end` is before `start`")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#sign-in")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


def test_the_json_api_needs_the_admin_token(site: str, planted: dict[str, Any]) -> None:
    params = {"start": planted["start"].isoformat(), "end": planted["end"].isoformat()}
    assert httpx.get(f"{site}/api/analytics/overview", params=params).status_code == 401
    started = time.perf_counter()
    answer = httpx.get(
        f"{site}/api/analytics/overview", params=params, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=60
    )
    assert answer.status_code == 200
    assert answer.json()["totals"]["conversations"] == CONVERSATIONS
    assert time.perf_counter() - started < 5.0


# -- the widget's feedback, end to end ----------------------------------------------------------------


def test_thumbs_and_rating_from_the_widget_reach_the_analytics(
    context: BrowserContext, site: str, e2e_stack: RunningStack
) -> None:
    # The action server loads the embedding model on its first question: warm it up (over REST) first.
    for _ in range(3):
        if any(reply.get("custom") for reply in chat(f"e2e-warm-{uuid.uuid4().hex}", "what is your return policy?")):
            break
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{site}/")
    page.locator(".nw-launcher").click()
    expect(page.locator(".nw-status")).to_be_hidden(timeout=REPLY_TIMEOUT_MS)
    page.locator("#nw-input").fill("what is your return policy?")
    page.locator("#nw-input").press("Enter")
    answer = page.locator(".nw-bot").filter(has=page.locator(".nw-sources")).first
    expect(answer).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    expect(page.locator(".nw-rating")).to_be_visible()
    bots_before = page.locator(".nw-bot").count()

    answer.get_by_role("button", name="Helpful", exact=True).click()
    expect(answer.locator(".nw-thumbs")).to_have_class("nw-thumbs nw-rated", timeout=REPLY_TIMEOUT_MS)
    expect(answer.get_by_role("button", name="Helpful", exact=True)).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Rate 4 out of 5").click()
    expect(page.locator(".nw-rating-label")).to_have_text("Thanks for rating this chat!", timeout=REPLY_TIMEOUT_MS)
    time.sleep(1.5)
    assert page.locator(".nw-bot").count() == bots_before, "feedback must not make the bot say anything"

    session = str(page.evaluate("localStorage.getItem('northwind-chat:session')"))
    with tracker_engine(e2e_stack.settings.tracker_db_url).connect() as connection:
        kinds = [row.type_name for row in connection.execute(
            events.select().where(events.c.sender_id == session).order_by(events.c.id)
        )]  # fmt: skip
    assert kinds[-2:] == ["agent", "agent"], kinds[-6:]  # recorded, and nothing ran after them

    today = datetime.now(UTC).date().isoformat()
    listed = httpx.get(
        f"{site}/api/analytics/conversations",
        params={"start": today, "end": today, "channel": "socketio", "limit": 100},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=60,
    ).json()
    rated = [c for c in listed["conversations"] if c["thumbs_up"] == 1 and c["rating"] == 4]
    assert len(rated) == 1, listed["conversations"][:5]

    # The bot still answers the next message as before.
    page.locator("#nw-input").fill("hi")
    page.locator("#nw-input").press("Enter")
    expect(page.locator(".nw-bot .nw-bubble").nth(bots_before)).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    assert problems == []
