"""Signed identity tokens: each kind opens only its own door, and only while it is valid."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.identity import (
    AUD_CHANNEL,
    Identity,
    issue_channel_token,
    issue_payment_token,
    issue_session_proof,
    read_channel_token,
    read_payment_token,
    read_session_proof,
)

SECRET = "unit-test-identity-secret-0123456789abcdef"
OTHER_SECRET = "another-identity-secret-0123456789abcdef"
SENDER = "conversation-1"


def accepted_by(token: str, secret: str = SECRET) -> set[str]:
    """Which readers take `token` (as channel, session or payment token)."""
    readers: dict[str, Callable[[], object]] = {
        "channel": lambda: read_channel_token(token, secret),
        "session": lambda: read_session_proof(token, SENDER, secret),
        "payment": lambda: read_payment_token(token, secret),
    }
    return {kind for kind, read in readers.items() if read() is not None}


def tampered(token: str) -> str:
    """The same token with its claims changed but the original signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "2"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


# -- round trips -----------------------------------------------------------------------------


def test_channel_token_round_trip() -> None:
    customer = issue_channel_token("customer", "42", SECRET, name="Anna Rossi")
    assert read_channel_token(customer, SECRET) == Identity(role="customer", subject="42", name="Anna Rossi")
    employee = issue_channel_token("employee", "E-7", SECRET)
    assert read_channel_token(employee, SECRET) == Identity(role="employee", subject="E-7", name=None)


def test_session_proof_round_trip_is_bound_to_its_conversation() -> None:
    proof = issue_session_proof(42, SENDER, SECRET)
    assert read_session_proof(proof, SENDER, SECRET) == 42
    assert read_session_proof(proof, "another-conversation", SECRET) is None


def test_payment_token_round_trip() -> None:
    assert read_payment_token(issue_payment_token("INV-50042", SECRET), SECRET) == "INV-50042"


# -- kept apart ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "token"),
    [
        ("channel", issue_channel_token("customer", "42", SECRET)),
        ("session", issue_session_proof(42, SENDER, SECRET)),
        ("payment", issue_payment_token("INV-50042", SECRET)),
    ],
)
def test_audiences_cannot_be_mixed(kind: str, token: str) -> None:
    assert accepted_by(token) == {kind}


@pytest.mark.parametrize(
    "token",
    [
        issue_channel_token("customer", "42", SECRET, ttl_s=-1),
        issue_session_proof(42, SENDER, SECRET, ttl_s=-1),
        issue_payment_token("INV-50042", SECRET, ttl_s=-1),
    ],
)
def test_expired_tokens_are_refused(token: str) -> None:
    assert accepted_by(token) == set()


@pytest.mark.parametrize(
    "token",
    [
        issue_channel_token("customer", "1", SECRET),
        issue_session_proof(1, SENDER, SECRET),
        issue_payment_token("INV-50001", SECRET),
    ],
)
def test_tampered_or_foreign_tokens_are_refused(token: str) -> None:
    assert accepted_by(tampered(token)) == set()
    header, payload, signature = token.split(".")
    flipped = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]  # a fully used character
    assert accepted_by(f"{header}.{payload}.{flipped}") == set()
    assert accepted_by(token, OTHER_SECRET) == set()


def test_unsigned_and_other_algorithm_tokens_are_refused() -> None:
    claims = {"sub": "42", "role": "customer", "aud": AUD_CHANNEL, "exp": int(time.time()) + 60}
    unsigned = jwt.encode(claims, None, algorithm="none")
    hs512 = jwt.encode(claims, SECRET + "-long-enough-for-hs512-0123456789abcdef", algorithm="HS512")
    assert read_channel_token(unsigned, SECRET) is None
    assert read_channel_token(hs512, SECRET + "-long-enough-for-hs512-0123456789abcdef") is None


def test_claims_that_must_be_there() -> None:
    now = int(time.time())
    no_expiry = jwt.encode({"sub": "42", "role": "customer", "aud": AUD_CHANNEL}, SECRET, algorithm="HS256")
    no_subject = jwt.encode({"role": "customer", "aud": AUD_CHANNEL, "exp": now + 60}, SECRET, algorithm="HS256")
    other_role = jwt.encode({"sub": "42", "role": "admin", "aud": AUD_CHANNEL, "exp": now + 60}, SECRET)
    assert read_channel_token(no_expiry, SECRET) is None
    assert read_channel_token(no_subject, SECRET) is None
    assert read_channel_token(other_role, SECRET) is None


def test_oversize_tokens_are_refused_unread() -> None:
    huge = issue_channel_token("customer", "42", SECRET, name="x" * 5000)
    assert len(huge) > 4096
    assert read_channel_token(huge, SECRET) is None
    assert read_channel_token("a" * 100_000, SECRET) is None


@pytest.mark.parametrize("token", [None, "", "   ", "not-a-jwt", "a.b.c", "..", "Bearer x.y.z"])
def test_nonsense_is_refused(token: str | None) -> None:
    assert read_channel_token(token, SECRET) is None
    assert read_session_proof(token, SENDER, SECRET) is None
    assert read_payment_token(token, SECRET) is None


@given(st.text(max_size=5000))
def test_read_channel_token_never_raises_on_any_text(text: str) -> None:
    assert read_channel_token(text, SECRET) is None


JWT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="


@given(st.lists(st.text(alphabet=JWT_ALPHABET, max_size=200), min_size=1, max_size=5))
def test_read_channel_token_never_raises_on_token_shaped_text(parts: list[str]) -> None:
    """Dot-separated base64-ish parts get further into the decoder than arbitrary text."""
    assert read_channel_token(".".join(parts), SECRET) is None
