""" "Which one is overdue?" right after a listing: the listed records it names, from the listing itself.

Why: after "You owe €364.70 in total on 3 open invoices, 2 of them overdue: - INV-50114: €107.90 overdue
since …", people ask "which one is overdue" — and the documents answered with what "overdue" means. The
listing just shown holds the answer: its lines that say the word asked about ("overdue", "pending",
"shipped", "approved"). Lines are the catalog's list items (`utter_list_item`, "- …") that name a record.
"""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.order_corrections import previous_reply
from assistant import catalog

WHICH_RE = re.compile(
    r"(?i)^\W*(?:(?:ok(?:ay)?|so|and|wait|hm+|sorry|sry|um+)\W+)*which(?:\s+(?:one|ones|invoices?|orders?|requests?))?"
    r"(?:\s+of\s+(?:them|those|these))?\s+(?:is|are|was|were|has|have|got|'s|’s)\s+"
    r"(?:(?:still|already|been|the)\s+)*(?P<what>[a-z]+)(?:\s+(?:one|ones|now|then|again|pls|please))?\W*$"
)
# Everyday words for the listing's own.
SAME_AS = {"late": "overdue", "waiting": "pending", "outstanding": "overdue"}
LISTED_RE = re.compile(r"^\s*[-•]\s+(?=.*\b(?:ORD|INV|LR)-\d+)(?P<line>.+)$", re.M)


def listed_lines(tracker: Tracker) -> list[str]:
    """The listed records of the assistant's reply to the person's previous message, in order."""
    said = "\n".join(str(event.get("text") or "") for event in previous_reply(tracker))
    return [match.group("line").strip() for match in LISTED_RE.finditer(said)]


def listed_ones_named(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> bool:
    """When `text` asks which of the records just listed are of some kind and the listing says, say which."""
    asked = WHICH_RE.match(text.strip())
    if asked is None:
        return False
    what = asked.group("what").lower()
    word = re.compile(rf"(?i)\b{re.escape(SAME_AS.get(what, what))}\b")
    lines = [line for line in listed_lines(tracker) if word.search(line)]
    if not lines:
        return False
    if len(lines) == 1:
        dispatcher.utter_message(response="utter_listed_one", line=lines[0])
    else:
        items = "\n".join(catalog.text("utter_list_item", item=line) for line in lines)
        dispatcher.utter_message(response="utter_listed_these", lines=items)
    return True
