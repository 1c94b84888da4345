"""A record the assistant just listed, named by its position: "the second one", "the first invoice".

Why: after a reply that shows two or more records ("Order ORD-10263 … is paid. Order ORD-10247 … is
packed", a customer's invoices, the order-choice list) people point instead of copying a number:
"wheres the second one at", "pay link for the first one", "whens the second one due". Read alone
those words name nothing, and the assistant asked "Which order do you mean?" although the person had
just said which. The records of the latest reply that listed two or more (ORD-, INV-, LR- numbers,
in the order shown) are counted, and a message naming one position among them, and no record of its
own, gets that record added after its words: "wheres the second one at (ORD-10247)", which the NLU
and the forms read as the number typed. The words stay as typed beside it, so the history and a
person's transcript show what was written and what it was read as.

Only a position said as one ("the second one", "2nd order", "the last one", "first invoice", or a
message that is nothing but the position, "second"): "the first week of January", "first where
is 10283" or "my last order" (the most recent one, not the last of a list) name no listed record.

Pure functions over Rasa events (dicts), used by `engine/multipart.py` before a message is handled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from assistant.names import message_id_of

RECORD_RE = re.compile(r"\b(ORD|INV|LR)-\d+\b")
# A number the message gives itself: a record's digits, whole or grouped ("10263", "10 263").
OWN_NUMBER_RE = re.compile(r"\d{4,}|\b\d\d[ .,]\d{3}\b")
# Which records a noun after the position counts among ("the second order" among orders only).
KIND_OF_NOUN = {"order": "ORD", "invoice": "INV", "request": "LR", "bill": "INV"}
_POSITIONS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_NUMBERED = "|".join(_POSITIONS)
# "the second one", "2nd order", "first invoice"; "last" only as "the last one" ("my last order" is the newest).
POSITION_RE = re.compile(
    rf"(?i)\b(?:(?P<nth>{_NUMBERED})\s+(?P<noun>one|order|invoice|request|bill)s?|the\s+(?P<last>last)\s+one)\b"
)
ONLY_POSITION_RE = re.compile(rf"(?i)^\s*(?:the\s+)?(?P<nth>{_NUMBERED})(?:\s+one)?\s*[?!.]*\s*$")
# How many of the person's earlier messages the listing may lie behind: "wheres the second one at" is answered
# with that one order, and "and the first one?" still points at the list before it.
LOOK_BACK = 3


def position_named(text: str) -> tuple[int, str | None] | None:
    """The position a message names (1-based; -1 for the last) and the kind of record its noun says, if any."""
    match = ONLY_POSITION_RE.match(text) or POSITION_RE.search(text)
    if match is None:
        return None
    found = match.groupdict()
    if found.get("last"):
        return -1, None
    noun = (found.get("noun") or "").lower()
    return _POSITIONS[found["nth"].lower()], KIND_OF_NOUN.get(noun)


def names_own_record(text: str) -> bool:
    """Whether the message names an order, invoice or leave request itself (then it says which, by number)."""
    return bool(OWN_NUMBER_RE.search(text))


def listed_records(newest_first: Iterable[Mapping[str, Any]], kind: str | None) -> list[str]:
    """The records of the latest reply that showed two or more of one kind (`kind`, or whichever kind it showed
    two or more of, when only one), in the order shown; [] when none within `LOOK_BACK` of the person's messages."""
    users = 0
    turn: list[str] = []  # the bot's texts of one reply, newest first
    for event in newest_first:
        if event.get("event") == "user":
            if _is_later_part(event):
                continue  # the replies to every part of one message are one reply ("10263 and 10247")
            records = _records_of(list(reversed(turn)), kind)
            if records:
                return records
            users += 1
            if users > LOOK_BACK:
                return []
            turn = []
        elif event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            turn.append(" ".join([str(event.get("text") or ""), *(str(b.get("title") or "") for b in buttons)]))
    return _records_of(list(reversed(turn)), kind)


def _is_later_part(event: Mapping[str, Any]) -> bool:
    """A user event that is the second or a later part of one message (`assistant.names.part_message_id`)."""
    part_id = str(event.get("message_id") or "")
    return message_id_of(part_id) != part_id


def _records_of(texts: list[str], kind: str | None) -> list[str]:
    """The distinct records of one reply of the kind wanted, when there are two or more of it (and of no other)."""
    by_kind: dict[str, list[str]] = {}
    for text in texts:
        for match in RECORD_RE.finditer(text):
            shown = by_kind.setdefault(match.group(1), [])
            if match.group(0) not in shown:
                shown.append(match.group(0))
    listed = {k: v for k, v in by_kind.items() if len(v) >= 2 and (kind is None or k == kind)}
    return next(iter(listed.values())) if len(listed) == 1 else []


def with_record_named(text: str, newest_first: Iterable[Mapping[str, Any]]) -> str | None:
    """The message with the record its position names added after its words, or None when it names no position,
    names a record itself, or no listing has that position."""
    named = position_named(text)
    if named is None or names_own_record(text):
        return None
    position, kind = named
    records = listed_records(newest_first, kind)
    if not records or position > len(records):
        return None
    return f"{text.rstrip()} ({records[position - 1] if position > 0 else records[-1]})"
