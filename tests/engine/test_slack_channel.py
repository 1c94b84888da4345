"""The Slack channel (engine/channels/slack.py) without a server: checked inside the real engine.

The check runs in the engine environment (Python 3.10, rasa 3.6, slack_sdk); this test,
in the app environment, runs it and asserts on what it reports. The channel on the real
Rasa server, against a stand-in of Slack's Web API, is tests/e2e/test_slack.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parents[2]
CHECK = Path(__file__).with_name("slack_channel_check.py")


@pytest.fixture(scope="module")
def report(engine_check: Callable[..., Any]) -> dict[str, Any]:
    result: dict[str, Any] = engine_check(CHECK, timeout_s=120)
    return result


def test_it_is_rasas_slack_channel_with_a_configurable_api_url(report: dict[str, Any]) -> None:
    assert report["name"] == "slack"
    assert report["api_url"] == "http://127.0.0.1:9/api/"
    assert report["is_output"]


def test_it_refuses_to_start_without_a_signing_secret(report: dict[str, Any]) -> None:
    assert "slack_signing_secret" in report["missing_secret"]


def test_only_a_right_signature_within_five_minutes_is_authentic(report: dict[str, Any]) -> None:
    assert report["signatures"] == {
        "right": True,
        "four_minutes_old": True,
        "six_minutes_old": False,
        "six_minutes_ahead": False,
        "other_secret": False,
        "other_body": False,
        "unsigned": False,
        "garbage_timestamp": False,
    }


def test_deliveries_are_known_by_event_id_or_button_press(report: dict[str, Any]) -> None:
    assert report["keys"] == {"event": "event:Ev1", "press": "action:U1:1.2", "rate_limited": None}


def test_the_shared_dedupe_remembers_a_bounded_number_of_ids(report: dict[str, Any]) -> None:
    assert report["dedupe"] == [True, True, False, True, True]  # size 2: "a" is forgotten after "b", "c"


def test_sources_are_one_context_block_with_distinct_escaped_titles(report: dict[str, Any]) -> None:
    text, sources = report["outputs"]["sources"]
    assert text["channel"] == "C1" and text["text"] == "We refund within 14 days."
    assert sources["channel"] == "C1"
    assert sources["blocks"] == [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Source: Returns &amp; refunds; Shipping"}]}
    ]
    assert [post["text"] for post in report["outputs"]["no_sources"]] == ["Hello"]


def test_a_persons_reply_is_signed_escaped_and_goes_to_the_users_dm(report: dict[str, Any]) -> None:
    (post,) = report["outputs"]["agent"]
    assert post["channel"] == "U0USER1"  # no channel known: Slack delivers to the user's DM with the app
    assert post["text"] == "*Sam* (Northwind team): Hi &lt;!channel&gt;, Sam here"


def test_buttons_are_slack_blocks(report: dict[str, Any]) -> None:
    (post,) = report["outputs"]["buttons"]
    assert post["channel"] == "D1"
    assert [block["type"] for block in post["blocks"]] == ["section", "actions"]
    assert post["blocks"][1]["elements"] == [
        {"type": "button", "text": {"type": "plain_text", "text": "No"}, "value": "/deny"}
    ]
