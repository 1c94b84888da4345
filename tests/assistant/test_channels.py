"""Optional chat channels: on only when their settings are present; Slack refuses a token without its secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.settings import Settings
from operations import channels

CHANNEL_VARIABLES = (
    "SLACK_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "TELEGRAM_TOKEN", "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_WEBHOOK_URL", "TELEGRAM_BOT_USERNAME", "TELEGRAM_API_URL", "RASA_URL", "ASSISTANT_ENV",
)  # fmt: skip
SLACK = {"slack_token": "xoxb-1-2-abc", "slack_signing_secret": "8f742231b10e8888abcd99yyyzzz85a5"}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in CHANNEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, rasa_url="http://127.0.0.1:5005", **values)  # type: ignore[call-arg]


def test_without_settings_slack_is_off_and_the_summary_says_how_to_turn_it_on() -> None:
    configured = settings()
    assert channels.active_channels(configured) == []
    assert "Slack: set SLACK_TOKEN and SLACK_SIGNING_SECRET" in channels.summary(configured)
    assert "SlackChannel" not in channels.credentials_text(configured)


@pytest.mark.parametrize("secret", [None, "", "   "])
def test_a_slack_token_without_its_signing_secret_is_refused(secret: str | None) -> None:
    with pytest.raises(ValidationError, match="SLACK_SIGNING_SECRET"):
        settings(slack_token="xoxb-1-2-abc", slack_signing_secret=secret)


def test_with_its_settings_slack_is_on_with_its_webhook_and_placeholders_only() -> None:
    configured = settings(**SLACK)
    (slack,) = channels.active_channels(configured)
    assert slack.name == "slack"
    assert slack.webhook_url == "http://127.0.0.1:5005/webhooks/slack/webhook"
    assert slack.env == {
        "SLACK_TOKEN": SLACK["slack_token"],
        "SLACK_SIGNING_SECRET": SLACK["slack_signing_secret"],
        "SLACK_API_URL": "https://slack.com/api/",
    }
    assert "Slack" in channels.summary(configured) and "set SLACK_TOKEN" not in channels.summary(configured)
    text = channels.credentials_text(configured)
    assert "engine.channels.slack.SlackChannel:" in text and "${SLACK_SIGNING_SECRET}" in text
    assert SLACK["slack_token"] not in text and SLACK["slack_signing_secret"] not in text


def test_telegram_and_slack_can_be_on_together() -> None:
    configured = settings(**SLACK, telegram_token="1:abc", telegram_webhook_secret="s3cret")
    assert [c.name for c in channels.active_channels(configured)] == ["telegram", "slack"]
    assert channels.summary(configured).startswith("Channels on: REST, website (socket.io), Telegram, Slack.")
