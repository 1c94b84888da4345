"""What kind of fact a question asks for, and whether a sentence states one.

The classic answer-type check of extractive question answering, without a model:
"how long do I have to buy my shares" wants a span of time, so "You have 7 years
to exercise your options" beats "Owning stock in Clef gives you a stake in our
success", which an embedding finds just as close. A question that mentions a span
itself ("I referred a friend 8 months ago") is about a time limit too.

Kinds:
- `TIME`: a span, frequency or date ("12 weeks", "45-50 hours", "every Friday",
  "within 180 days", "on the 15th");
- `AMOUNT`: money or a share ("$2,000", "85%", "half");
- `NUMBER`: any number ("3 to 5 objectives").
"""

from __future__ import annotations

import re
from enum import Enum


class Kind(Enum):
    TIME = "time"
    AMOUNT = "amount"
    NUMBER = "number"


_NUMBER = (
    r"(?:\d+(?:[.,]\d+)?(?:\s*(?:-|–|to)\s*\d+(?:[.,]\d+)?)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety|hundred|several|few|half\s+a)"
)
_TIME_UNIT = r"(?:minute|hour|day|week|month|quarter|year|yr|wk)s?"
# "12 weeks", "12 contiguous weeks", "45-50 hours", "twelve (12) months", "2-year"
_SPAN = rf"\b{_NUMBER}(?:\s*\(\d+\))?[\s-]+(?:[a-z]+[\s-]+)?{_TIME_UNIT}\b"
_CALENDAR = (
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekly|monthly|yearly|annually|quarterly|daily|"
    r"every\s+(?:day|week|month|quarter|year)|january|february|march|april|may|june|july|august|september|october|"
    r"november|december|\d{1,2}(?:st|nd|rd|th)|(?:first|second|third|fourth|fifth|sixth|last)\s+(?:day|week|month)|"
    r"\d{1,2}(?::\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d\d|(?:mon|tue|wed|thu|fri|sat|sun)\s*(?:-|–|to)\s*(?:mon|tue|wed|thu|fri|sat|sun))\b"
)
_SPAN_RE = re.compile(_SPAN, re.I)
TIME_RE = re.compile(rf"(?i){_SPAN}|{_CALENDAR}")
# Currencies by sign or by ISO code ("EUR 5.00", "12 CHF").
_CURRENCY_CODE = r"(?:eur|usd|gbp|chf|cad|aud|nzd|sek|nok|dkk|pln|czk|huf|jpy|cny|inr|zar)"
AMOUNT_RE = re.compile(
    rf"(?i)[$€£]\s?\d|\d\s?%|\b(?:percent|dollars?|euros?|half|quarter of)\b|\b\d+k\b|"
    rf"\b{_CURRENCY_CODE}\s?\d|\d(?:[.,]\d+)?\s?{_CURRENCY_CODE}\b"
)
NUMBER_RE = re.compile(
    r"(?i)\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|once|twice)\b"
)

_TIME_QUESTION = re.compile(
    rf"(?i)\b(?:how\s+(?:long|often|soon|early|late|far\s+ahead|far\s+in\s+advance)|when|by\s+when|until\s+when|"
    rf"what\s+(?:time|date|day|days|hours)|which\s+(?:day|days|date|month|week)|"
    rf"what\s+(?:are|is)\s+(?:the\s+|your\s+|our\s+)?(?:\w+\s+)?(?:hours|times|dates|deadlines?)|"
    rf"how\s+many\s+(?:\w+\s+)?{_TIME_UNIT}|how\s+much\s+(?:time|notice|leave|vacation|time\s+off)|"
    rf"working\s+hours|deadline)\b"
)
# Money asked for by the thing charged ("is there a fine for paying late", "do you charge for delivery",
# "what does assembly cost"): a sentence stating an amount answers it, "no other fees are charged" does not.
_CHARGE = r"(?:fee|fine|charge|penalty|surcharge|cost|price)s?"
_AMOUNT_QUESTION = re.compile(
    r"(?i)\b(?:how\s+much|what\s+percent(?:age)?|what\s+share|how\s+many\s+(?:dollars|euros)|how\s+expensive|"
    rf"(?:is|are)\s+there\s+(?:a|an|any)\s+(?:\w+\s+)?{_CHARGE}|what(?:'?s|\s+is|\s+are)\s+the\s+(?:\w+\s+)?{_CHARGE}|"
    r"do\s+(?:you|they|i|we)\s+(?:have\s+to\s+pay|get\s+charged|charge)|what\s+(?:does|do|will)\s+(?:\w+\s+){1,5}cost)\b"
)
_NUMBER_QUESTION = re.compile(r"(?i)\bhow\s+many\b|\bwhat\s+(?:is\s+the\s+)?(?:number|limit|maximum|minimum|max|cap)\b")


def expected_kind(question: str) -> Kind | None:
    """The kind of fact that answers the question, if it asks for one."""
    if _TIME_QUESTION.search(question) or _SPAN_RE.search(question):
        return Kind.TIME
    if _AMOUNT_QUESTION.search(question):
        return Kind.AMOUNT
    if _NUMBER_QUESTION.search(question):
        return Kind.NUMBER
    return None


def states(sentence: str, kind: Kind) -> bool:
    """Whether the sentence states a fact of that kind."""
    if kind is Kind.TIME:
        return bool(TIME_RE.search(sentence))
    if kind is Kind.AMOUNT:
        return bool(AMOUNT_RE.search(sentence))
    return bool(NUMBER_RE.search(sentence))
