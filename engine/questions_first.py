"""A question about a request, read as that request without confidence, is put to the documents first.

Why: people ask about what a request would mean as often as they make it — "do i still have to pay the
invoice for that one?" right after a cancellation, "can i pay it off in a few chunks instead of all at
once?", "would i get my money back for 10233?", "how do i get the colour back" — and the NLU, which knows
those words from requests, reads them as the request itself at middling confidence (0.44–0.60): a list
of invoices to pay, a return form, a leave form was the reply, and the question went unanswered. Such a
message is handled as one the NLU could not place (`nlu_fallback`), marked with the request it was read
as (`QUESTION_FIRST_KEY`): the documents answer it when they support an answer
(`actions/documents.py`), and otherwise it is carried out as that request, exactly as before.

Only a question about the person's own possibilities or obligations counts ("do i…", "can i…", "will
i…", "would i…", "how do i…", "is there…", "what happens if…", at the start of a clause): "is my order
here?", "when will my vacation get okayed" and "can you cancel it?" ask for the person's records or ask
the assistant to act, and go on as requests whatever their confidence. A confident reading
(`QUESTION_BAR` or more) is never diverted.

Pure functions over a parse (dict), used by `engine/multipart.py` before a one-part message is handled.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.names import QUESTION_FIRST_KEY, TRANSACTIONAL_INTENTS

FALLBACK = "nlu_fallback"
# Below this, a request read from a question about it is not sure enough to start a flow before the
# documents are asked. The fresh sets' questions read as requests came at 0.44–0.60; requests made in
# the same words' shape come at 0.9 and more (docs/language-understanding.md).
QUESTION_BAR = 0.65

_FILLERS = r"(?:(?:ok(?:ay)?|oh|so|and|but|hmm+|right|also|well|diff(?:erent)? question|quick q(?:uestion)?)\W+)*"
_ABOUT_ME = (
    r"(?:(?:do|does|did|will|would|can|could|should|shall|may|must|am)\s+(?:i|we)|"
    r"(?:is|are)\s+there|is\s+it|how\s+(?:do|does|can|would|will|should)\s+(?:i|we)|"
    r"what\s+(?:happens|if)|what\s+would|if)\b"
)
ABOUT_A_REQUEST_RE = re.compile(rf"(?i)(?:^|[,.;:!?]\s*){_FILLERS}{_ABOUT_ME}")


def asks_about_a_request(text: str) -> bool:
    """Whether the message asks about the person's own possibilities or obligations (see the module)."""
    return bool(ABOUT_A_REQUEST_RE.search(text.strip()))


def diverted(parse: dict[str, Any]) -> dict[str, Any] | None:
    """The parse as a message the NLU could not place, marked with the request it was read as; None when the
    message is not an unsure question about a request."""
    intent = parse.get("intent") or {}
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    text = str(parse.get("text") or "")
    if name not in TRANSACTIONAL_INTENTS or confidence >= QUESTION_BAR or text.startswith("/"):
        return None
    if not asks_about_a_request(text):
        return None
    ranking = [{"name": FALLBACK, "confidence": confidence}, *(parse.get("intent_ranking") or [])]
    return {**parse, "intent": {"name": FALLBACK, "confidence": confidence}, "intent_ranking": ranking,
            QUESTION_FIRST_KEY: name}  # fmt: skip
