"""The HR helpdesk actions: an employee's own leave and pay, never a colleague's, and only for employees."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, BotUttered, UserUttered

from actions.documents import ActionAnswerFromDocuments, ActionOutOfScope
from actions.hr import (
    ActionLeaveBalance,
    ActionLeaveRequestStatus,
    ActionLeaveUsed,
    ActionLinkCode,
    ActionPayday,
    year_named,
)
from actions.hr_access import ActionEmployeesOnly
from assistant.identity import METADATA_PROOF_KEY, issue_channel_token, issue_connector_proof
from assistant.settings import Settings, get_settings
from backoffice.errors import NotAllowed
from backoffice.hr_domain import LeaveStatus, LeaveType
from backoffice.sql.hr import SqlHR
from demo.accounts import DemoAccount
from demo.employees import DemoEmployee
from tests.support.leave import own_request, token_of

Run = Callable[[Action, Tracker], Awaitable[Any]]
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
SIGN_IN = "only for Northwind employees, and I can't tell who you are"


# -- answers about the employee's own records ------------------------------------------------------


async def test_leave_balance_lists_every_leave_type_with_what_is_left(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, emma: DemoEmployee
) -> None:
    reply = await run(
        ActionLeaveBalance(), make_tracker(text="how many days off do I have", metadata=token_of(emma, app_settings))
    )
    assert reply.text.startswith(f"Your leave for {date.today().year}:")
    for name in ("Vacation", "Sick leave", "Personal days", "Parental leave"):
        line = next(line for line in reply.text.splitlines() if line.startswith(f"- {name}:"))
        assert " left of " in line


CARRY_OVER_PAGE = (
    "# Paid time off\n\n## Carry-over\nUnused vacation days carry over into the next year, up to 5 days; the rest "
    "is lost on 1 January.\n"
)


async def test_a_question_about_what_would_happen_gets_the_rule_before_the_balance(
    run: Run,
    make_tracker: Callable[..., Tracker],
    app_settings: Settings,
    emma: DemoEmployee,
    index_page: Callable[..., None],
) -> None:
    """ "if i dont use all my vacation this year do i lose it?" read as a balance request: the documents' rule
    (with its source), then the balance; "how many vacation days do i have left" gets the balance only."""
    index_page("pto.md", CARRY_OVER_PAGE, "internal")
    metadata = token_of(emma, app_settings)
    ranking = [("leave_balance", 0.76), ("ask_policy", 0.13)]
    hypothetical = "if i dont use all my vacation days this year do i lose them?"
    tracker = make_tracker(
        text=hypothetical, intent="leave_balance", confidence=0.76, ranking=ranking, metadata=metadata
    )
    reply = await run(ActionLeaveBalance(), tracker)
    assert "carry over into the next year" in reply.messages[0]["text"], reply.text
    assert reply.messages[0]["custom"]["sources"][0]["path"].endswith("pto.md")
    assert reply.messages[-1]["response"] == "utter_leave_balance"
    plain = "how many vacation days do i have left?"
    tracker = make_tracker(text=plain, intent="leave_balance", confidence=0.76, ranking=ranking, metadata=metadata)
    assert "carry over" not in (await run(ActionLeaveBalance(), tracker)).text


async def test_leave_used_says_what_was_taken(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, emma: DemoEmployee, hr: SqlHR
) -> None:
    reply = await run(
        ActionLeaveUsed(), make_tracker(text="how much leave did I use", metadata=token_of(emma, app_settings))
    )
    used = [b for b in hr.leave_balances(emma.employee_id, date.today().year) if b.used]
    if used:
        assert reply.text.startswith(f"So far in {date.today().year} you've taken ")
    else:
        assert reply.text == f"You haven't taken any leave yet in {date.today().year}."


async def test_payday_names_a_date(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, emma: DemoEmployee
) -> None:
    reply = await run(ActionPayday(), make_tracker(text="when is payday", metadata=token_of(emma, app_settings)))
    assert reply.text.startswith("Your next payday is ")
    assert re.search(rf"\d{{1,2}} ({MONTHS})", reply.text)


@pytest.mark.parametrize(
    ("action", "text"),
    [
        (ActionLeaveBalance(), "how many vacation days have I got left and when do we get paid next"),
        (ActionPayday(), "when is payday and how many vacation days have I got left"),
    ],
)
async def test_both_parts_of_a_two_part_hr_question_are_answered(
    run: Run,
    make_tracker: Callable[..., Tracker],
    app_settings: Settings,
    emma: DemoEmployee,
    action: ActionLeaveBalance | ActionPayday,
    text: str,
) -> None:
    reply = await run(action, make_tracker(text=text, metadata=token_of(emma, app_settings)))
    assert "Your next payday is " in reply.text
    assert f"Your leave for {date.today().year}:" in reply.text


async def test_request_status_lists_only_the_employees_own_requests(
    run: Run,
    make_tracker: Callable[..., Tracker],
    app_settings: Settings,
    emma: DemoEmployee,
    colleague: DemoEmployee,
    hr: SqlHR,
) -> None:
    mine = own_request(hr, emma.employee_id)
    own_request(hr, colleague.employee_id)
    reply = await run(
        ActionLeaveRequestStatus(), make_tracker(text="status of my leave", metadata=token_of(emma, app_settings))
    )
    assert reply.text.startswith("Your leave requests:")
    assert mine in reply.text
    theirs = [r.number for r in hr.list_leave_requests(colleague.employee_id, 1000)]
    assert theirs
    shown = set(re.findall(r"LR-\d{5}", reply.text))
    assert shown and not shown & set(theirs)
    assert shown <= {r.number for r in hr.list_leave_requests(emma.employee_id, 1000)}


async def test_whats_still_pending_lists_only_the_requests_waiting_for_a_decision(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, emma: DemoEmployee, hr: SqlHR
) -> None:
    waiting = {own_request(hr, emma.employee_id), own_request(hr, emma.employee_id)}
    decided = {r.number for r in hr.list_leave_requests(emma.employee_id, 1000) if r.status != LeaveStatus.PENDING}
    reply = await run(
        ActionLeaveRequestStatus(), make_tracker(text="whats still pending?", metadata=token_of(emma, app_settings))
    )
    shown = set(re.findall(r"LR-\d{5}", reply.text))
    assert waiting <= shown and not shown & decided, reply.text
    for number in waiting:
        hr.cancel_leave_request(number, emma.employee_id)
    rest = {r.number for r in hr.list_leave_requests(emma.employee_id, 1000) if r.status == LeaveStatus.PENDING}
    none_left = await run(
        ActionLeaveRequestStatus(),
        make_tracker(text="anything not approved yet", metadata=token_of(emma, app_settings)),
    )
    if not rest:
        assert "None of your leave requests is waiting" in none_left.text, none_left.text
    else:
        assert set(re.findall(r"LR-\d{5}", none_left.text)) == rest, none_left.text


async def test_a_question_about_a_colleagues_leave_says_whose_it_can_show(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, emma: DemoEmployee, colleague: DemoEmployee
) -> None:
    """Not the asker's own balance as if it were the colleague's: whose records it can show, and a button for them."""
    metadata = token_of(emma, app_settings)
    first, *_ = colleague.name.split()
    for text, action in (
        (f"how many vacation days does {colleague.name} have left?", ActionLeaveBalance()),
        (f"how many vacation days does {colleague.name.lower()} have left?", ActionLeaveBalance()),
        (f"has {first} used many sick days this year", ActionLeaveUsed()),
        ("can you show me my team's pending leave requests?", ActionLeaveRequestStatus()),
    ):
        reply = await run(
            action, make_tracker(text=text, intent=action.name().removeprefix("action_"), metadata=metadata)
        )
        assert reply.text.startswith("I can only show your own leave and requests"), (text, reply.text)
        assert "left of" not in reply.text and "LR-" not in reply.text, reply.text
        assert reply.buttons == [{"title": "Show mine", "payload": f"/{action.name().removeprefix('action_')}"}]
    named = await run(
        ActionLeaveBalance(), make_tracker(text=f"what does {colleague.name} have left", metadata=metadata)
    )
    assert f"not {colleague.name}'s" in named.text
    by_first = await run(ActionLeaveBalance(), make_tracker(text=f"what does {first} have left", metadata=metadata))
    assert f"not {first}'s" in by_first.text, "only the words typed are said back, not the full name"
    # The asker's own name, a button's payload and a sentence that starts with a capital name nobody.
    for own in (f"I'm {emma.name}, how many days do I have left?", "/leave_balance"):
        reply = await run(ActionLeaveBalance(), make_tracker(text=own, metadata=metadata))
        assert reply.text.startswith(f"Your leave for {date.today().year}:"), (own, reply.text)


async def test_a_colleagues_request_number_is_not_found(
    run: Run,
    make_tracker: Callable[..., Tracker],
    app_settings: Settings,
    emma: DemoEmployee,
    colleague: DemoEmployee,
    hr: SqlHR,
) -> None:
    theirs = own_request(hr, colleague.employee_id)
    reply = await run(
        ActionLeaveRequestStatus(),
        make_tracker(text=f"what about {theirs}?", metadata=token_of(emma, app_settings)),
    )
    assert reply.text == f"I couldn't find a leave request {theirs} of yours."
    assert reply.slots == {"leave_request_number": None}


# -- who may ask -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action", [ActionLeaveBalance(), ActionLeaveUsed(), ActionLeaveRequestStatus(), ActionPayday()]
)
async def test_without_an_identity_the_employee_is_asked_to_sign_in(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, action: Action
) -> None:
    reply = await run(action, make_tracker(text="how many days off do I have"))
    assert SIGN_IN in reply.text
    assert "/employee/login" in reply.text
    assert "left of" not in reply.text and "LR-" not in reply.text and "payday is" not in reply.text
    assert reply.events == []


async def test_a_signed_token_for_someone_not_on_the_staff_list_is_asked_to_sign_in(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings
) -> None:
    token = issue_channel_token("employee", "99999", app_settings.identity_secret)
    reply = await run(ActionLeaveBalance(), make_tracker(text="my leave balance", metadata={"auth_token": token}))
    assert SIGN_IN in reply.text and "left of" not in reply.text
    assert "went wrong" not in reply.text


async def test_the_balance_shows_only_the_type_named_in_this_message(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, emma: DemoEmployee
) -> None:
    metadata = token_of(emma, app_settings)
    sick = await run(ActionLeaveBalance(), make_tracker(text="how many sick days do I have left", metadata=metadata))
    assert [line.split(":")[0] for line in sick.text.splitlines()[1:]] == ["- Sick leave"]
    # A slot left over from an earlier question does not narrow a general one.
    general = await run(
        ActionLeaveBalance(),
        make_tracker(text="my leave balance please", metadata=metadata, slots={"leave_type": "sick"}),
    )
    assert len(general.text.splitlines()[1:]) == 4


async def test_a_customer_is_told_hr_is_for_employees(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, alice: DemoAccount
) -> None:
    token = issue_channel_token("customer", str(alice.customer_id), app_settings.identity_secret)
    reply = await run(ActionLeaveBalance(), make_tracker(text="my leave balance", metadata={"auth_token": token}))
    assert "only for Northwind employees" in reply.text
    assert "left of" not in reply.text


# -- linking Telegram ------------------------------------------------------------------------------


CODE_REFUSED = (
    "That code isn't valid — codes work once, for 10 minutes. Please check it, "
    "or get a new one from your intranet profile."
)


def telegram_tracker(make_tracker: Callable[..., Tracker], sender_id: str, text: str, channel: str) -> Tracker:
    return channel_tracker(make_tracker, sender_id, text, channel, intent="link_code")


async def test_a_link_code_on_telegram_links_the_account_once(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, emma: DemoEmployee, hr: SqlHR
) -> None:
    code = hr.issue_telegram_link_code(emma.employee_id)
    telegram_user = "777000111"
    assert hr.employee_by_telegram_user(telegram_user) is None
    reply = await run(ActionLinkCode(), telegram_tracker(make_tracker, telegram_user, code, "telegram"))
    assert reply.text.startswith(f"Linked! Hi {emma.name.split()[0]}")
    assert reply.slots == {"employee_verified": True}
    linked = hr.employee_by_telegram_user(telegram_user)
    assert linked is not None and linked.id == emma.employee_id

    again = await run(ActionLinkCode(), telegram_tracker(make_tracker, "777000222", code, "telegram"))
    # Used, expired or never issued: one reply, so a guesser cannot tell which codes exist.
    assert again.text == CODE_REFUSED
    assert hr.employee_by_telegram_user("777000222") is None

    # Once linked, the Telegram account is the employee: HR answers work without a token.
    balance = await run(ActionLeaveBalance(), telegram_tracker(make_tracker, telegram_user, "my balance", "telegram"))
    assert "left of" in balance.text


async def test_a_wrong_link_code_is_refused(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, emma: DemoEmployee, hr: SqlHR
) -> None:
    code = hr.issue_telegram_link_code(emma.employee_id)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    reply = await run(ActionLinkCode(), telegram_tracker(make_tracker, "777000333", wrong, "telegram"))
    assert reply.text == CODE_REFUSED
    assert reply.events == []
    assert hr.employee_by_telegram_user("777000333") is None


async def test_a_link_code_on_rest_is_refused(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, emma: DemoEmployee, hr: SqlHR
) -> None:
    code = hr.issue_telegram_link_code(emma.employee_id)
    reply = await run(ActionLinkCode(), telegram_tracker(make_tracker, "777000444", code, "rest"))
    assert reply.text == "Link codes are only for linking a Telegram account — type it on Telegram."
    assert reply.events == []
    assert hr.employee_by_telegram_user("777000444") is None
    # The code was not spent: it still links on Telegram.
    linked = await run(ActionLinkCode(), telegram_tracker(make_tracker, "777000444", code, "telegram"))
    assert linked.text.startswith("Linked!")


def channel_tracker(
    make_tracker: Callable[..., Tracker],
    sender_id: str,
    text: str,
    channel: str,
    intent: str = "leave_balance",
    signed_by: str | None = "",
) -> Tracker:
    """A message that arrived on `channel` from `sender_id`, with the proof the connector `signed_by` signs.

    By default the proof names `channel` itself (what our connectors do); `signed_by=None` is a
    message without any proof, `signed_by="rest"` one that the REST channel received although
    Rasa's record names `channel` (what a caller choosing `input_channel` got before).
    """
    metadata: dict[str, Any] = {}
    if signed_by is not None:
        proof = issue_connector_proof(signed_by or channel, sender_id, "127.0.0.1", get_settings().identity_secret)
        metadata[METADATA_PROOF_KEY] = proof
    latest = {"intent": {"name": intent, "confidence": 1.0}, "metadata": metadata}
    events = [ActionExecuted("action_listen"), UserUttered(text, latest, input_channel=channel)]
    return make_tracker(sender_id=sender_id, text=text, intent=intent, events=events, metadata=metadata)


async def test_on_slack_the_employee_is_known_by_their_slack_user_id(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, emma: DemoEmployee
) -> None:
    assert emma.slack_user_id
    text = "how many vacation days do I have left"
    known = await run(ActionLeaveBalance(), channel_tracker(make_tracker, emma.slack_user_id, text, "slack"))
    assert "- Vacation:" in known.text and "left of" in known.text
    stranger = await run(ActionLeaveBalance(), channel_tracker(make_tracker, "U0NOBODY", text, "slack"))
    assert "left of" not in stranger.text and SIGN_IN in stranger.text
    # The same id over REST proves nothing: only the Slack connector sets the channel.
    rest = await run(ActionLeaveBalance(), channel_tracker(make_tracker, emma.slack_user_id, text, "rest"))
    assert "left of" not in rest.text


async def test_an_employee_known_only_after_the_session_began_is_taken_up(
    run: Run, make_tracker: Callable[..., Tracker], emma: DemoEmployee
) -> None:
    """The identity slots are set at the session's start; if the HR system could not say then, the
    rule for strangers meets the employee, who is recognised there — and a stranger is not."""
    assert emma.slack_user_id
    text = "how many vacation days do I have left"
    late = await run(ActionEmployeesOnly(), channel_tracker(make_tracker, emma.slack_user_id, text, "slack"))
    assert late.slots == {"employee_verified": True} and "ask me that again" in late.text
    stranger = await run(ActionEmployeesOnly(), channel_tracker(make_tracker, "U0NOBODY", text, "slack"))
    assert stranger.slots == {} and SIGN_IN in stranger.text
    claimed = channel_tracker(make_tracker, emma.slack_user_id, text, "slack", signed_by="rest")
    assert (await run(ActionEmployeesOnly(), claimed)).slots == {}


@pytest.mark.parametrize("signed_by", [None, "rest", "socketio"])
async def test_a_channel_named_without_the_connectors_proof_identifies_nobody(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, emma: DemoEmployee, signed_by: str | None
) -> None:
    """Rasa records whatever channel a REST caller names; only the Slack connector's own proof counts."""
    assert emma.slack_user_id
    text = "how many vacation days do I have left"
    claimed = channel_tracker(make_tracker, emma.slack_user_id, text, "slack", signed_by=signed_by)
    assert claimed.get_latest_input_channel() == "slack"
    reply = await run(ActionLeaveBalance(), claimed)
    assert "left of" not in reply.text and "- Vacation:" not in reply.text


async def test_a_proof_made_for_another_sender_identifies_nobody(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, emma: DemoEmployee
) -> None:
    """A valid Slack proof copied from Emma's message into another conversation is worth nothing there."""
    assert emma.slack_user_id
    proof = issue_connector_proof("slack", emma.slack_user_id, "slack:x", get_settings().identity_secret)
    latest = {"intent": {"name": "leave_balance", "confidence": 1.0}, "metadata": {METADATA_PROOF_KEY: proof}}
    events = [ActionExecuted("action_listen"), UserUttered("my balance", latest, input_channel="slack")]
    moved = make_tracker(sender_id="U0SOMEONE", text="my balance", intent="leave_balance", events=events,
                         metadata={METADATA_PROOF_KEY: proof})  # fmt: skip
    reply = await run(ActionLeaveBalance(), moved)
    assert "left of" not in reply.text


@pytest.mark.parametrize(
    ("action", "words", "intent", "ranking"),
    [
        # out of scope, in words the documents also answer: their sentence about everyone's vacation is not hers
        (ActionOutOfScope(), "how many vacation days does {name} get", "out_of_scope", [("leave_balance", 0.2)]),
        # not understood, likeliest out of scope: not an opener that gets the assistant's skills
        (ActionAnswerFromDocuments(), "how much leave does {name} have left", "nlu_fallback", [("leave_balance", 0.3)]),
    ],
)
async def test_a_colleagues_records_the_nlu_could_not_place_are_refused(
    run: Run,
    make_tracker: Callable[..., Tracker],
    app_settings: Settings,
    indexed: Settings,
    emma: DemoEmployee,
    colleague: DemoEmployee,
    action: Action,
    words: str,
    intent: str,
    ranking: list[tuple[str, float]],
) -> None:
    asked = words.format(name=colleague.name)
    tracker = make_tracker(
        text=asked,
        intent=intent,
        confidence=0.2 if intent == "nlu_fallback" else 0.66,
        ranking=[("out_of_scope", 0.33), *ranking, ("ask_policy", 0.22)],
        metadata=token_of(emma, app_settings),
    )
    reply = await run(action, tracker)
    assert reply.text.startswith("I can only show your own leave and requests"), reply.text


def test_the_year_a_question_names_by_number_or_in_words() -> None:
    today = date(2026, 12, 8)
    assert year_named("how many vacation days do i have next year?", today) == 2027
    assert year_named("days left in 2027", today) == 2027
    assert year_named("what did i take last year", today) == 2025
    assert year_named("this year's balance pls", today) == 2026
    assert year_named("how many days do i have left", today) is None
    assert year_named("what about 2031", today) is None, "nobody keeps leave five years ahead"


async def test_a_balance_question_pointing_at_the_request_just_filed_shows_that_requests_year(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, emma: DemoEmployee, hr: SqlHR
) -> None:
    """ "is that half a day off my balance?" right after a January request was sent had shown this year's
    balance, which that request does not touch: the request's year, with it waiting for approval."""
    next_year = date.today().year + 1
    start = date(next_year, 1, 12)
    while True:  # a working day the back office takes for her
        try:
            request = hr.request_leave(emma.employee_id, LeaveType.VACATION, start, start)
            break
        except NotAllowed:
            start = start.replace(day=start.day + 1)
    filed = f"Done — your request {request.number} (1 day) is waiting for approval."
    question = "is that a whole day off my balance?"
    events = [
        ActionExecuted("action_listen"),
        UserUttered("yes", {"text": "yes", "intent": {"name": "affirm"}}),
        BotUttered(filed),
        ActionExecuted("action_listen"),
        UserUttered(question, {"text": question, "intent": {"name": "leave_balance"}, "metadata": {}}),
    ]
    tracker = make_tracker(text=question, intent="leave_balance", metadata=token_of(emma, app_settings), events=events)
    reply = await run(ActionLeaveBalance(), tracker)
    assert reply.text.startswith(f"Your leave for {next_year}:"), reply.text
    vacation = next(line for line in reply.text.splitlines() if line.startswith("- Vacation:"))
    assert "pending approval" in vacation, vacation
    unrelated = make_tracker(text="how many days do i have left", metadata=token_of(emma, app_settings))
    assert (await run(ActionLeaveBalance(), unrelated)).text.startswith(f"Your leave for {date.today().year}:")
