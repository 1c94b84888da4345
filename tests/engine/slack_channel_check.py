"""Run under the engine environment (`.venv-rasa/bin/python`): the Slack channel's pieces, without a server.

Prints one JSON object; `test_slack_channel.py` (app environment) runs it and asserts on it.
It builds `engine.channels.slack.SlackChannel` from credentials as Rasa does and checks
- Rasa's signing-secret check as the channel uses it: right signature, wrong secret,
  other body, missing headers, timestamps inside and outside the 5-minute window;
- which deliveries count as the same (event ids, button presses) and the shared dedupe;
- what the output channel sends to the Web API (a recording client instead of slack_sdk's):
  sources as a context block, a person's reply signed, text escaped, buttons as blocks,
  and, without a channel (an agent's reply through Rasa's API), the user's DM.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from engine.channels.dedupe import SeenUpdates  # noqa: E402
from engine.channels.slack import SlackApiOutput, SlackChannel  # noqa: E402

SECRET = "unit-signing-secret"
BODY = json.dumps({"type": "event_callback", "event_id": "Ev1", "event": {"type": "message"}}).encode()


def request(body: bytes, timestamp: int | None = None, secret: str = SECRET, **headers: str) -> Any:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    signed = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}
    return SimpleNamespace(headers={**signed, **headers}, body=body)


def signatures(channel: SlackChannel) -> dict[str, bool]:
    now = int(time.time())
    cases = {
        "right": request(BODY),
        "four_minutes_old": request(BODY, now - 240),
        "six_minutes_old": request(BODY, now - 360),
        "six_minutes_ahead": request(BODY, now + 360),
        "other_secret": request(BODY, secret="other"),
        "other_body": SimpleNamespace(headers=request(BODY).headers, body=BODY + b" "),
        "unsigned": SimpleNamespace(headers={}, body=BODY),
        "garbage_timestamp": request(BODY, **{"X-Slack-Request-Timestamp": "soon"}),
    }
    return {name: channel.is_request_from_slack_authentic(case) for name, case in cases.items()}


class RecordingClient:
    """Stands in for slack_sdk's AsyncWebClient: records `chat_postMessage` calls."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []

    async def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:
        self.posts.append(kwargs)
        return {"ok": True}


async def outputs(channel: SlackChannel) -> dict[str, Any]:
    results: dict[str, Any] = {}
    sources = [
        {"path": "a.md", "title": "Returns & refunds", "score": 0.9},
        {"title": "Shipping"},
        {"title": "Shipping"},
    ]
    cases: dict[str, tuple[str | None, dict[str, Any]]] = {
        "sources": ("C1", {"text": "We refund within 14 days.", "custom": {"sources": sources}}),
        "agent": (None, {"text": "Hi <!channel>, Sam here", "custom": {"agent": "Sam"}}),
        "buttons": ("D1", {"text": "Anything else?", "buttons": [{"title": "No", "payload": "/deny"}]}),
        "no_sources": ("C1", {"text": "Hello", "custom": {"sources": []}}),
    }
    for name, (where, message) in cases.items():
        output = channel.get_output_channel(where)
        output.client = RecordingClient()  # type: ignore[assignment]
        await output.send_response("U0USER1", message)
        results[name] = output.client.posts  # type: ignore[attr-defined]
    return results


def main() -> None:
    channel = SlackChannel.from_credentials(
        {"slack_token": "xoxb-unit", "slack_signing_secret": SECRET, "api_url": "http://127.0.0.1:9/api"}
    )
    assert isinstance(channel, SlackChannel)
    missing_secret = ""
    try:
        SlackChannel.from_credentials({"slack_token": "xoxb-unit", "slack_signing_secret": ""})
    except Exception as error:
        missing_secret = str(error)
    seen = SeenUpdates(size=2)
    press = {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"type": "button", "action_ts": "1.2"}]}
    report = {
        "name": channel.name(),
        "api_url": str(channel.get_output_channel().client.base_url),
        "output_class": type(channel.get_output_channel()).__name__,
        "is_output": isinstance(channel.get_output_channel(), SlackApiOutput),
        "missing_secret": missing_secret,
        "signatures": signatures(channel),
        "keys": {
            "event": channel._delivery_key({"type": "event_callback", "event_id": "Ev1", "event": {}}),
            "press": channel._delivery_key(press),
            "rate_limited": channel._delivery_key({"type": "app_rate_limited"}),
        },
        "dedupe": [seen.first_time(k) for k in ("a", "b", "a", "c", "a")],
        "outputs": asyncio.run(outputs(channel)),
    }
    print("ENGINE-CHECK " + json.dumps(report))


if __name__ == "__main__":
    main()
