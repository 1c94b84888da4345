"""No user-facing sentence is built in Python outside the reply catalog (issue 19 item 3).

Reads the source of the actions, the engine, the analytics and the demo package (its history) and fails on:
a literal or f-string passed as a reply's text (`utter_message(text=...)`, a channel's own
`send_text_message`/`_say`, the demo history's `bot(...)`/`turn(...)`), a button title written
as a literal, and a module-level reply constant (`*_REPLY`, `*_REFUSALS`, ... holding sentences).
Protocol errors for client developers (a socket event's `error`, an HTTP body) are not replies.

The words around values are the catalog's too. The modules that say dates, numbers and states
back (assistant/dates.py, assistant/formatting.py) may not compose text themselves (an f-string
or a `+` with words, spaces or punctuation in it, a literal separator's `.join`); no reply shows a
stored code as it is (`status=order.status`, `reason.replace("_", " ")`); and the back office
refuses with a reason code and facts as values, never a sentence (`NotAllowed("too_long", "at most
60 working days")`), so that the reply words them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("actions", "engine", "analytics", "demo")
CONSTANT_NAME = re.compile(r"(REPLY|REPLIES|REFUSALS|MESSAGES?|TEXTS?|BUTTONS)$")
# Callee name -> the positional index of its text (None: only the `text=` keyword).
TEXT_ARGUMENTS: dict[str, int | None] = {"utter_message": None, "send_text_message": 1, "_say": 1, "bot": 0, "turn": 3}


def literal_text(node: ast.AST | None) -> bool:
    """A sentence written in the code: a string literal with a space, an f-string, or a sum with one."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and " " in node.value
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return literal_text(node.left) or literal_text(node.right)
    if isinstance(node, ast.IfExp):
        return literal_text(node.body) or literal_text(node.orelse)
    return False


def callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def violations(source: str) -> list[str]:
    """Where `source` builds a reply outside the catalog, as `line: what`."""
    found = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and callee(node) in TEXT_ARGUMENTS:
            position = TEXT_ARGUMENTS[callee(node)]
            texts = [k.value for k in node.keywords if k.arg in ("text", "reply")]
            if position is not None and len(node.args) > position:
                texts.append(node.args[position])
            if any(literal_text(text) for text in texts):
                found.append(f"{node.lineno}: a literal reply passed to {callee(node)}()")
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "title" and literal_text(value):
                    found.append(f"{node.lineno}: a literal button title")
    for statement in tree.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        named = any(CONSTANT_NAME.search(name) for name in names)
        if named and any(literal_text(part) for part in ast.walk(statement.value)):
            found.append(f"{statement.lineno}: a reply constant {names[0]}")
    return found


# The modules that say dates, numbers, lists and states back: every word around a value is the catalog's.
SAYING_BACK = ("assistant/dates.py", "assistant/formatting.py")
# A message id or a part of one (`utter_status_`, `_`): the only text an f-string there may hold.
IDENTIFIER = re.compile(r"[A-Za-z0-9_]*")
# Attributes that hold a stored code: shown to a person only through the catalog (formatting.status).
CODE_ATTRIBUTES = frozenset({"status", "reason", "detail", "value"})
REPLY_CALLS = frozenset({"utter_message", "text", "buttons"})


def words_in(node: ast.AST) -> bool:
    """A string literal that is more than an identifier: words, spaces or punctuation to put around values."""
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and not IDENTIFIER.fullmatch(node.value)


def literal_separator(node: ast.AST) -> bool:
    """`" – ".join(...)`: parts joined by a separator written in the code (an empty one joins nothing)."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join"):
        return False
    return isinstance(node.func.value, ast.Constant) and bool(node.func.value.value)


def composed_text(source: str) -> list[str]:
    """Where `source` composes text itself (for the SAYING_BACK modules), as `line: what`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr) and any(words_in(part) for part in node.values):
            found.append(f"{node.lineno}: an f-string with words around its values")
        if isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Add):
            operands = (node.left, node.right) if isinstance(node, ast.BinOp) else (node.value,)
            if any(words_in(operand) for operand in operands):
                found.append(f"{node.lineno}: text joined with +")
        if literal_separator(node):
            found.append(f"{node.lineno}: a literal separator")
    return found


def codes_shown(source: str) -> list[str]:
    """Where `source` puts a stored code into a reply as it is, as `line: what`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        if callee(node) in REPLY_CALLS:
            for keyword in node.keywords:
                value = keyword.value
                if keyword.arg and isinstance(value, ast.Attribute) and value.attr in CODE_ATTRIBUTES:
                    found.append(f"{node.lineno}: a stored code ({keyword.arg}) shown as it is")
        if callee(node) == "replace" and [getattr(a, "value", None) for a in node.args] == ["_", " "]:
            found.append(f"{node.lineno}: a code turned into words")
    return found


def worded_refusals(source: str) -> list[str]:
    """Where `source` (the back office) gives a refusal words instead of a reason code and facts."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and callee(node) == "NotAllowed":
            values = node.args[1:] + [k.value for k in node.keywords]
            if len(node.args) > 1 or any(literal_text(v) or isinstance(v, ast.JoinedStr) for v in values):
                found.append(f"{node.lineno}: a refusal with words (give facts by name, as values)")
    return found


def scanned_modules() -> list[Path]:
    return sorted(path for package in SCANNED for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", scanned_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_reply_is_written_outside_the_catalog(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        'dispatcher.utter_message(text="Sorry, no.")',
        'dispatcher.utter_message(text=f"Order {n} is gone.")',
        'dispatcher.utter_message(text="Your leave:\\n" + lines)',
        'await self._say(chat_id, "Please write to me in private.")',
        'w.bot(f"Order {order} is shipped.", 12.0)',
        'w.turn("hi", "greet", "utter_greet", "Hello there!", 3.0)',
        'BUTTONS = [{"title": "Yes, cancel it", "payload": "/affirm"}]',
        'NOT_FOUND_REPLY = "I could not find it."',
        'REFUSALS = {"late": "It is too late for that."}',
    ],
)
def test_a_sentence_coming_back_into_the_code_is_caught(source: str) -> None:
    assert violations(source)


@pytest.mark.parametrize(
    "source",
    [
        'dispatcher.utter_message(text=catalog.text("utter_order_not_found", order=n))',
        'dispatcher.utter_message(response="utter_cancelled", order=n)',
        'dispatcher.utter_message(text=contract["answer"])',
        'NOT_ON_ACCOUNT = "utter_order_not_found"',
        'BUTTONS = catalog.buttons(("utter_button_no", "/deny"))',
    ],
)
def test_replies_through_the_catalog_pass(source: str) -> None:
    assert violations(source) == []


@pytest.mark.parametrize(
    "path", [*scanned_modules(), *(ROOT / m for m in SAYING_BACK)], ids=lambda path: str(path.relative_to(ROOT))
)
def test_no_stored_code_is_shown_as_it_is(path: Path) -> None:
    assert codes_shown(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("module", SAYING_BACK)
def test_dates_and_numbers_are_said_back_in_the_catalog_words(module: str) -> None:
    assert composed_text((ROOT / module).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", sorted((ROOT / "backoffice").rglob("*.py")), ids=lambda path: path.name)
def test_the_back_office_refuses_with_codes_and_facts(path: Path) -> None:
    assert worded_refusals(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("check", "source"),
    [
        # What assistant/dates.describe_range did before it used the catalog.
        (composed_text, 'label = f"{WEEKDAY_NAMES[day.weekday()]} {day.day}"'),
        (composed_text, 'return "" if part is DayPart.FULL else f" ({part.value})"'),
        (composed_text, 'return f"{start} – {end}"'),
        (composed_text, 'label += " " + MONTH_NAMES[day.month - 1]'),
        (composed_text, 'return " to ".join(halves)'),
        # A raw code in a reply, and one made to look like words.
        (codes_shown, 'dispatcher.utter_message(response="utter_x", number=n, status=request.status.value)'),
        (codes_shown, 'catalog.text("utter_order_label", order=o.number, status=o.status)'),
        (codes_shown, 'reason = refusal.reason.replace("_", " ")'),
        (codes_shown, 'catalog.text("utter_leave_refused", detail=refusal.detail)'),
        # What the back office refused with before its refusals carried facts.
        (worded_refusals, 'raise NotAllowed("too_long", f"at most {days} working days")'),
        (worded_refusals, 'raise NotAllowed("window_expired", "delivered too long ago")'),
        (worded_refusals, 'raise NotAllowed("overlaps", clash.number)'),
    ],
)
def test_sentence_building_around_values_is_caught(check: Callable[[str], list[str]], source: str) -> None:
    assert check(source)


@pytest.mark.parametrize(
    ("check", "source"),
    [
        (composed_text, 'catalog.text(f"utter_day_part_{part.value}")'),
        (composed_text, 'catalog.text("utter_date_range", start=start, end=end)'),
        (composed_text, 'return "".join(parts)'),
        (codes_shown, 'catalog.text("utter_order_label", status=formatting.status("order", o.status))'),
        (worded_refusals, 'raise NotAllowed("overlaps", request=clash.number)'),
        (worded_refusals, 'raise NotAllowed("already_paid")'),
    ],
)
def test_values_worded_by_the_catalog_pass(check: Callable[[str], list[str]], source: str) -> None:
    assert check(source) == []
