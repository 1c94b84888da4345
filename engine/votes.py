"""Counting the committee's votes (engine/committee.py) and reading the result, apart from Rasa.

Why apart: `scripts/tune_committee.py` scores weights offline, in the app environment where Rasa is not
installed, and must count the votes and judge ambiguity exactly as the server does (`engine/committee.py`,
`engine/fallback.py`); both import these functions.
"""

from __future__ import annotations

import re

from assistant.names import TRANSACTIONAL_INTENTS

Ranking = list[tuple[str, float]]
ANSWER_INTENT = "inform"  # giving a value (an order number, an e-mail, dates) and nothing else
OUT_OF_SCOPE = "out_of_scope"


def weighted_average(votes: list[tuple[float, Ranking]]) -> Ranking:
    """Each intent's confidence averaged over the votes by weight (an intent a ranking leaves out
    counts 0 there), best first; ties broken by name, so the same votes always give the same order."""
    total = sum(weight for weight, _ in votes)
    if total <= 0:
        return []
    scores: dict[str, float] = {}
    for weight, ranking in votes:
        for name, confidence in ranking:
            scores[name] = scores.get(name, 0.0) + weight * confidence / total
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def rivals(ranking: Ranking) -> Ranking:
    """The ranking the ambiguity check compares: without `inform` when it is second behind a request of ours.

    Giving details is part of making a request ("where is ORD-10261? my email is ..."), not a rival
    reading of it; out of scope stays subject to the full check (`engine/fallback.py`).
    """
    if len(ranking) >= 2 and ranking[0][0] not in (ANSWER_INTENT, OUT_OF_SCOPE) and ranking[1][0] == ANSWER_INTENT:
        return [ranking[0], *ranking[2:]]
    return ranking


def below_request_bar(intent: str | None, confidence: float, bar: float, text: str = "") -> bool:
    """A transactional intent (one that starts a flow on someone's records) read with less confidence than
    the requests' own bar (`request_threshold`, engine/fallback.py): a fallback, asked about instead — unless the
    message names the record of the request's own kind by its number with its prefix (`names_its_record`)."""
    return intent in TRANSACTIONAL_INTENTS and confidence < bar and not names_its_record(intent, text)


# A record named with the prefix of its kind ("INV-50022", "ord 10235", "LR-00355"): no message out of our scope
# writes one, so a request of that kind that names it is no request taken from chatter ("whatever. send me a link
# for INV-50022 then", invoice_pay 0.30, had been asked about instead of carried out).
_RECORDS_OF_A_KIND = (
    ("invoice_", re.compile(r"(?i)\binv[-\s]?\d{5}\b")),
    ("order_", re.compile(r"(?i)\bord[-\s]?\d{5}\b")),
    ("leave_", re.compile(r"(?i)\blr[-\s]?\d{5}\b")),
)


def names_its_record(intent: str | None, text: str) -> bool:
    """Whether the message names a record of the intent's kind by its prefixed number."""
    return any(str(intent).startswith(kind) and pattern.search(text or "") for kind, pattern in _RECORDS_OF_A_KIND)
