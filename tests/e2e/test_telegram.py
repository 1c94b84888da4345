"""Telegram over the real Rasa server, against a local stand-in of Telegram's Bot API.

Updates are posted to the Rasa server's webhook shaped as Telegram sends them
(https://core.telegram.org/bots/api#update), with or without the secret token header;
what the bot says is read from the stand-in (`telegram_api`), exactly the `sendMessage`
calls a real deployment would make. Account linking uses a code issued by the API, as
the intranet profile page does, and the back office is read to check the link.
"""

from __future__ import annotations

import itertools
import random
import re
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from assistant.identity import issue_channel_token
from assistant.settings import Settings
from backoffice.sql.hr import SqlHR
from backoffice.sql.hr_models import TelegramLinkCodeRow
from demo.employees import DemoEmployee, demo_employees
from tests.support.e2e_config import AGENT_TOKENS, RASA_API
from tests.support.telegram_standin import ApiCall, TelegramStandIn

pytestmark = pytest.mark.e2e

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_update_ids = itertools.count(random.randint(10_000, 900_000_000))
# Where the stack under test listens and its secrets: set once from its settings (fixture `telegram`).
STACK: dict[str, str] = {}


def new_user_id() -> int:
    return random.randint(100_000_000, 999_999_999)


def message_update(user_id: int, text: str | None = None, chat_type: str = "private", **content: Any) -> dict:
    """A Telegram `Update` with a `message` from `user_id` (text or other content, e.g. a sticker)."""
    chat_id = user_id if chat_type == "private" else -1001234567890
    message: dict[str, Any] = {
        "message_id": random.randint(1, 10**6),
        "date": int(time.time()),
        "from": {"id": user_id, "is_bot": False, "first_name": "Test", "language_code": "en"},
        "chat": {"id": chat_id, "type": chat_type, **({"first_name": "Test"} if chat_type == "private" else {})},
        **content,
    }
    if text is not None:
        message["text"] = text
    return {"update_id": next(_update_ids), "message": message}


RIGHT_SECRET = "the stack's secret"


def post_update(update: dict, secret: str | None = RIGHT_SECRET) -> httpx.Response:
    """POST an update to the Rasa server's Telegram webhook, as Telegram does (with the secret header)."""
    if secret == RIGHT_SECRET:
        secret = STACK["secret"]
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return httpx.post(STACK["webhook"], json=update, headers=headers, timeout=30.0)


class TelegramUser:
    """One person writing to the bot on Telegram; `say` returns the bot's new messages to them."""

    def __init__(self, api: TelegramStandIn, user_id: int | None = None) -> None:
        self.api = api
        self.user_id = user_id or new_user_id()
        self.transcript: list[tuple[str, str]] = []

    def say(self, text: str) -> str:
        before = len(self.api.messages_to(self.user_id))
        response = post_update(message_update(self.user_id, text))
        assert response.status_code == 200, response.text
        # The webhook answers after the bot has replied, so the messages are already there.
        new = self.api.messages_to(self.user_id)[before:]
        reply = "\n".join(call.text for call in new)
        self.transcript.append((text, reply))
        return reply

    def __str__(self) -> str:
        return "\n".join(f"USER: {u!r}\nBOT:  {b!r}" for u, b in self.transcript)


@pytest.fixture
def telegram(e2e_stack: Any, e2e_settings: Settings, telegram_api: TelegramStandIn) -> TelegramStandIn:
    assert e2e_settings.telegram_webhook_secret, "the e2e stack runs with Telegram on"
    STACK.update(
        webhook=e2e_settings.telegram_webhook,
        secret=e2e_settings.telegram_webhook_secret,
        rasa=e2e_settings.rasa_url,
        api=e2e_settings.public_url,
        identity_secret=e2e_settings.identity_secret,
    )
    return telegram_api


@pytest.fixture(scope="module")
def hr(e2e_db: Any) -> SqlHR:
    return SqlHR(e2e_db.engine)


@pytest.fixture(scope="module")
def employee(hr: SqlHR) -> DemoEmployee:
    return demo_employees(hr, limit=3)[-1]


def link_code(employee_id: int) -> str:
    """A code as the intranet profile page gets it: the API, with the employee's identity token."""
    token = issue_channel_token("employee", str(employee_id), STACK["identity_secret"])
    response = httpx.post(
        f"{STACK['api']}/api/hr/telegram-link-code", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 201, response.text
    code = response.json()["code"]
    assert len(code) == 6 and code.isdigit()
    return code


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def days_left(hr: SqlHR, employee_id: int) -> str:
    vacation = next(b for b in hr.leave_balances(employee_id, date.today().year) if b.leave_type == "vacation")
    value: Decimal = vacation.available
    return f"{value.normalize():f}" if value % 1 else f"{int(value)}"


# -- the channel itself ----------------------------------------------------------------------------


def test_the_webhook_is_registered_with_its_secret(telegram: TelegramStandIn) -> None:
    registrations = telegram.of("setWebhook")
    assert registrations, "the Rasa server did not call setWebhook at start-up"
    assert registrations[-1].params["url"] == STACK["webhook"]
    assert registrations[-1].params["secret_token"] == STACK["secret"]


def test_a_text_message_is_answered_in_its_chat(telegram: TelegramStandIn) -> None:
    user = TelegramUser(telegram)
    reply = user.say("hi")
    assert "Northwind" in reply, user
    assert all(call.chat_id == str(user.user_id) for call in telegram.messages_to(user.user_id))


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", "e2e-telegram-webhook-secret_0123x"])
def test_an_update_without_the_right_secret_is_refused(telegram: TelegramStandIn, secret: str | None) -> None:
    user_id = new_user_id()
    response = post_update(message_update(user_id, "hello"), secret=secret)
    assert response.status_code == 401
    time.sleep(0.5)
    assert telegram.messages_to(user_id) == []
    tracker = httpx.get(f"{STACK['rasa']}/conversations/{user_id}/tracker", params=RASA_API, timeout=10).json()
    assert not [e for e in tracker.get("events") or [] if e.get("event") == "user"]


def test_a_redelivered_update_is_handled_once(telegram: TelegramStandIn) -> None:
    user_id = new_user_id()
    update = message_update(user_id, "hello there")
    assert post_update(update).status_code == 200
    first = telegram.messages_to(user_id)
    assert first
    assert post_update(update).status_code == 200  # Telegram re-delivers when it got no answer in time
    time.sleep(0.5)
    assert telegram.messages_to(user_id) == first
    tracker = httpx.get(f"{STACK['rasa']}/conversations/{user_id}/tracker", params=RASA_API, timeout=10).json()
    assert [e["text"] for e in tracker["events"] if e.get("event") == "user"] == ["hello there"]


@pytest.mark.parametrize(
    "content",
    [
        {"sticker": {"file_id": "CAACAgIAAxk", "file_unique_id": "AgAD", "width": 512, "height": 512,
                     "is_animated": False, "is_video": False, "type": "regular"}},
        {"photo": [{"file_id": "AgACAgIAAxk", "file_unique_id": "AQAD", "width": 90, "height": 90}]},
        {"voice": {"file_id": "AwACAgIAAxk", "file_unique_id": "AgAD", "duration": 2}},
    ],
    ids=["sticker", "photo", "voice"],
)  # fmt: skip
def test_a_non_text_message_gets_a_polite_text_reply(telegram: TelegramStandIn, content: dict) -> None:
    user_id = new_user_id()
    assert post_update(message_update(user_id, None, **content)).status_code == 200
    replies = telegram.wait_for_messages(user_id, 1)
    assert len(replies) == 1 and "only read text" in replies[0].text


def test_a_group_chat_is_asked_to_write_privately(telegram: TelegramStandIn) -> None:
    update = message_update(new_user_id(), "how many vacation days do I have", chat_type="supergroup")
    group_id = update["message"]["chat"]["id"]
    before = len(telegram.messages_to(group_id))
    assert post_update(update).status_code == 200
    replies = telegram.messages_to(group_id)[before:]
    assert len(replies) == 1 and "private chat" in replies[0].text


def test_a_malformed_update_is_a_clear_400(telegram: TelegramStandIn) -> None:
    headers = {SECRET_HEADER: STACK["secret"]}
    assert httpx.post(STACK["webhook"], json={"message": {"text": "x"}}, headers=headers).status_code == 400
    assert httpx.post(STACK["webhook"], content=b"not json", headers=headers).status_code == 400


def test_a_customer_verifies_and_gets_their_order_on_telegram(
    telegram: TelegramStandIn, accounts: Any, e2e_db: Any
) -> None:
    """The identity check works the same on Telegram: order number, then the e-mail on it."""
    account = accounts[3]
    number = account.orders["shipped"]
    order = e2e_db.orders.get_order(number, account.customer_id)
    user = TelegramUser(telegram)
    assert "order number" in user.say("where is my order?").lower(), user
    assert "e-mail" in user.say(number).lower(), user
    reply = user.say(account.email)
    assert "verified" in reply and number in reply and order.tracking_number in reply, user


def test_a_person_answers_on_telegram_and_hands_back(telegram: TelegramStandIn) -> None:
    """Handoff from Telegram: the agent's reply (console API) reaches the chat, signed; then the bot is back."""
    agent = {"Authorization": f"Bearer {AGENT_TOKENS['Sam']}"}
    user = TelegramUser(telegram)
    reply = user.say("can I talk to a human please")
    number = re.search(r"ticket (H-\d+)", reply)
    assert number, user
    ticket = f"{STACK['api']}/api/handoffs/{number.group(1)}"
    assert httpx.get(ticket, headers=agent, timeout=30).json()["channel"] == "telegram"
    assert user.say("hello?") == "", "the bot is silent while a person is coming"
    assert httpx.post(f"{ticket}/take", headers=agent, timeout=30).status_code == 200

    before = len(telegram.messages_to(user.user_id))
    sent = httpx.post(f"{ticket}/messages", headers=agent, json={"text": "Hi, Sam here. How can I help?"}, timeout=30)
    assert sent.status_code == 202, sent.text
    new: list[ApiCall] = telegram.messages_to(user.user_id)[before:]
    assert [call.text for call in new] == ["Sam (Northwind team): Hi, Sam here. How can I help?"]

    assert httpx.post(f"{ticket}/close", headers=agent, timeout=30).status_code == 200
    assert "You're back with the assistant" in telegram.messages_to(user.user_id)[-1].text
    assert user.say("what can you do?"), "the bot answers again"


# -- linking an employee's Telegram account ----------------------------------------------------------


def test_an_employee_links_telegram_with_a_code_from_the_intranet(
    telegram: TelegramStandIn, hr: SqlHR, employee: DemoEmployee
) -> None:
    user = TelegramUser(telegram)
    before = user.say("how many vacation days do I have left")
    assert "link" in before.lower() and "left of" not in before, user

    code = link_code(employee.employee_id)
    assert "isn't valid" in user.say(wrong(code)), user
    assert hr.employee_by_telegram_user(str(user.user_id)) is None

    linked = user.say(code)
    assert "Linked" in linked and employee.name.split()[0] in linked, user
    assert hr.employee_by_telegram_user(str(user.user_id)).id == employee.employee_id  # type: ignore[union-attr]

    balance = user.say("how many vacation days do I have left")
    assert f"Vacation: {days_left(hr, employee.employee_id)} day" in balance, user

    # The same code from someone else's Telegram account: already used, nothing linked.
    intruder = TelegramUser(telegram)
    assert "isn't valid" in intruder.say(code), intruder  # the same reply as a code never issued
    assert hr.employee_by_telegram_user(str(intruder.user_id)) is None
    assert "left of" not in intruder.say("how many vacation days do I have left"), intruder


def test_an_expired_code_does_not_link(
    telegram: TelegramStandIn, hr: SqlHR, employee: DemoEmployee, e2e_db: Any
) -> None:
    code = link_code(employee.employee_id)
    with Session(e2e_db.engine) as session, session.begin():  # ten minutes later
        session.execute(
            update(TelegramLinkCodeRow)
            .where(TelegramLinkCodeRow.employee_id == employee.employee_id, TelegramLinkCodeRow.used_at.is_(None))
            .values(expires_at=hr.now() - timedelta(seconds=1))
        )
    user = TelegramUser(telegram)
    assert "isn't valid" in user.say(code), user  # the same reply as a code never issued
    assert hr.employee_by_telegram_user(str(user.user_id)) is None


def test_guessing_codes_locks_the_telegram_account(
    telegram: TelegramStandIn, hr: SqlHR, employee: DemoEmployee
) -> None:
    code = link_code(employee.employee_id)
    guesser = TelegramUser(telegram)
    for _ in range(5):
        assert "isn't valid" in guesser.say(wrong(code)), guesser
    locked = guesser.say(code)  # even the right code, once locked
    assert "Too many wrong codes" in locked, guesser
    assert hr.employee_by_telegram_user(str(guesser.user_id)) is None
