"""Which chat channels the Rasa server serves, from the settings: a channel is on when its settings are.

Rasa reads one credentials file and fails on a `${VAR}` that is not set, so the
supervisor composes the file it passes to Rasa: `bot/credentials.yml` (the channels
that are always on: REST and the website's socket.io) plus `bot/channels/<name>.yml`
for each channel whose settings are present. Secrets stay in the environment: the
composed file holds only the same `${VAR}` placeholders, and the values are passed
to the Rasa process as environment variables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BASE_CREDENTIALS = ROOT / "bot" / "credentials.yml"
CHANNEL_CREDENTIALS = ROOT / "bot" / "channels"


@dataclass(frozen=True)
class Channel:
    """One optional channel: its credentials block, the environment it reads, where it is reached."""

    name: str
    env: dict[str, str]
    webhook_url: str

    @property
    def credentials_file(self) -> Path:
        return CHANNEL_CREDENTIALS / f"{self.name}.yml"


def active_channels(settings: Settings) -> list[Channel]:
    """The optional channels whose settings are present."""
    channels = []
    if settings.telegram_token and settings.telegram_webhook_secret:
        channels.append(
            Channel(
                "telegram",
                {
                    "TELEGRAM_TOKEN": settings.telegram_token,
                    "TELEGRAM_BOT_USERNAME": settings.telegram_bot_username or "",
                    "TELEGRAM_WEBHOOK_URL": settings.telegram_webhook,
                    "TELEGRAM_WEBHOOK_SECRET": settings.telegram_webhook_secret,
                    "TELEGRAM_API_URL": settings.telegram_api_url,
                },
                settings.telegram_webhook,
            )
        )
    if settings.slack_token and settings.slack_signing_secret:
        channels.append(
            Channel(
                "slack",
                {
                    "SLACK_TOKEN": settings.slack_token,
                    "SLACK_SIGNING_SECRET": settings.slack_signing_secret,
                    "SLACK_API_URL": settings.slack_api_url,
                },
                settings.slack_webhook,
            )
        )
    return channels


def credentials_text(settings: Settings) -> str:
    """The Rasa credentials file for the active channels (placeholders only, no secret)."""
    parts = [BASE_CREDENTIALS.read_text()]
    parts += [channel.credentials_file.read_text() for channel in active_channels(settings)]
    return "\n".join(part.rstrip() + "\n" for part in parts)


def channel_env(settings: Settings) -> dict[str, str]:
    """The environment the Rasa process needs for the active channels' placeholders."""
    env: dict[str, str] = {}
    for channel in active_channels(settings):
        env.update(channel.env)
    return env


def summary(settings: Settings) -> str:
    """One line for `make run`/`make up`: which channels are on and how to turn the others on."""
    on = ["REST", "website (socket.io)"] + [c.name.capitalize() for c in active_channels(settings)]
    line = f"Channels on: {', '.join(on)}."
    names = {c.name for c in active_channels(settings)}
    if "telegram" not in names:
        line += " Telegram: set TELEGRAM_TOKEN and TELEGRAM_WEBHOOK_SECRET to turn it on."
    if "slack" not in names:
        line += " Slack: set SLACK_TOKEN and SLACK_SIGNING_SECRET to turn it on."
    return line
