"""What a load test sends and what came back: the planned conversations and the record of a run.

Each conversation is one signed-in demo customer who greets, asks about their own orders,
asks policy questions answered from the company's documents and, in some conversations,
asks for a person (always the last turn: see scripts/loadtest.py). Every turn carries a
TURN_KEY in its metadata, so the tracker check (scripts/loadtest_check.py) finds it again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from assistant.identity import issue_channel_token

TURN_KEY = "loadtest_turn"  # metadata key that marks each user turn, so the tracker check can find it
KINDS = ("greeting", "order_status", "knowledge", "handoff")
GREETINGS = ("hi", "hello there", "good morning", "hey")
KNOWLEDGE = (
    "what is your return policy",
    "do you ship to Canada",
    "how long does delivery take",
    "which payment methods do you accept",
)
ORDER_QUESTIONS = ("where is my order {number}", "has {number} shipped?", "what is the status of order {number}")
HANDOFF = "I want to talk to a person"
# After the opening greeting: order and knowledge questions in equal parts, and now and then a greeting.
MIDDLE_KINDS = ("order_status", "knowledge", "order_status", "knowledge", "greeting")


@dataclass(frozen=True)
class PlannedTurn:
    """One message of a conversation, and what its reply must hold."""

    turn_id: str
    kind: str
    text: str
    expect: str | None  # text the reply must contain (an order question names its order)
    expects_reply: bool = True  # False for a turn sent to a paused conversation


@dataclass(frozen=True)
class Conversation:
    """One sender's turns in order, all with the same signed-in customer's channel token."""

    sender: str
    token: str
    turns: tuple[PlannedTurn, ...]


def plan_conversations(
    run_id: str,
    conversations: int,
    turns: int,
    customers: list[tuple[int, list[str]]],
    secret: str,
    handoff_every: int,
    seed: int = 7,
) -> list[Conversation]:
    """A deterministic mix: a greeting first, then order and knowledge questions, a handoff last in some.

    Seeded per conversation, so two runs with the same counts send the same messages.
    """
    planned = []
    tokens = {customer: issue_channel_token("customer", str(customer), secret) for customer, _ in customers}
    for index in range(conversations):
        rng = random.Random(seed * 1_000_003 + index)
        customer, numbers = customers[index % len(customers)]
        handoff = handoff_every > 0 and index % handoff_every == handoff_every - 1
        kinds = ["greeting"] + [rng.choice(MIDDLE_KINDS) for _ in range(turns - 1)]
        if handoff:
            kinds[-1] = "handoff"
        sender = f"load-{run_id}-{index}"
        planned_turns = []
        for turn, kind in enumerate(kinds):
            text, expect = _message(kind, rng, numbers)
            planned_turns.append(PlannedTurn(f"{sender}/{turn}", kind, text, expect))
        planned.append(Conversation(sender, tokens[customer], tuple(planned_turns)))
    return planned


def _message(kind: str, rng: random.Random, numbers: list[str]) -> tuple[str, str | None]:
    if kind == "greeting":
        return rng.choice(GREETINGS), None
    if kind == "knowledge":
        return rng.choice(KNOWLEDGE), None
    if kind == "handoff":
        return HANDOFF, None
    number = rng.choice(numbers)
    return rng.choice(ORDER_QUESTIONS).format(number=number), number


@dataclass
class TurnResult:
    """What happened to one sent turn: its latency, the REST reply's texts, or why it failed."""

    turn: PlannedTurn
    latency_ms: float
    status: int | None  # None: no HTTP response (time-out, refused connection)
    reply_texts: list[str]
    error: str | None

    @property
    def acknowledged(self) -> bool:
        """The server took the turn (HTTP 200): from here on it must be in the tracker."""
        return self.status == 200


@dataclass
class LoadRun:
    """Everything the load phase produced, for the report and the tracker check."""

    results: dict[str, list[TurnResult]] = field(default_factory=dict)  # by sender
    planned_turns: int = 0
    wall_s: float = 0.0
    load_samples: list[float] = field(default_factory=list)  # 1-minute load average during the run
