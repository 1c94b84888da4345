"""Every part of a multi-part message answered, or explicitly queued (issue 21).

Why: the NLU gives a message one intent, so "cancel 10280 and tell me my balance" was a
cancellation or a balance question, never both, and the other half was silently dropped.
This patch of Rasa's `MessageProcessor.handle_message` (installed by `python -m engine`)
reads such a message as its clauses (`engine.clauses.split_clauses`), parses each with the
processor's own NLU, and when they are two or more different confident requests
(`engine.clauses.distinct_requests`) handles them one after another as consecutive messages
of the same sender with the same metadata: the tracker shows each part as a user turn with
its own intent, the policies answer each as they answer it alone, and the output channel
gets every reply in order (the REST channel returns them all in one response). Anything
else is handled exactly as Rasa does.

A message one of whose parts asks for a person is that request, whole: the person reads every part.

A part that leaves a form running (the identity check, a confirmation before a change)
owns the next message, so the later parts wait: they are kept in the `queued_requests`
slot (with the session they were asked in) and the person is told so
(`utter_request_queued`, "I'll come to ... right after this"). After every message, once no
form is running and the conversation is not with a person, the queued parts are handled in
order, with that message's metadata, so they are answered right after the form is done.

Before any of that, a message whose words are the title of a button the last reply offered ("Show
mine" typed instead of clicked) is read as the click: its payload's intent and entities, with the words
as typed (`engine/typed_buttons.py`); a message naming a listed record by its position ("the second
one") gets that record's number added to its words first (`engine/positions.py`).

One conversation is still handled at a time: Rasa's agent holds the conversation's lock
around `handle_message`, so every part runs under the one lock of the message that carried
it; each part is logged and saved to the tracker store once, as Rasa saves one message.
"""

from __future__ import annotations

import logging
from typing import Any

from assistant import catalog
from assistant.identity import read_channel_token
from assistant.names import (
    EMPLOYEE_VERIFIED_SLOT,
    LISTEN_ACTION,
    METADATA_TOKEN_KEY,
    ORDER_NUMBER_SLOT,
    QUEUED_REQUESTS_SLOT,
    REQUEST_QUEUED_RESPONSE,
    part_message_id,
)
from engine.channels.incoming import identity_secret
from engine.clauses import DEFAULT_THRESHOLD, MAX_CLAUSES, distinct_requests, split_clauses
from engine.context_words import (
    arrival_of_the_order_shown,
    data_rights_request,
    decision_asked,
    leave_balance_for_employee,
    may_mean_something_here,
    question_about_a_refusal,
    question_at_a_confirmation,
    request_for_topic,
    stop_for_cancel,
    work_elsewhere_asked,
)
from engine.positions import position_named, with_record_named
from engine.typed_buttons import (
    could_be_a_title,
    could_be_a_yes,
    last_buttons,
    payload_for,
    payload_naming,
    payload_pointed_at,
    yes_payload_for,
)

logger = logging.getLogger(__name__)

HANDOFF_INTENT = "human_handoff"

_QUALNAME = "MessageProcessor.handle_message"
_MARK = "__engine_multipart__"


class PatchTargetChanged(RuntimeError):
    """Rasa's message processor is not what this patch was written for."""


def _part(message: Any, text: str, index: int, parse_data: dict[str, Any] | None = None) -> Any:
    """One part of `message` as a message of its own: same sender, channel and metadata."""
    from rasa.core.channels.channel import UserMessage

    return UserMessage(
        text,
        message.output_channel,
        message.sender_id,
        parse_data=parse_data,
        input_channel=message.input_channel,
        message_id=part_message_id(message.message_id, index),
        metadata=message.metadata,
    )


async def request_parts(processor: Any, message: Any, threshold: float = DEFAULT_THRESHOLD) -> list[Any]:
    """The message's parts as messages (each with its parse), or [] when it is one request."""
    clauses = split_clauses(message.text or "")
    if len(clauses) < 2:
        return []
    parts = [_part(message, clause.text, index) for index, clause in enumerate(clauses)]
    parses = [await processor.parse_message(part) for part in parts]
    if not distinct_requests(parses, threshold):
        return []
    person = next((parse for parse in parses if (parse.get("intent") or {}).get("name") == HANDOFF_INTENT), None)
    if person is not None:
        # A person asked for in one part is asked for the whole message ("my parcel says delivered but nothing
        # is here. i want to talk to someone"): the person reads every part, nothing waits behind an identity
        # check the person did not want.
        return [_part(message, message.text, 0, {**person, "text": message.text, "entities": []})]
    for part, parse in zip(parts, parses, strict=True):
        part.parse_data = parse  # parsed once: Rasa logs the part with this parse
    logger.debug("multi-part message of %s: %d parts", message.sender_id, len(parts))
    return parts


async def handle_one(processor: Any, message: Any) -> Any:
    """What Rasa's `handle_message` does for one message, returning the saved tracker."""
    tracker = await processor.log_message(message, should_save_tracker=False)
    tracker = await processor.run_action_extract_slots(message.output_channel, tracker)
    await processor._run_prediction_loop(message.output_channel, tracker)
    await processor.run_anonymization_pipeline(tracker)
    await processor.save_tracker(tracker)
    return tracker


def _session_of(tracker: Any) -> float:
    """When the tracker's current session started (0 before any session start)."""
    from rasa.shared.core.events import SessionStarted

    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            return float(event.timestamp)
    return 0.0


def _waiting(tracker: Any) -> list[dict[str, Any]]:
    """The queued parts of this session (a queue left from an earlier session is not this one's)."""
    queued = tracker.get_slot(QUEUED_REQUESTS_SLOT) or []
    session = _session_of(tracker)
    return [
        entry
        for entry in queued
        if isinstance(entry, dict) and isinstance(entry.get("text"), str) and entry.get("session") == session
    ]


def _set_queue(tracker: Any, queued: list[dict[str, Any]]) -> None:
    from rasa.shared.core.events import SlotSet

    tracker.update(SlotSet(QUEUED_REQUESTS_SLOT, queued or None))


async def queue_parts(processor: Any, tracker: Any, parts: list[Any], output_channel: Any) -> None:
    """Keep `parts` for after the running form, and tell the person so, one line per part."""
    from rasa.shared.core.events import BotUttered

    session = _session_of(tracker)
    queued = _waiting(tracker) + [{"text": part.text, "session": session} for part in parts]
    _set_queue(tracker, queued)
    for part in parts:
        line = BotUttered(
            catalog.text(REQUEST_QUEUED_RESPONSE, request=part.text),
            metadata={"utter_action": REQUEST_QUEUED_RESPONSE},
        )
        tracker.update(line)
        await output_channel.send_response(tracker.sender_id, line.message())
    await processor.save_tracker(tracker)


def _free(tracker: Any) -> bool:
    """No form owns the next message and no person has the conversation."""
    return tracker.active_loop_name is None and not tracker.is_paused()


async def answer_queued(processor: Any, message: Any, tracker: Any) -> Any:
    """The queued parts, in order, while nothing else owns the conversation; returns the tracker."""
    for round_ in range(1, MAX_CLAUSES + 1):
        queued = tracker.get_slot(QUEUED_REQUESTS_SLOT)
        if not queued or not _free(tracker):
            return tracker
        waiting = _waiting(tracker)
        _set_queue(tracker, waiting[1:])  # taken off before it runs: never answered twice
        await processor.save_tracker(tracker)
        if not waiting:
            return tracker
        tracker = await handle_one(processor, _part(message, waiting[0]["text"], MAX_CLAUSES + round_))
    return tracker


async def handle_parts(processor: Any, message: Any, parts: list[Any]) -> Any:
    """Each part in turn; the rest queued as soon as a part leaves a form running."""
    tracker = None
    for index, part in enumerate(parts):
        tracker = await handle_one(processor, part)
        rest = parts[index + 1 :]
        if rest and tracker.active_loop_name is not None and not tracker.is_paused():
            await queue_parts(processor, tracker, rest, message.output_channel)
            break
    return tracker


async def as_clicked(processor: Any, message: Any) -> Any:
    """The message read as the click it stands for, when its words are the title of a button just offered, name
    one choice by its number or by words of its title, or are a clear yes to a yes/no question
    (`engine/typed_buttons.py`), or mean something where the conversation stands (`engine/context_words.py`);
    otherwise the message itself — with the record it names by its position in a listing added
    (`engine/positions.py`)."""
    from rasa.shared.core.events import BotUttered, UserUttered

    text = message.text or ""
    if not (could_be_a_title(text) or could_be_a_yes(text) or position_named(text) or may_mean_something_here(text)):
        return message  # the conversation is not read for a message that can be none of them
    tracker = await processor.get_tracker(message.sender_id)
    newest_first = [e.as_dict() for e in reversed(tracker.events) if isinstance(e, (BotUttered, UserUttered))]
    named = with_record_named(text, newest_first)
    if named is not None:  # "the second one" of a listing: the record's number added to the words
        message, text = _part(message, named, 0), named
    buttons = last_buttons(newest_first)
    employee = writes_as_employee(tracker, message)
    payload = (
        payload_for(text, buttons)
        or payload_naming(text, buttons)
        or yes_payload_for(text, buttons)
        or stop_for_cancel(text, tracker.active_loop_name)
        or payload_pointed_at(text, buttons)
        or leave_balance_for_employee(text, employee)
        or request_for_topic(text, employee)
        or data_rights_request(text, tracker.active_loop_name)
        or work_elsewhere_asked(text, employee, tracker.active_loop_name)
        or question_about_a_refusal(text, newest_first)
        or arrival_of_the_order_shown(text, last_action(tracker), bool(tracker.get_slot(ORDER_NUMBER_SLOT)))
        or decision_asked(text, employee)
        or question_at_a_confirmation(text, tracker.get_slot("requested_slot"))
    )
    if payload is None:
        return message
    # Read as the click (the payload's intent and entities), the words kept as typed: the history and a
    # person's transcript show what was written.
    clicked = await processor.parse_message(_part(message, payload, 0))
    return _part(message, message.text, 0, {**clicked, "text": message.text})


def last_action(tracker: Any) -> str | None:
    """The name of the last action the assistant ran before listening for this message."""
    from rasa.shared.core.events import ActionExecuted

    return next(
        (
            event.action_name
            for event in reversed(tracker.events)
            if isinstance(event, ActionExecuted) and event.action_name != LISTEN_ACTION
        ),
        None,
    )


def writes_as_employee(tracker: Any, message: Any) -> bool:
    """An employee the session start identified, or — on a session's first message, before that — one the
    message's own channel token vouches for (verified here with the channels' secret, never taken on trust)."""
    if tracker.get_slot(EMPLOYEE_VERIFIED_SLOT):
        return True
    token = (message.metadata or {}).get(METADATA_TOKEN_KEY)
    identity = read_channel_token(token, identity_secret()) if token else None
    return identity is not None and identity.role == "employee"


def install() -> None:
    """Replace `MessageProcessor.handle_message` by the multi-part handling above; idempotent."""
    from rasa.core import processor as rasa_processor
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.processor import MessageProcessor
    from rasa.shared.data import TrainingType

    original = MessageProcessor.handle_message
    if getattr(original, _MARK, False):
        return
    if original.__qualname__ != _QUALNAME or original.__module__ != rasa_processor.__name__:
        raise PatchTargetChanged(f"{_QUALNAME} is not Rasa's original; review engine/multipart.py")

    async def handle_message(self: MessageProcessor, message: Any) -> list[dict[str, Any]] | None:
        if self.model_metadata.training_type == TrainingType.NLU:
            return await original(self, message)
        message = await as_clicked(self, message)
        parts = [] if message.parse_data else await request_parts(self, message)  # a click is one answer
        tracker = await (handle_parts(self, message, parts) if parts else handle_one(self, message))
        await answer_queued(self, message, tracker)
        if isinstance(message.output_channel, CollectingOutputChannel):
            return message.output_channel.messages  # type: ignore[no-any-return]
        return None

    setattr(handle_message, _MARK, True)
    handle_message.__wrapped__ = original  # type: ignore[attr-defined]
    MessageProcessor.handle_message = handle_message  # type: ignore[method-assign]
    logger.debug("engine patch: multi-part messages handled part by part")
