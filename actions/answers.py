"""Reading a yes or a no to the question the bot just asked (the validator of every confirm slot).

The confirm slots of the forms (`cancel_confirmed`, `leave_confirmed`, ...) are filled from
the `affirm`/`deny` intents by their domain mappings; the form's validation action also reads
the words themselves here (the button's own words, "yep", "👍"), and keeps the strict rule
for changes: a yes counts only when it is clearly one.
"""

from __future__ import annotations

import re
import unicodedata

from rasa_sdk import Tracker

# Below this NLU confidence an `affirm` that none of the words below confirms is not a yes
# (empty or garbled text can come out as `affirm` at 0.7+); the button payload always counts.
YES_CONFIDENCE = 0.9
MAX_ANSWER_CHARS = 120

YES_EMOJI = frozenset("👍✅✔☑👌🙆💯")
NO_EMOJI = frozenset("👎❌✖🙅")
YES_WORDS = (
    r"yes|yess+|yes+ please|yeah|yea|yep|yup|ya|yah|sure|ok|okay|okey|okie|k|kk|alright|all right|fine|"
    r"absolutely|definitely|of course|certainly|correct|right|exactly|indeed|affirmative|please do|"
    r"go ahead|go for it|do it|do that|confirm|confirmed|sounds good|perfect|great|deal|agreed|why not|"
    r"that'?s right|that works|works for me|please"
)
NO_WORDS = (
    r"no|nope|nah|naw|no thanks|no thank you|not now|not yet|never mind|nevermind|don'?t|do not|"
    r"negative|not really|rather not|keep it|stop|cancel that|forget it"
)
# A letter alone, as in a terminal's [y/n]: an answer only when it is the whole message ("y is it late" is not).
LETTER_ANSWERS = {"y": True, "n": False}
YES_START = re.compile(rf"^(?:{YES_WORDS})\b")
NO_START = re.compile(rf"^(?:oh |oops |hmm |wait |actually |uh |um )*(?:{NO_WORDS})\b")
NEGATION = re.compile(r"\b(?:no|not|don'?t|do not|never|nope|nah|wait|hold on|actually|but)\b")
HEDGE = re.compile(r"\b(?:maybe|perhaps|idk|not sure|dunno|i guess|unsure|hmm+)\b")
# A yes that is spoken of or made to wait is not given: "before i say yes, ...", "if it's free then ok".
YES_HELD_BACK = re.compile(r"\b(?:say|said|saying|says|before|if|unless|until|once|depends)\b")
# A question asked in the same message ("ok, do i have to pay to send it back?") is not a yes either: the
# question comes first, and the form asks its own again after the answer.
QUESTION = re.compile(
    r"\?|(?:^|[,;]\s*|\b(?:so|and|but|then|ok|okay|yes|yeah|sure|alright|right)\s+)(?:how|what|whats|when|where|why|who|which)\b|"
    r"\b(?:do|does|did)\s+(?:i|you|u|we|they|he|she)\b|"
    r"\b(?:can|could|will|would|is|are|should|shall|must|may)\s+(?:i|you|u|we|they|it|he|she|that|this|there)\b"
)


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().strip()
    text = re.sub(r"[!.,;:?\"()*~]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def read_yes_no(text: str) -> bool | None:
    """True for a yes, False for a no, None when the words are neither (or both, or a hedge)."""
    raw = (text or "").strip()
    if not raw or len(raw) > MAX_ANSWER_CHARS:
        return None
    if raw.startswith("/affirm"):
        return True
    if raw.startswith("/deny"):
        return False
    emoji_yes = any(ch in YES_EMOJI for ch in raw)
    emoji_no = any(ch in NO_EMOJI for ch in raw)
    plain = _plain(raw)
    if not re.search(r"[a-z]", plain):
        if emoji_yes != emoji_no:
            return emoji_yes
        return None
    if plain in LETTER_ANSWERS:
        return LETTER_ANSWERS[plain]
    if HEDGE.search(plain):
        return None
    if NO_START.match(plain):
        return False
    if NEGATION.search(plain) or YES_HELD_BACK.search(plain) or QUESTION.search(raw.lower()):
        return None
    if YES_START.match(plain):
        return True
    # "ok then yes send it", "alright, yes please": a yes after a filler.
    if re.search(r"\b(?:yes|yeah|yep|yup)\b", plain):
        return True
    return None


def answer_in(tracker: Tracker) -> bool | None:
    """The yes or no in the latest message: its words first, then a confident NLU intent."""
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    found = read_yes_no(text)
    if found is not None:
        return found
    intent = message.get("intent") or {}
    confident = float(intent.get("confidence") or 0.0) >= YES_CONFIDENCE and len(text) <= MAX_ANSWER_CHARS
    if confident and re.search(r"[a-z]", text.lower()) and not HEDGE.search(_plain(text)):
        if intent.get("name") == "affirm":
            return True
        if intent.get("name") == "deny":
            return False
    return None
