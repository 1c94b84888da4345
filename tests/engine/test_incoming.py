"""What every channel checks before the NLU (engine/channels/incoming.py), on its pure parts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from assistant.identity import METADATA_PROOF_KEY, issue_connector_proof, read_connector_proof
from assistant.names import METADATA_DELIVERY_KEY
from engine.channels import incoming

SECRET = "engine-test-identity-secret-0123456789abcdef"


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDENTITY_SECRET", SECRET)
    monkeypatch.delenv("CHANNEL_MAX_MESSAGE_CHARS", raising=False)


def test_only_the_identity_token_survives_of_the_metadata() -> None:
    forged = issue_connector_proof("slack", "U1", "x", "another-secret-0123456789abcdef-0123")
    message = incoming.rest_message(
        {
            "sender": "s1",
            "message": "hi",
            "input_channel": "slack",
            "metadata": {"auth_token": "abc", METADATA_PROOF_KEY: forged, "role": "employee"},
        }
    )
    assert message.metadata == {"auth_token": "abc", "role": "employee"}  # kept for the client, trusted by nobody
    assert message.sender_id == "s1" and message.text == "hi"


def test_a_numeric_sender_is_read_as_text() -> None:
    assert incoming.rest_message({"sender": 42, "message": "hi"}).sender_id == "42"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (None, "JSON object"),
        ({"message": "hi"}, "`sender` is required"),
        ({"sender": True, "message": "hi"}, "`sender` is required"),
        ({"sender": "a\nb", "message": "hi"}, "printable"),
        ({"sender": "s", "message": ""}, "`message` is required"),
        ({"sender": "s", "message": "hi", "metadata": "x"}, "`metadata` must be"),
        ({"sender": "s", "message": "hi", "metadata": [1]}, "`metadata` must be"),
        ({"sender": "s", "message": "hi", "metadata": {"x": "y" * 9000}}, "at most 8,192"),
    ],
)
def test_malformed_bodies_are_refused_with_the_reason(body: Any, reason: str) -> None:
    with pytest.raises(incoming.BadRequest, match=reason):
        incoming.rest_message(body)


def test_the_stamp_is_a_proof_for_that_sender_only() -> None:
    stamped = incoming.stamped({"auth_token": "abc"}, "rest", "s1", "127.0.0.1")
    assert stamped["auth_token"] == "abc"
    proof = read_connector_proof(stamped[METADATA_PROOF_KEY], "s1", SECRET)
    assert proof is not None and (proof.channel, proof.client) == ("rest", "127.0.0.1")
    assert read_connector_proof(stamped[METADATA_PROOF_KEY], "s2", SECRET) is None
    assert read_connector_proof(stamped[METADATA_PROOF_KEY], "s1", "some-other-secret-0123456789abcdef") is None


def test_no_secret_no_stamp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IDENTITY_SECRET")
    with pytest.raises(incoming.MissingSecret):
        incoming.stamped({}, "rest", "s1", "127.0.0.1")


def test_the_length_limit_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert incoming.too_long("x" * 2000) is None
    assert "2,001 characters" in (incoming.too_long("x" * 2001) or "")
    monkeypatch.setenv("CHANNEL_MAX_MESSAGE_CHARS", "10")
    assert incoming.too_long("x" * 11) is not None


class _Event:
    def __init__(self, kind: str, channel: str | None = None) -> None:
        self.type_name, self.input_channel = kind, channel


def test_a_conversation_belongs_to_every_channel_that_spoke_in_it() -> None:
    """REST may not continue a conversation that a Slack user (or a widget) has written in, even one REST began."""
    rest_only = [_Event("action"), _Event("user", "rest"), _Event("bot"), _Event("user", "rest")]
    assert incoming.other_channel_in(rest_only, "rest") is None
    taken_over = [*rest_only, _Event("user", "slack"), _Event("user", "rest")]
    assert incoming.other_channel_in(taken_over, "rest") == "slack"
    assert incoming.other_channel_in([_Event("user", "socketio")], "rest") == "socketio"
    assert incoming.other_channel_in([_Event("user", None)], "rest") is None  # an event added through the API


@pytest.mark.parametrize(
    ("header", "kept"),
    [
        ("4f9c2a6e0d1b4c7a8e3f5a6b7c8d9e0f", "4f9c2a6e0d1b4c7a8e3f5a6b7c8d9e0f"),  # nginx's $request_id
        ("  3fa85f64-5717-4562-b3fc-2c963f66afa6 ", "3fa85f64-5717-4562-b3fc-2c963f66afa6"),  # a client's UUID
        (None, None),
        ("", None),
        ("short", None),
        ("x" * 129, None),
        ("id with spaces inside it", None),
        ("abc123<script>", None),
    ],
)
def test_a_delivery_id_is_kept_only_when_it_is_one(header: str | None, kept: str | None) -> None:
    metadata = incoming.with_delivery_id({"auth_token": "t"}, header)
    assert metadata.get(METADATA_DELIVERY_KEY) == kept
    assert metadata["auth_token"] == "t"


def test_a_client_cannot_write_the_delivery_id_through_the_metadata() -> None:
    """Only the channel writes it, from the request's header: metadata is the client's bookkeeping."""
    message = incoming.rest_message({"sender": "s1", "message": "hi", "metadata": {METADATA_DELIVERY_KEY: "a" * 32}})
    assert METADATA_DELIVERY_KEY not in message.metadata
