"""Issue 19 item 3: a wording change in the reply catalog changes the bot's reply and the demo history together.

A modified copy of domain.yml (REPLY_CATALOG) rewords the order status replies; the real order
status action, on a real tracker and the seeded back office, says the new words, and so does the
demo history generator in its order conversations — with nothing else changed. Another copy
rewords a leave refusal and the way a range of days is said: the back office refuses with a
reason code and numbers, so the refusal's sentence and the range's "–" are the catalog's.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker

from actions.hr import encode_range
from actions.leave_request import ActionAskLeaveConfirmed
from actions.orders import ActionOrderStatus
from assistant import catalog
from assistant.settings import Settings
from backoffice.hr_domain import LeaveType
from backoffice.sql.hr import SqlHR
from demo.accounts import DemoAccount
from demo.employees import DemoEmployee
from demo.history_scenarios import HistoryGenerator
from tests.support.leave import range_refused_for, token_of

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"
REWORDED = ("utter_order_shipped", "utter_order_delivered", "utter_order_packed", "utter_order_paid")
MARK = "[reworded] "
END = datetime(2026, 12, 5, 18, tzinfo=UTC)


def history_bot_texts() -> list[str]:
    """The bot's words in a small generated history (the same seed, so the same conversations)."""
    generator = HistoryGenerator(seed=11, end=END)
    return [
        row["event"]["text"]
        for _, writers in generator.days(300, 3)
        for writer in writers
        for row in writer.rows
        if row["event"]["event"] == "bot" and "agent" not in ((row["event"].get("data") or {}).get("custom") or {})
    ]


def reworded_catalog(tmp_path: Path) -> Path:
    domain = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))
    for message_id in REWORDED:
        for variant in domain["responses"][message_id]:
            variant["text"] = MARK + variant["text"]
    copy = tmp_path / "domain.yml"
    copy.write_text(yaml.safe_dump(domain, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return copy


async def test_a_wording_change_reaches_the_action_and_the_demo_history(
    run: Callable[[Action, Tracker], Awaitable[Any]],
    make_tracker: Callable[..., Tracker],
    alice: DemoAccount,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tracker = make_tracker(customer_id=alice.customer_id, slots={"order_number": alice.orders["shipped"]})
    before_reply = (await run(ActionOrderStatus(), tracker)).text
    before_history = history_bot_texts()
    assert MARK not in before_reply and not any(MARK in text for text in before_history)

    monkeypatch.setenv(catalog.CATALOG_ENV, str(reworded_catalog(tmp_path)))
    after_reply = (await run(ActionOrderStatus(), tracker)).text
    after_history = history_bot_texts()

    assert after_reply == MARK + before_reply
    changed = [text for text in after_history if text.startswith(MARK)]
    assert changed, "the generated history has order status replies"
    # Only the reworded replies changed, and only by the new words.
    assert [text.removeprefix(MARK) for text in after_history] == before_history


def catalog_with(tmp_path: Path, texts: dict[str, str]) -> Path:
    """A copy of domain.yml in which each of `texts`'s replies reads as given."""
    domain = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))
    for message_id, text in texts.items():
        domain["responses"][message_id] = [{"text": text}]
    copy = tmp_path / "reworded.yml"
    copy.write_text(yaml.safe_dump(domain, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return copy


async def test_a_reworded_catalog_words_a_leave_refusal_and_its_range_of_days(
    run: Callable[[Action, Tracker], Awaitable[Any]],
    make_tracker: Callable[..., Tracker],
    app_settings: Settings,
    emma: DemoEmployee,
    hr: SqlHR,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wanted = range_refused_for(hr, emma.employee_id, LeaveType.PERSONAL, 41, "insufficient_balance")
    slots = {"leave_type": "personal", "leave_dates": encode_range(wanted)}
    tracker = make_tracker(text="", slots=slots, metadata=token_of(emma, app_settings))
    before = (await run(ActionAskLeaveConfirmed(), tracker)).messages[0]["text"]
    said = re.fullmatch(r"You don't have enough days left for (.+) – (.+): you have ([\d.]+) available\.", before)
    assert said, before

    reworded = {
        "utter_leave_refused_insufficient_balance": "Only {available} days are left, not enough for {when}.",
        "utter_date_range": "from {start} until {end}",
    }
    monkeypatch.setenv(catalog.CATALOG_ENV, str(catalog_with(tmp_path, reworded)))
    after = (await run(ActionAskLeaveConfirmed(), tracker)).messages[0]["text"]

    start, end, available = said.groups()
    assert after == f"Only {available} days are left, not enough for from {start} until {end}."
