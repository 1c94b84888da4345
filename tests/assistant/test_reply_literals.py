"""No user-facing sentence is built in Python outside the reply catalog (issue 19 item 3).

Reads the source of the actions, the engine, the analytics and the demo package (its history) and fails on:
a literal or f-string passed as a reply's text (`utter_message(text=...)`, a channel's own
`send_text_message`/`_say`, the demo history's `bot(...)`/`turn(...)`), a button title written
as a literal, and a module-level reply constant (`*_REPLY`, `*_REFUSALS`, ... holding sentences).
Protocol errors for client developers (a socket event's `error`, an HTTP body) are not replies.
"""

from __future__ import annotations

import ast
import re
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
