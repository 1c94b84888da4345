"""Slack over the real Rasa server, against a local stand-in of Slack's Web API.

Events are posted to the Rasa server's Slack webhook shaped as the Events API sends them
(https://api.slack.com/apis/events-api: an `event_callback` envelope around a `message`
or `app_mention` event; button presses as a form-encoded `block_actions` payload), signed
as Slack signs them (`v0=` HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing
secret). What the bot says is read from the stand-in (`slack_api`): exactly the
`chat.postMessage` calls a real deployment would make.

The webhook answers at once and the bot replies in the background (Slack wants an
answer within 3 seconds), so `SlackUser.say` waits until the Rasa server has finished
the turn: its tracker shows the message followed by `action_listen`, or a paused
conversation (a person is coming and the bot is silent).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import string
import time
import uuid
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from assistant.settings import Settings
from backoffice.sql.hr import SqlHR
from demo.employees import DemoEmployee, demo_employees
from tests.support.e2e_config import AGENT_TOKENS, RASA_API, SLACK_TOKEN
from tests.support.slack_standin import ApiCall, SlackStandIn, dm_channel

pytestmark = pytest.mark.e2e

TEAM = "T0NORTHWD"
APP = "A0NORTHWD"
BOT_USER = "U0BOTUSER"
CHANNEL = "C0GENERAL"
TURN_TIMEOUT_S = 30.0
# Where the stack under test listens and its secret: set once from its settings (fixture `slack`).
STACK: dict[str, str] = {}


def new_user_id() -> str:
    return "U" + "".join(random.choices(string.ascii_uppercase + string.digits, k=10))


def slack_ts() -> str:
    return f"{time.time():.6f}"


def event_callback(event: dict[str, Any]) -> dict[str, Any]:
    """The Events API envelope around `event`, with a fresh `event_id`."""
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "api_app_id": APP,
        "event": {"team": TEAM, "event_ts": event.get("ts", slack_ts()), **event},
        "type": "event_callback",
        "event_id": "Ev" + uuid.uuid4().hex[:10].upper(),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM,
                "user_id": BOT_USER,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-eyJldCI6Im1lc3NhZ2UiLCJ0aWQiOiJUME5PUlRIV0QifQ",
    }


def direct_message(user_id: str, text: str, **extra: Any) -> dict[str, Any]:
    """A `message.im` event: `user_id` writes to the app in their DM with it."""
    event = {
        "client_msg_id": str(uuid.uuid4()),
        "type": "message",
        "text": text,
        "user": user_id,
        "ts": slack_ts(),
        "channel": dm_channel(user_id),
        "channel_type": "im",
        **extra,
    }
    return event_callback(event)


def mention(user_id: str, text: str, channel: str = CHANNEL) -> dict[str, Any]:
    """An `app_mention` event: `user_id` writes `<@bot> text` in a channel."""
    event = {
        "client_msg_id": str(uuid.uuid4()),
        "type": "app_mention",
        "text": f"<@{BOT_USER}> {text}",
        "user": user_id,
        "ts": slack_ts(),
        "channel": channel,
    }
    return event_callback(event)


def signed_headers(body: bytes, timestamp: int | None = None, secret: str | None = None) -> dict[str, str]:
    """The headers Slack sends: the request timestamp and the `v0=` signature over it and the body."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    key = (secret or STACK["secret"]).encode()
    digest = hmac.new(key, b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def post_raw(body: bytes, headers: dict[str, str], content_type: str = "application/json") -> httpx.Response:
    return httpx.post(STACK["webhook"], content=body, headers={"Content-Type": content_type, **headers}, timeout=30)


def post_event(payload: dict[str, Any], **retry: str) -> httpx.Response:
    """POST a signed event as Slack does; `retry` adds `X-Slack-Retry-Num`/`-Reason` (num=, reason=)."""
    body = json.dumps(payload).encode()
    headers = signed_headers(body)
    if retry:
        headers |= {"X-Slack-Retry-Num": retry["num"], "X-Slack-Retry-Reason": retry["reason"]}
    return post_raw(body, headers)


def post_interaction(payload: dict[str, Any]) -> httpx.Response:
    """POST a signed interaction (a button press) as Slack does: form-encoded `payload=<json>`."""
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return post_raw(body, signed_headers(body), "application/x-www-form-urlencoded")


def tracker(user_id: str) -> dict[str, Any]:
    return httpx.get(f"{STACK['rasa']}/conversations/{user_id}/tracker", params=RASA_API, timeout=10).json()


def user_texts(user_id: str) -> list[str]:
    return [e["text"] for e in tracker(user_id).get("events") or [] if e.get("event") == "user"]


def wait_for_turn(user_id: str, turns: int) -> None:
    """Until the Rasa server has finished the user's `turns`-th message (replied, or paused)."""
    deadline = time.monotonic() + TURN_TIMEOUT_S
    while time.monotonic() < deadline:
        state = tracker(user_id)
        events = state.get("events") or []
        users = [i for i, e in enumerate(events) if e.get("event") == "user"]
        if len(users) >= turns:
            after = events[users[-1] + 1 :]
            if state.get("paused") or (after and after[-1].get("name") == "action_listen"):
                return
        time.sleep(0.1)
    raise AssertionError(f"the Rasa server did not finish turn {turns} of {user_id} in time")


class SlackUser:
    """One person writing to the app on Slack; `say` returns the bot's new messages where they wrote."""

    def __init__(self, api: SlackStandIn, user_id: str | None = None) -> None:
        self.api = api
        self.user_id = user_id or new_user_id()
        self.dm = dm_channel(self.user_id)
        self.turns = 0
        self.transcript: list[tuple[str, str]] = []

    def send(self, payload: dict[str, Any], channel: str, label: str, ephemeral: bool = False) -> list[ApiCall]:
        """Post the event; the bot's new messages in `channel` (the ones only this user sees, if `ephemeral`)."""

        def replies() -> list[ApiCall]:
            return self.api.ephemeral_to(self.user_id, channel) if ephemeral else self.api.messages_to(channel)

        before = len(replies())
        response = post_event(payload)
        assert response.status_code == 200, response.text
        self.turns += 1
        wait_for_turn(self.user_id, self.turns)
        new = replies()[before:]
        self.transcript.append((label, "\n".join(call.text for call in new)))
        return new

    def say(self, text: str) -> str:
        """A direct message; the texts of the bot's replies in the DM."""
        return "\n".join(call.text for call in self.send(direct_message(self.user_id, text), self.dm, text))

    def __str__(self) -> str:
        return "\n".join(f"USER: {u!r}\nBOT:  {b!r}" for u, b in self.transcript)


@pytest.fixture
def slack(e2e_stack: Any, e2e_settings: Settings, slack_api: SlackStandIn) -> SlackStandIn:
    assert e2e_settings.slack_signing_secret, "the e2e stack runs with Slack on"
    STACK.update(
        webhook=e2e_settings.slack_webhook,
        secret=e2e_settings.slack_signing_secret,
        rasa=e2e_settings.rasa_url,
        api=e2e_settings.public_url,
    )
    return slack_api


@pytest.fixture(scope="module")
def hr(e2e_db: Any) -> SqlHR:
    return SqlHR(e2e_db.engine)


def days_left(hr: SqlHR, employee_id: int) -> str:
    vacation = next(b for b in hr.leave_balances(employee_id, date.today().year) if b.leave_type == "vacation")
    value: Decimal = vacation.available
    return f"{value.normalize():f}" if value % 1 else f"{int(value)}"


# -- the channel itself ----------------------------------------------------------------------------


def test_a_signed_direct_message_is_answered_once_in_its_dm(slack: SlackStandIn) -> None:
    user = SlackUser(slack)
    replies = user.send(direct_message(user.user_id, "hi"), user.dm, "hi")
    assert len(replies) == 1 and "Northwind" in replies[0].text, user
    assert replies[0].token == SLACK_TOKEN, "sent with the bot token"
    time.sleep(0.5)
    assert slack.messages_to(user.dm) == replies, "answered once"
    assert user_texts(user.user_id) == ["hi"]
    assert tracker(user.user_id)["latest_input_channel"] == "slack"


def test_the_url_verification_challenge_is_answered(slack: SlackStandIn) -> None:
    payload = {
        "token": "legacy",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }
    response = post_event(payload)
    assert response.status_code == 200
    assert response.json() == {"challenge": payload["challenge"]}


def _refused(slack: SlackStandIn, headers_for: Any) -> None:
    user_id = new_user_id()
    body = json.dumps(direct_message(user_id, "hello")).encode()
    response = post_raw(body, headers_for(body))
    assert response.status_code == 401
    time.sleep(1.0)
    assert slack.messages_to(user_id) == []
    assert user_texts(user_id) == []


@pytest.mark.parametrize(
    "headers_for",
    [
        lambda body: {},
        lambda body: {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64},
        lambda body: signed_headers(body, secret="another-apps-signing-secret"),
        lambda body: signed_headers(body + b" "),  # signed for another body
        lambda body: {**signed_headers(body), "X-Slack-Signature": signed_headers(body)["X-Slack-Signature"][3:]},
    ],
    ids=["unsigned", "wrong-signature", "other-secret", "other-body", "no-v0-prefix"],
)
def test_a_bad_signature_is_refused(slack: SlackStandIn, headers_for: Any) -> None:
    _refused(slack, headers_for)


# From the future by a clear margin: a loaded machine takes a second or more to deliver the request,
# which brings a timestamp 301 s ahead back inside the 5-minute window by the time it is checked.
@pytest.mark.parametrize("age_s", [301, 3600, -360], ids=["5-minutes-old", "an-hour-old", "from-the-future"])
def test_a_stale_timestamp_is_refused_even_correctly_signed(slack: SlackStandIn, age_s: int) -> None:
    _refused(slack, lambda body: signed_headers(body, timestamp=int(time.time()) - age_s))


def test_a_retried_event_is_not_answered_twice(slack: SlackStandIn) -> None:
    user = SlackUser(slack)
    event = direct_message(user.user_id, "hello there")
    first = user.send(event, user.dm, "hello there")
    assert first, user
    for num, reason in (("1", "http_timeout"), ("2", "http_error"), ("3", "http_timeout")):
        retried = post_event(event, num=num, reason=reason)
        assert retried.status_code == 200
        assert retried.headers.get("X-Slack-No-Retry") == "1"
    time.sleep(1.0)
    assert slack.messages_to(user.dm) == first
    assert user_texts(user.user_id) == ["hello there"]


def test_a_retry_of_an_event_never_handled_is_handled_once(slack: SlackStandIn) -> None:
    """The first delivery never reached us (`http_error`): the retry is the one to answer, once."""
    user_id = new_user_id()
    event = direct_message(user_id, "hi")
    assert post_event(event, num="1", reason="http_error").status_code == 200
    wait_for_turn(user_id, 1)
    answered = slack.messages_to(user_id)
    assert answered
    assert post_event(event, num="2", reason="http_error").status_code == 200
    time.sleep(1.0)
    assert slack.messages_to(user_id) == answered
    assert user_texts(user_id) == ["hi"]


def test_a_file_upload_gets_a_polite_text_reply(slack: SlackStandIn) -> None:
    user_id = new_user_id()
    upload = direct_message(
        user_id,
        "",
        subtype="file_share",
        upload=False,
        display_as_bot=False,
        files=[{"id": "F0RECEIPT1", "name": "receipt.png", "mimetype": "image/png", "filetype": "png"}],
    )
    assert post_event(upload).status_code == 200
    replies = slack.wait_for_messages(user_id, 1)
    assert len(replies) == 1 and "only read text" in replies[0].text
    assert replies[0].channel == dm_channel(user_id)
    time.sleep(0.5)
    assert len(slack.messages_to(user_id)) == 1
    assert user_texts(user_id) == []


def test_edits_bot_posts_and_unmentioned_channel_messages_are_ignored(slack: SlackStandIn) -> None:
    user_id = new_user_id()
    channel = "C0RANDOM1"
    edit = direct_message(user_id, "")
    edit["event"] |= {"subtype": "message_changed", "hidden": True, "message": {"type": "message", "text": "hi!"}}
    del edit["event"]["user"]
    own = direct_message(BOT_USER, "Hi! I'm the Northwind Goods assistant.", bot_id="B0STANDIN", app_id=APP)
    own["event"]["channel"] = dm_channel(user_id)
    chatter = direct_message(user_id, "lunch anyone?")
    chatter["event"] |= {"channel": channel, "channel_type": "channel"}
    for payload in (edit, own, chatter):
        assert post_event(payload).status_code == 200
    time.sleep(1.5)
    assert slack.messages_to(user_id) == [] and slack.messages_to(channel) == []
    assert user_texts(user_id) == []


def test_a_malformed_request_is_a_clear_400(slack: SlackStandIn) -> None:
    for body in (b"not json", b"[1, 2]", b'{"event": {"text": "x"}}', b'{"type": "event_callback"}'):
        assert post_raw(body, signed_headers(body)).status_code == 400, body


# -- the assistant on Slack ------------------------------------------------------------------------


def test_a_mention_in_a_channel_is_answered_there_only_to_the_asker_with_its_sources(slack: SlackStandIn) -> None:
    user_id = new_user_id()
    channel = "C0" + uuid.uuid4().hex[:8].upper()
    user = SlackUser(slack, user_id)
    replies = user.send(mention(user_id, "what is your return policy?", channel), channel, "return policy", True)
    assert slack.messages_to(channel) == [], "nothing is posted for the whole channel to see"
    assert replies, user
    assert user_texts(user_id) == ["what is your return policy?"], "the mention is stripped"
    assert any("return" in call.text.lower() for call in replies), user
    sources = [call for call in replies if call.context]
    assert len(sources) == 1, [call.params for call in replies]
    assert sources[0].context.startswith("Source: ") and "Return" in sources[0].context
    assert slack.messages_to(user_id) == [], "a channel question is answered in the channel"


def test_a_customer_question_gets_buttons_as_blocks_and_a_press_is_handled_once(slack: SlackStandIn) -> None:
    user = SlackUser(slack)
    replies = user.send(direct_message(user.user_id, "is there a student discount?"), user.dm, "discount")
    with_buttons = [call for call in replies if call.buttons]
    assert len(with_buttons) == 1, user
    message = with_buttons[0]
    assert [block["type"] for block in message.blocks] == ["section", "actions"]
    assert "couldn't find an answer" in message.blocks[0]["text"]["text"]
    values = {button["text"]["text"]: button["value"] for button in message.buttons}
    assert values == {"Yes, a person please": "/human_handoff", "No, thanks": "/deny"}
    assert all(button["type"] == "button" for button in message.buttons)

    press = {
        "type": "block_actions",
        "user": {"id": user.user_id, "username": "test.user", "name": "test.user", "team_id": TEAM},
        "api_app_id": APP,
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": slack_ts(), "channel_id": user.dm, "is_ephemeral": False},
        "trigger_id": f"{random.randint(10**9, 10**10)}.{random.randint(10**9, 10**10)}.{uuid.uuid4().hex}",
        "team": {"id": TEAM, "domain": "northwind"},
        "channel": {"id": user.dm, "name": "directmessage"},
        "message": {"type": "message", "text": message.text, "user": BOT_USER, "ts": slack_ts(), "bot_id": "B0STANDIN"},
        "response_url": "https://hooks.slack.com/actions/T0NORTHWD/1/abc",
        "actions": [
            {
                "action_id": "a1",
                "block_id": "b1",
                "text": {"type": "plain_text", "text": "No, thanks", "emoji": True},
                "value": "/deny",
                "type": "button",
                "action_ts": slack_ts(),
            }
        ],
    }
    before = len(slack.messages_to(user.dm))
    assert post_interaction(press).status_code == 200
    wait_for_turn(user.user_id, 2)
    answered = slack.messages_to(user.dm)[before:]
    assert answered, user
    assert post_interaction(press).status_code == 200  # the same press delivered again
    time.sleep(1.0)
    assert slack.messages_to(user.dm)[before:] == answered
    assert user_texts(user.user_id) == ["is there a student discount?", "/deny"]


def test_a_rest_caller_cannot_continue_a_slack_users_conversation(slack: SlackStandIn, hr: SqlHR) -> None:
    """Once a person has written on Slack, REST cannot post into (or read replies of) that conversation."""
    employee: DemoEmployee = demo_employees(hr, limit=3)[2]
    assert employee.slack_user_id
    assert SlackUser(slack, employee.slack_user_id).say("hi there")
    claimed = {"sender": employee.slack_user_id, "message": "how many vacation days do I have left"}
    refused = httpx.post(f"{STACK['rasa']}/webhooks/rest/webhook", json=claimed, timeout=30)
    assert refused.status_code == 403, refused.text


def test_an_employee_asks_for_their_leave_balance_on_slack(slack: SlackStandIn, hr: SqlHR) -> None:
    employee: DemoEmployee = demo_employees(hr, limit=3)[0]
    assert employee.slack_user_id, "demo employees have a Slack user id"
    user = SlackUser(slack, employee.slack_user_id)
    reply = user.say("how many vacation days do I have left")
    assert f"Vacation: {days_left(hr, employee.employee_id)} day" in reply, user

    stranger = SlackUser(slack)
    refused = stranger.say("how many vacation days do I have left")
    assert refused and "Vacation:" not in refused, stranger

    channel = "C0" + uuid.uuid4().hex[:8].upper()
    in_channel = user.send(
        mention(employee.slack_user_id, "how many vacation days do I have left", channel), channel, "", True
    )
    assert any("Vacation:" in call.text for call in in_channel), user
    assert slack.messages_to(channel) == [], (
        "a personal answer asked for in a shared channel is shown to the asker only"
    )


def test_a_person_answers_on_slack_and_hands_back(slack: SlackStandIn) -> None:
    """Handoff from Slack: the agent's reply (console API) reaches the user's DM, signed; then the bot is back."""
    agent = {"Authorization": f"Bearer {AGENT_TOKENS['Sam']}"}
    user = SlackUser(slack)
    reply = user.say("I want to talk to a person")
    number = re.search(r"ticket (H-\d+)", reply)
    assert number, user
    ticket = f"{STACK['api']}/api/handoffs/{number.group(1)}"
    found = httpx.get(ticket, headers=agent, timeout=30).json()
    assert found["channel"] == "slack" and found["sender_id"] == user.user_id, found
    assert user.say("hello?") == "", "the bot is silent while a person is coming"
    assert httpx.post(f"{ticket}/take", headers=agent, timeout=30).status_code == 200

    before = len(slack.messages_to(user.dm))
    sent = httpx.post(f"{ticket}/messages", headers=agent, json={"text": "Hi, Sam here. How can I help?"}, timeout=30)
    assert sent.status_code == 202, sent.text
    new = slack.messages_to(user.dm)[before:]
    assert [call.text for call in new] == ["*Sam* (Northwind team): Hi, Sam here. How can I help?"]

    assert httpx.post(f"{ticket}/close", headers=agent, timeout=30).status_code == 200
    assert "You're back with the assistant" in slack.messages_to(user.dm)[-1].text
    assert user.say("what can you do?"), "the bot answers again"
