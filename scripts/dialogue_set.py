"""The conversation test set (tests/conversations/) and how one conversation is judged.

Shared by `make eval-dialogue` (scripts/eval_dialogue.py, the whole set on a fresh stack)
and the fast subset in `make test` (tests/e2e/test_dialogue_set.py, on the e2e stack), so
both judge a conversation by the same checks. A conversation succeeds only if every reply
check and every back-office check holds; a change to the back office that nobody
confirmed (listed under `unwanted`) is counted separately, because it is worse than a
failed answer. The format is described in tests/conversations/README.md.

The back office is read directly from its database before and after each conversation
(scripts/dialogue_backoffice.py, which also restores it between conversations); the
templates that name dates relative to the day the set runs are scripts/dialogue_templates.py.
"""

from __future__ import annotations

import random
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import yaml
from dialogue_backoffice import Change, Snapshot, changes_between, restore, save_snapshot, snapshot, tickets_of
from dialogue_templates import Calendar, SetError, read_calendar
from sqlalchemy import Engine

# The set's whole face, its templates' and back-office parts included, so that its users
# (scripts/eval_dialogue.py, tests/e2e/test_dialogue_set.py) import from one place.
__all__ = [
    "MAX_TURNS",
    "MIN_TURNS",
    "Calendar",
    "Change",
    "Conversation",
    "Exchange",
    "Result",
    "SetError",
    "Snapshot",
    "Turn",
    "changes_between",
    "check_replies",
    "check_state",
    "draw_splits",
    "load_set",
    "parse_persona",
    "persona_metadata",
    "read_calendar",
    "rest_poster",
    "restore",
    "run_conversation",
    "save_snapshot",
    "snapshot",
    "tickets_of",
    "unwanted_changes",
]

ROOT = Path(__file__).resolve().parents[1]
SET_DIR = ROOT / "tests" / "conversations"
SPLITS_FILE = SET_DIR / "splits.yml"
SPLIT_SEED = 21  # the issue's number: drawn once, stored in splits.yml
CHAT_TIMEOUT_S = 60.0
MIN_TURNS, MAX_TURNS = 3, 12
LEAK_MARKERS = ("Traceback", "Exception", "Error:")

REPLY_KEYS = {"any", "all", "none", "sources", "no_source", "first_button", "changed", "in"}
HANDOFF_HOURS = ("always", "closed")
STATE_KEYS = {"handoff", "handoff_message", "rma", "cancelled", "leave", "leave_cancelled"}
UNWANTED_KEYS = {"any_change", "rma", "cancelled", "leave", "leave_cancelled"}
CONVERSATION_KEYS = {
    "id", "persona", "goal", "covers", "handoff_hours", "turns", "final", "state", "unwanted", "split",
}  # fmt: skip


# -- the set ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    text: str
    click: bool = False  # `text` is a button title: send that button's payload
    expect: tuple[dict[str, Any], ...] = ()
    aside: bool = False  # small talk around the request (a greeting): its replies are not judged by `final`


@dataclass(frozen=True)
class Conversation:
    id: str
    kind: str
    persona: str
    goal: str
    turns: tuple[Turn, ...]
    final: tuple[dict[str, Any], ...] = ()
    state: dict[str, Any] = field(default_factory=dict)
    unwanted: dict[str, Any] = field(default_factory=dict)
    covers: tuple[str, ...] = ()
    handoff_hours: str = "always"
    split: str = ""
    source: str = ""


def _check_keys(where: str, given: Iterable[str], allowed: set[str]) -> None:
    unknown = set(given) - allowed
    if unknown:
        raise SetError(f"{where}: unknown key(s) {sorted(unknown)}")


def _reply_checks(where: str, raw: Any) -> tuple[dict[str, Any], ...]:
    checks = [raw] if isinstance(raw, dict) else list(raw or [])
    for check in checks:
        _check_keys(where, check, REPLY_KEYS)
        if not set(check) - {"in"}:
            raise SetError(f"{where}: a reply check with nothing to check")
        for key in ("any", "all", "none", "no_source", "first_button"):
            if key in check and not isinstance(check[key], list):
                raise SetError(f"{where}: {key} must be a list of regexes")
    return tuple(checks)


def _turn(where: str, raw: Any) -> Turn:
    if isinstance(raw, str):
        return Turn(raw)
    _check_keys(where, raw, {"say", "click", "expect", "aside"})
    if ("say" in raw) == ("click" in raw):
        raise SetError(f"{where}: a turn has either `say` or `click`")
    text = str(raw.get("say", raw.get("click")))
    return Turn(text, "click" in raw, _reply_checks(where, raw.get("expect")), bool(raw.get("aside")))


def parse_persona(persona: str) -> tuple[str, str | None]:
    """`anonymous`, `customer:ID`, `employee:ID` or `manager:ID` -> (token role, subject)."""
    if persona == "anonymous":
        return "anonymous", None
    role, _, subject = persona.partition(":")
    if role not in ("customer", "employee", "manager") or not subject.isdigit():
        raise SetError(f"bad persona {persona!r}")
    return ("customer" if role == "customer" else "employee"), subject


def load_set(folder: Path = SET_DIR, splits_file: Path | None = SPLITS_FILE) -> list[Conversation]:
    """Every conversation of every `*.yml` in `folder` (not splits.yml), validated, with its split."""
    splits: dict[str, str] = {}
    if splits_file is not None and splits_file.exists():
        splits = yaml.safe_load(splits_file.read_text())["splits"]
    found: list[Conversation] = []
    for path in sorted(folder.glob("*.yml")):
        if path.name == "splits.yml":
            continue
        data = yaml.safe_load(path.read_text())
        kind = data["kind"]
        for raw in data["conversations"]:
            where = f"{path.name}:{raw.get('id')}"
            _check_keys(where, raw, CONVERSATION_KEYS)
            _check_keys(where, raw.get("state") or {}, STATE_KEYS)
            _check_keys(where, raw.get("unwanted") or {}, UNWANTED_KEYS)
            parse_persona(raw["persona"])
            if raw.get("handoff_hours", "always") not in HANDOFF_HOURS:
                raise SetError(f"{where}: handoff_hours is one of {HANDOFF_HOURS}")
            turns = tuple(_turn(where, turn) for turn in raw["turns"])
            if not MIN_TURNS <= len(turns) <= MAX_TURNS:
                raise SetError(f"{where}: {len(turns)} user turns (a conversation has {MIN_TURNS}-{MAX_TURNS})")
            found.append(
                Conversation(
                    id=raw["id"],
                    kind=kind,
                    persona=raw["persona"],
                    goal=raw["goal"],
                    turns=turns,
                    final=_reply_checks(where, raw.get("final")),
                    state=dict(raw.get("state") or {}),
                    unwanted=dict(raw.get("unwanted") or {}),
                    covers=tuple(raw.get("covers") or ()),
                    handoff_hours=raw.get("handoff_hours", "always"),
                    split=raw.get("split") or splits.get(raw["id"], ""),
                    source=path.name,
                )
            )
    ids = [conversation.id for conversation in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SetError(f"duplicate ids: {duplicates}")
    return found


def draw_splits(conversations: list[Conversation], seed: int = SPLIT_SEED) -> dict[str, str]:
    """Half of each kind to `test`, the rest to `tune` (an odd one out goes to test), at random."""
    rng = random.Random(seed)
    by_kind: dict[str, list[str]] = defaultdict(list)
    for conversation in conversations:
        by_kind[conversation.kind].append(conversation.id)
    splits: dict[str, str] = {}
    for kind in sorted(by_kind):
        ids = sorted(by_kind[kind])
        rng.shuffle(ids)
        cut = (len(ids) + 1) // 2
        splits.update({i: "test" for i in ids[:cut]})
        splits.update({i: "tune" for i in ids[cut:]})
    return dict(sorted(splits.items()))


# -- talking and judging ------------------------------------------------------------------------


@dataclass
class Exchange:
    user: str
    replies: list[dict[str, Any]]
    aside: bool = False

    @property
    def text(self) -> str:
        """What the person sees: reply texts and button titles."""
        parts = [reply.get("text") or "" for reply in self.replies]
        parts += [button.get("title") or "" for reply in self.replies for button in reply.get("buttons") or []]
        return "\n".join(part for part in parts if part)

    @property
    def has_sources(self) -> bool:
        return any((reply.get("custom") or {}).get("sources") for reply in self.replies)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [button for reply in self.replies for button in reply.get("buttons") or []]

    @property
    def source_paths(self) -> list[str]:
        return [
            str(source.get("path", ""))
            for reply in self.replies
            for source in (reply.get("custom") or {}).get("sources") or []
        ]


@dataclass
class Result:
    conversation: Conversation
    sender: str
    exchanges: list[Exchange] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # every failed check, in order
    unwanted: list[str] = field(default_factory=list)  # changes nobody confirmed
    changes: list[str] = field(default_factory=list)
    error: str | None = None
    trail: list[str] = field(default_factory=list)  # what the engine did, kept for failures only

    @property
    def ok(self) -> bool:
        return not self.failures and not self.unwanted and self.error is None

    @property
    def first_failure(self) -> str:
        if self.error:
            return f"error: {self.error}"
        return (self.failures or [f"unwanted: {u}" for u in self.unwanted] or [""])[0]

    def to_dict(self) -> dict[str, Any]:
        c = self.conversation
        return {
            "id": c.id,
            "kind": c.kind,
            "split": c.split,
            "persona": c.persona,
            "goal": c.goal,
            "covers": list(c.covers),
            "ok": self.ok,
            "failures": self.failures,
            "unwanted": self.unwanted,
            "changes": self.changes,
            "error": self.error,
            "sender": self.sender,
            "trail": self.trail,
            "transcript": [{"user": e.user, "bot": e.text, "sources": e.has_sources} for e in self.exchanges],
        }


def check_replies(check: dict[str, Any], exchanges: list[Exchange], cal: Calendar, where: str) -> list[str]:
    """The failures of one reply check over `exchanges` (all of them, or the last with `in: last`)."""
    scope = exchanges[-1:] if check.get("in", "all") == "last" else exchanges
    seen = "\n".join(exchange.text for exchange in scope)
    failed: list[str] = []

    def found(pattern: str) -> bool:
        return re.search(cal.render(pattern), seen, re.IGNORECASE | re.MULTILINE) is not None

    if "any" in check and not any(found(p) for p in check["any"]):
        failed.append(f"{where}: none of {check['any']} in {_short(seen)}")
    if "all" in check:
        missing = [p for p in check["all"] if not found(p)]
        if missing:
            failed.append(f"{where}: missing {missing} in {_short(seen)}")
    if "none" in check:
        present = [p for p in check["none"] if found(p)]
        if present:
            failed.append(f"{where}: unwanted words {present} in {_short(seen)}")
    if "first_button" in check:
        buttons = [b for exchange in scope for b in exchange.buttons]
        first = buttons[0].get("title", "") if buttons else ""
        if not any(re.search(cal.render(p), first, re.IGNORECASE) for p in check["first_button"]):
            failed.append(f"{where}: first button {first!r} matches none of {check['first_button']}")
    if "no_source" in check:
        paths = [path for exchange in scope for path in exchange.source_paths]
        cited = [path for path in paths if any(re.search(p, path, re.IGNORECASE) for p in check["no_source"])]
        if cited:
            failed.append(f"{where}: sources that must not be cited: {cited}")
    if "sources" in check:
        has = any(exchange.has_sources for exchange in scope)
        if has != bool(check["sources"]):
            failed.append(f"{where}: sources {'missing' if check['sources'] else 'shown'}")
    return failed


def _short(seen: str, limit: int = 160) -> str:
    flat = " ".join(seen.split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "…")


def check_state(
    conversation: Conversation, changes: list[Change], tickets: list[dict[str, Any]], cal: Calendar
) -> tuple[list[str], list[Change]]:
    """Failed state checks, and the changes the state asked for (they are not unwanted)."""
    state, failed, wanted = conversation.state, [], []
    if "handoff" in state and bool(tickets) != bool(state["handoff"]):
        failed.append(f"state: handoff ticket {'missing' if state['handoff'] else 'opened'}")
    if "handoff_message" in state:
        messages = "\n".join(ticket.get("message") or "" for ticket in tickets)
        failed += check_replies(state["handoff_message"], [Exchange("", [{"text": messages}])], cal, "ticket message")
    for what in ("rma", "cancelled", "leave_cancelled"):
        for subject in state.get(what, []):
            subject = cal.render(subject)
            match = [c for c in changes if c.what == what and c.subject == subject]
            wanted += match
            if not match:
                failed.append(f"state: no {what} for {subject}")
    for leave in state.get("leave", []):
        starts, ends = cal.dates(leave["start"]), cal.dates(leave["end"])
        match = [
            c
            for c in changes
            if c.what == "leave"
            and c.detail["employee"] == int(leave["employee"])
            and date.fromisoformat(c.detail["start"]) in starts
            and date.fromisoformat(c.detail["end"]) in ends
            and ("type" not in leave or c.detail["type"] == leave["type"])
        ]
        wanted += match
        if not match:
            filed = [str(c) for c in changes if c.what == "leave"] or "none"
            failed.append(
                f"state: no leave for employee {leave['employee']} "
                f"{sorted(map(str, starts))}..{sorted(map(str, ends))} (filed: {filed})"
            )
    return failed, wanted


def unwanted_changes(conversation: Conversation, changes: list[Change], wanted: list[Change]) -> list[Change]:
    """Changes the conversation marks as unwanted: any not asked for (`any_change`), or of a kind/record.

    A leave request filed for the employee whose request the conversation expects is judged by the
    state check (wrong dates are a failure), not counted as unwanted: they confirmed what was quoted;
    a request filed during the turn that asked for it is caught by `changed: false`."""
    rules, found = conversation.unwanted, []
    employees = {int(leave["employee"]) for leave in conversation.state.get("leave", [])}
    for change in changes:
        if change in wanted or (change.what == "leave" and change.detail.get("employee") in employees):
            continue
        if rules.get("any_change"):
            found.append(change)
            continue
        rule = rules.get(change.what)
        if rule == "any" or (isinstance(rule, list) and change.subject in rule):
            found.append(change)
    return found


Poster = Callable[[str, str, dict[str, Any] | None], list[dict[str, Any]]]


def rest_poster(rasa_url: str) -> Poster:
    """Messages to the REST channel: `{"sender", "message", "metadata"}`, the bot's replies back."""
    client = httpx.Client(timeout=CHAT_TIMEOUT_S)

    def post(sender: str, message: str, metadata: dict[str, Any] | None) -> list[dict[str, Any]]:
        payload: dict[str, Any] = {"sender": sender, "message": message}
        if metadata is not None:
            payload["metadata"] = metadata
        response = client.post(f"{rasa_url}/webhooks/rest/webhook", json=payload)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code} for {message!r}: {response.text[:200]}")
        replies: list[dict[str, Any]] = response.json()
        return replies

    return post


def trail(events: list[dict[str, Any]]) -> list[str]:
    """A failed conversation's tracker in one line per step (intent, action, slot, form), to read why."""
    steps: list[str] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            intent = (event.get("parse_data") or {}).get("intent") or {}
            steps.append(f"user {event.get('text')!r} -> {intent.get('name')} {intent.get('confidence') or 0:.2f}")
        elif kind == "action" and event.get("name") != "action_listen":
            steps.append(f"  action {event.get('name')} ({event.get('policy')})")
        elif kind == "slot" and event.get("name") not in {"customer_proof", "requested_slot"}:
            steps.append(f"  slot {event.get('name')}={str(event.get('value'))[:60]}")
        elif kind == "active_loop":
            steps.append(f"  form {event.get('name')}")
    return steps


def run_conversation(
    conversation: Conversation,
    post: Poster,
    metadata: dict[str, Any] | None,
    engine: Engine,
    cal: Calendar,
) -> Result:
    """Talk the conversation through, then judge the replies and what changed in the back office."""
    sender = f"dialogue-{conversation.id}-{uuid.uuid4().hex[:8]}"
    result = Result(conversation, sender)
    role, subject = parse_persona(conversation.persona)
    cal = cal.for_person(int(subject) if role == "employee" and subject else None)
    before = snapshot(engine)
    early: list[Change] = []  # changes made during a turn that must not change anything
    for number, turn in enumerate(conversation.turns, start=1):
        message = cal.render(turn.text)
        guarded = any(check.get("changed") is False for check in turn.expect)
        turn_before = snapshot(engine) if guarded else None
        if turn.click:
            last = result.exchanges[-1].buttons if result.exchanges else []
            button = next((b for b in last if (b.get("title") or "").lower() == message.lower()), None)
            if button is None:
                result.failures.append(f"turn {number}: no button {message!r} to click")
                break
            message = button["payload"]
        try:
            replies = post(sender, message, metadata)
        except (httpx.HTTPError, RuntimeError) as error:
            result.error = f"turn {number}: {error}"
            break
        exchange = Exchange(message, replies, turn.aside)
        result.exchanges.append(exchange)
        leaked = [marker for marker in LEAK_MARKERS if marker in exchange.text]
        if leaked:
            result.failures.append(f"turn {number}: {leaked} leaked in {_short(exchange.text)}")
        for check in turn.expect:
            if set(check) - {"changed", "in"}:
                result.failures += check_replies(check, [exchange], cal, f"turn {number} ({message!r})")
        if turn_before is not None:
            made = changes_between(turn_before, snapshot(engine))
            early += made
            result.unwanted += [f"turn {number} ({message!r}): {change} before any confirmation" for change in made]
    judged = [exchange for exchange in result.exchanges if not exchange.aside]
    if judged:
        for check in conversation.final:
            result.failures += check_replies(check, judged, cal, "final")
    changes = changes_between(before, snapshot(engine))
    result.changes = [str(change) for change in changes]
    failed, wanted = check_state(conversation, changes, tickets_of(engine, sender), cal)
    result.failures += failed
    # A change already reported as made before any confirmation is one unwanted action, not two.
    later = [change for change in unwanted_changes(conversation, changes, wanted) if change not in early]
    result.unwanted += [str(change) for change in later]
    return result


def persona_metadata(persona: str, secret: str) -> dict[str, Any] | None:
    """The signed channel token a website sends for a signed-in customer or employee (managers are employees)."""
    from assistant.identity import issue_channel_token

    role, subject = parse_persona(persona)
    if subject is None:
        return None
    return {"auth_token": issue_channel_token(role, subject, secret)}  # type: ignore[arg-type]
