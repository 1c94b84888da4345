"""Every name `assistant.names` spells for both environments is one the domain defines.

A slot or action renamed in `domain.yml` but not here (or the other way round) would make the
engine and the actions silently disagree: the redaction would miss a name slot, the dashboard
would stop counting document answers. This reads the real `domain.yml`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant import names

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"
# Rasa's own actions and events, which no domain lists.
RASA_DEFAULT_ACTIONS = {"action_listen"}
RASA_EVENTS = {"agent", "user", "bot", "action", "slot", "session_started", "pause", "resume"}


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOMAIN.read_text())
    return loaded


def constants(suffix: str) -> dict[str, str]:
    return {key: value for key, value in vars(names).items() if key.endswith(suffix) and isinstance(value, str)}


def test_there_is_something_to_check() -> None:
    assert constants("_SLOT") and constants("_ACTION") and constants("_FORM") and constants("_RESPONSE")


def test_every_slot_is_in_the_domain(domain: dict[str, Any]) -> None:
    missing = {key: value for key, value in constants("_SLOT").items() if value not in domain["slots"]}
    assert not missing, f"not slots in domain.yml: {missing}"


def test_every_action_is_in_the_domain_or_rasas_own(domain: dict[str, Any]) -> None:
    known = set(domain["actions"]) | RASA_DEFAULT_ACTIONS
    missing = {key: value for key, value in constants("_ACTION").items() if value not in known}
    assert not missing, f"not actions in domain.yml: {missing}"


def test_every_form_and_response_is_in_the_domain(domain: dict[str, Any]) -> None:
    missing = {key: value for key, value in constants("_FORM").items() if value not in domain["forms"]}
    missing |= {key: value for key, value in constants("_RESPONSE").items() if value not in domain["responses"]}
    assert not missing, f"not in domain.yml: {missing}"


def test_the_name_slots_include_every_name_slot_the_domain_has(domain: dict[str, Any]) -> None:
    """A new `*_name` slot must be masked whole by the engine and in tickets: add it to NAME_SLOTS."""
    name_slots = {slot for slot in domain["slots"] if slot.endswith("_name")}
    assert name_slots <= names.NAME_SLOTS


def test_the_feedback_event_is_one_rasa_has() -> None:
    assert names.FEEDBACK_EVENT in RASA_EVENTS
