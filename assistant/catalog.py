"""Every sentence the assistant says, by message id: the `responses` of the Rasa domain (domain.yml).

One catalog for both sides of the HTTP line: Rasa renders the `utter_...` responses its rules
and stories name from the trained domain, and our Python code (actions, the engine's own
channel replies, the demo history) renders the same entries here, so a wording exists once and
a change to it reaches every reply (and a second language is a `condition`ed variant away).

- `text("utter_x", name=value)` fills Rasa's `{name}` placeholders; an unknown id or a
  placeholder without a value is an error (`UnknownMessage`, `MissingVariable`), never a
  reply with a hole in it.
- Variants are chosen as Rasa chooses them, deterministically: the first whose `condition`s
  all hold for the `slots` given, else the first without a condition.
- `REPLY_CATALOG` (a path) points at another copy of the domain, for tests; it is read from the
  process environment because the Rasa engine (Python 3.10) has no app settings object.

Only PyYAML is needed, which both environments have.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CATALOG_ENV = "REPLY_CATALOG"
DEFAULT_CATALOG = Path(__file__).resolve().parents[1] / "domain.yml"
# Rasa's own placeholder syntax (rasa.core.nlg.interpolator): `{name}`, no nesting, no new lines.
PLACEHOLDER_RE = re.compile(r"{([^\n{}]+?)}")


class CatalogError(LookupError):
    """A reply that cannot be rendered as the catalog has it."""


class UnknownMessage(CatalogError):
    """No response with this id in the catalog."""


class MissingVariable(CatalogError):
    """The response names a placeholder that was given no value."""


def catalog_path() -> Path:
    """The domain file the replies come from: `REPLY_CATALOG`, else the repository's domain.yml."""
    configured = os.environ.get(CATALOG_ENV, "").strip()
    return Path(configured) if configured else DEFAULT_CATALOG


@lru_cache(maxsize=8)
def _load(path: str) -> dict[str, list[dict[str, Any]]]:
    """The responses of one domain file, read once per process and path: replies are rendered on every
    turn, and the domain changes only with a deployment (Rasa's own copy needs a new model anyway)."""
    try:
        with open(path, encoding="utf-8") as handle:
            domain = yaml.safe_load(handle) or {}
    except OSError as error:
        raise CatalogError(f"reply catalog {path} cannot be read: {error}") from error
    responses = domain.get("responses") or {}
    if not isinstance(responses, dict):
        raise CatalogError(f"{path}: `responses` is not a mapping")
    return responses


def responses() -> dict[str, list[dict[str, Any]]]:
    """Every response of the catalog, by id."""
    return _load(str(catalog_path()))


def has(message_id: str) -> bool:
    """Whether the catalog has a response with this id (for ids built from a code, with a fallback)."""
    return message_id in responses()


def _holds(condition: Mapping[str, Any], slots: Mapping[str, Any]) -> bool:
    return condition.get("type") == "slot" and slots.get(str(condition.get("name"))) == condition.get("value")


def variant(message_id: str, slots: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The variant Rasa would pick for these slot values (the first that fits: no random choice)."""
    variants = responses().get(message_id)
    if not variants:
        raise UnknownMessage(f"no reply {message_id!r} in the catalog ({catalog_path()})")
    slots = slots or {}
    conditional = [v for v in variants if v.get("condition")]
    for candidate in conditional:
        if all(_holds(condition, slots) for condition in candidate["condition"]):
            return candidate
    plain = [v for v in variants if not v.get("condition")]
    if not plain:
        raise UnknownMessage(f"reply {message_id!r} has no variant for these slots and none without a condition")
    return plain[0]


def fill(template: str, message_id: str, variables: Mapping[str, Any]) -> str:
    """`template` with each `{name}` replaced by `variables[name]` (as text)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables or variables[name] is None:
            raise MissingVariable(f"reply {message_id!r} needs a value for {{{name}}}")
        return str(variables[name])

    return PLACEHOLDER_RE.sub(value, template)


def text(message_id: str, /, slots: Mapping[str, Any] | None = None, **variables: Any) -> str:
    """The reply `message_id` in words, its placeholders filled from `variables`."""
    template = variant(message_id, slots).get("text")
    if not isinstance(template, str):
        raise CatalogError(f"reply {message_id!r} has no text")
    return fill(template, message_id, variables)


def said(message_id: str, /, **variables: Any) -> dict[str, str]:
    """The reply `message_id` as a message to send (`dispatcher.utter_message(**said(...))`): its words, and its name
    noted on the bot's event as Rasa notes a response's (`utter_action`), so that what the person says next can be
    read against the reply it answers ("why not?" after a refusal: `assistant/refusals.py`)."""
    return {"text": text(message_id, **variables), "utter_action": message_id}


def buttons(*choices: tuple[str, str], **variables: Any) -> list[dict[str, str]]:
    """Quick replies: each (title's message id, payload), the title from the catalog."""
    return [{"title": text(title_id, **variables), "payload": payload} for title_id, payload in choices]
