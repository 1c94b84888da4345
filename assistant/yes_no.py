"""A yes or a no in a person's words: the button's own words, "yep", "ok go ahead", "👍", "nah".

Why here, below the actions and the engine: the forms' confirm slots read it (actions/answers.py),
and so does the engine, which reads a typed yes at a yes/no question as the button's click
(engine/typed_buttons.py) — a clear yes that the NLU calls something else ("ok cool. yes, book the
vacation" read as a new leave request) must still answer the question asked.
"""

from __future__ import annotations

import re
import unicodedata

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
# Words that say nothing but yes ("ok", "right", "fine" may open a message that goes on to ask for something else).
SAYS_ONLY_YES = re.compile(
    r"(?i)\b(?:yes|yess+|yeah|yea|yep|yup|ya|yah|sure|go ahead|go for it|do it|please do|sounds good)\b"
)
NO_START = re.compile(rf"^(?:oh |oops |hmm |wait |actually |uh |um )*(?:{NO_WORDS})\b")
NEGATION = re.compile(r"\b(?:no|not|don'?t|do not|never|nope|nah|wait|hold on|actually|but)\b")
HEDGE = re.compile(r"\b(?:maybe|perhaps|idk|not sure|dunno|i guess|unsure|hmm+)\b")
# A sound of reluctance before a yes that says nothing but yes ("hmm ok fine, go ahead") does not take it back;
# before a weaker one ("hmm ok") it is a hedge.
RELUCTANT_START = re.compile(r"^(?:hmm+|hm+|uh+|um+|erm+|ugh+|well)\s+")
# A yes that is spoken of or made to wait is not given: "before i say yes, ...", "if it's free then ok".
YES_HELD_BACK = re.compile(r"\b(?:say|said|saying|says|before|if|unless|until|once|depends)\b")
# A question asked in the same message ("ok, do i have to pay to send it back?") is not a yes either: the
# question comes first, and the form asks its own again after the answer.
QUESTION = re.compile(
    r"\?|(?:^|[,;]\s*|\b(?:so|and|but|then|ok|okay|yes|yeah|sure|alright|right)\s+)(?:how|what|whats|when|where|why|who|which)\b|"
    r"\b(?:do|does|did)\s+(?:i|you|u|we|they|he|she)\b|"
    r"\b(?:can|could|will|would|is|are|should|shall|must|may)\s+(?:i|you|u|we|they|it|he|she|that|this|there)\b"
)


def plain(text: str) -> str:
    """Lower case, NFKC, punctuation as spaces: the words a yes or no is read from."""
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
    words = plain(raw)
    if not re.search(r"[a-z]", words):
        if emoji_yes != emoji_no:
            return emoji_yes
        return None
    if words in LETTER_ANSWERS:
        return LETTER_ANSWERS[words]
    reluctant = RELUCTANT_START.match(words)
    if reluctant and SAYS_ONLY_YES.search(words[reluctant.end() :]):
        words = words[reluctant.end() :]
    if HEDGE.search(words):
        return None
    if NO_START.match(words):
        return False
    if NEGATION.search(words) or YES_HELD_BACK.search(words) or QUESTION.search(raw.lower()):
        return None
    if YES_START.match(words):
        return True
    # "ok then yes send it", "alright, yes please": a yes after a filler.
    if re.search(r"\b(?:yes|yeah|yep|yup)\b", words):
        return True
    return None
