"""The conversation test set (tests/conversations/) and how one conversation is judged.

Shared by `make eval-dialogue` (scripts/eval_dialogue.py, the whole set on a fresh stack)
and the fast subset in `make test` (tests/e2e/test_dialogue_set.py, on the e2e stack), so
both judge a conversation by the same checks. A conversation succeeds only if every reply
check and every back-office check holds; a change to the back office that nobody
confirmed (listed under `unwanted`) is counted separately, because it is worse than a
failed answer. The format is described in tests/conversations/README.md.

The back office is read directly from its database (never through the running
processes), before and after each conversation; `restore` puts the changed tables back
from a snapshot so that conversations that cancel, return or book leave do not change
what the next one finds.
"""

from __future__ import annotations

import calendar
import random
import re
import sqlite3
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import Engine, text

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
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
# Tables a conversation may change (and `restore` puts back): orders, returns, invoices,
# payments, leave requests, and the identity check's failure log (it limits guesses per hour).
MUTABLE_TABLES = ("orders", "returns", "invoices", "payments", "leave_requests", "verification_failures")


class SetError(ValueError):
    """The set itself is malformed (unknown key, duplicate id, bad persona): fix the file."""


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


# -- templates ----------------------------------------------------------------------------------

TEMPLATE_RE = re.compile(r"\{([a-z][a-z0-9+\-:~]*)(?:\|([^{}]*))?\}")
DATE_RE = re.compile(r"^(today|tomorrow|next-(mon|tue|wed|thu|fri|sat|sun)|m\+(\d+):(\d+)(~)?)([+-]\d+)?$")


@dataclass(frozen=True)
class Calendar:
    """What the templates need to know about the day the set runs on (read from the back office)."""

    today: date
    holidays: frozenset[date] = frozenset()
    paydays: tuple[date, ...] = ()
    pending: dict[int, tuple[str, date]] = field(default_factory=dict)  # employee -> (number, start)

    def working(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def day_of(self, expression: str) -> date:
        """`today`, `tomorrow`, `next-fri`, `m+1:3`, `m+1:3~` (see the set's README), then `+N`/`-N` days."""
        match = DATE_RE.match(expression)
        if match is None:
            raise SetError(f"bad date expression {expression!r}")
        base, weekday, months, day, settle, shift = match.groups()
        if base == "today":
            result = self.today
        elif base == "tomorrow":
            result = self.today + timedelta(days=1)
        elif weekday:
            ahead = (WEEKDAYS[weekday] - self.today.weekday() - 1) % 7 + 1
            result = self.today + timedelta(days=ahead)
        else:
            index = self.today.month - 1 + int(months)
            year, month = self.today.year + index // 12, index % 12 + 1
            result = date(year, month, min(int(day), calendar.monthrange(year, month)[1]))
            if settle:
                result = self._settled_tuesday(result)
        return result + timedelta(days=int(shift or 0))

    def _settled_tuesday(self, day: date) -> date:
        """The first Tuesday from `day` whose Monday to Friday are all working days."""
        day += timedelta(days=(1 - day.weekday()) % 7)
        while not all(self.working(day + timedelta(days=offset)) for offset in range(-1, 4)):
            day += timedelta(days=7)
        return day

    def value(self, name: str) -> date | str:
        if name == "payday":
            return next(day for day in self.paydays if day >= self.today)
        if name.startswith(("pending:", "pending-start:")):
            kind, _, employee = name.partition(":")
            number, start = self.pending[int(employee)]
            return number if kind == "pending" else start
        return self.day_of(name)

    def render(self, template: str) -> str:
        """Fill every `{name}` / `{name|format}`; a date without a format is ISO."""

        def fill(match: re.Match[str]) -> str:
            value = self.value(match.group(1))
            if isinstance(value, date):
                return value.strftime(match.group(2)) if match.group(2) else value.isoformat()
            return value

        return TEMPLATE_RE.sub(fill, template)

    def dates(self, raw: str | list[str]) -> set[date]:
        """The acceptable dates of a `leave` check (a template or a list of them)."""
        return {date.fromisoformat(self.render(item)) for item in ([raw] if isinstance(raw, str) else raw)}


def read_calendar(engine: Engine, today: date | None = None) -> Calendar:
    """Holidays, pay dates and each employee's next pending request, as the back office has them."""
    day = today or date.today()
    with engine.connect() as connection:
        holidays = frozenset(
            date.fromisoformat(str(row[0])) for row in connection.execute(text("SELECT day FROM public_holidays"))
        )
        paydays = tuple(
            sorted(date.fromisoformat(str(row[0])) for row in connection.execute(text("SELECT day FROM pay_dates")))
        )
        rows = connection.execute(
            text(
                "SELECT employee_id, number, start_date FROM leave_requests "
                "WHERE status = 'pending' AND start_date > :today ORDER BY start_date, id"
            ),
            {"today": day.isoformat()},
        )
        pending: dict[int, tuple[str, date]] = {}
        for employee, number, start in rows:
            pending.setdefault(int(employee), (number, date.fromisoformat(str(start))))
    return Calendar(day, holidays, paydays, pending)


# -- the back office before and after -----------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One change to the back office: what (`cancelled`, `rma`, `leave`, ...) and to which record."""

    what: str
    subject: str  # order number, leave request number, invoice number
    detail: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        extra = f" {self.detail}" if self.detail else ""
        return f"{self.what} {self.subject}{extra}"


@dataclass(frozen=True)
class Snapshot:
    orders: dict[str, str]
    returns: frozenset[str]  # order numbers with a return authorisation
    voided: dict[str, str | None]  # invoice number -> its order number, for voided invoices
    payments: int
    leave: dict[str, tuple[int, str, str, str, str]]  # number -> (employee, type, start, end, status)
    failures: int


def snapshot(engine: Engine) -> Snapshot:
    with engine.connect() as connection:

        def rows(sql: str) -> list[Any]:
            return list(connection.execute(text(sql)))

        return Snapshot(
            orders={number: status for number, status in rows("SELECT number, status FROM orders")},
            returns=frozenset(
                row[0] for row in rows("SELECT o.number FROM returns r JOIN orders o ON o.id = r.order_id")
            ),
            voided={
                number: order
                for number, order in rows(
                    "SELECT i.number, o.number FROM invoices i LEFT JOIN orders o ON o.id = i.order_id "
                    "WHERE i.voided_at IS NOT NULL"
                )
            },
            payments=int(rows("SELECT count(*) FROM payments")[0][0]),
            leave={
                row[0]: (int(row[1]), row[2], str(row[3]), str(row[4]), row[5])
                for row in rows(
                    "SELECT number, employee_id, leave_type, start_date, end_date, status FROM leave_requests"
                )
            },
            failures=int(rows("SELECT count(*) FROM verification_failures")[0][0]),
        )


def changes_between(before: Snapshot, after: Snapshot) -> list[Change]:
    """What a conversation changed. Voiding a cancelled order's invoice is part of that cancellation."""
    found: list[Change] = []
    for number, status in after.orders.items():
        if before.orders.get(number) != status:
            what = "cancelled" if status == "cancelled" else "order_status"
            found.append(Change(what, number, {"from": before.orders.get(number), "to": status}))
    found += [Change("rma", number) for number in sorted(after.returns - before.returns)]
    cancelled = {change.subject for change in found if change.what == "cancelled"}
    for invoice, order in after.voided.items():
        if invoice not in before.voided and order not in cancelled:
            found.append(Change("invoice_voided", invoice))
    if after.payments != before.payments:
        found.append(Change("payment", "-", {"count": after.payments - before.payments}))
    for number, (employee, kind, start, end, status) in after.leave.items():
        old = before.leave.get(number)
        detail = {"employee": employee, "type": kind, "start": start, "end": end}
        if old is None:
            found.append(Change("leave", number, detail))
        elif old[4] != status:
            what = "leave_cancelled" if status == "cancelled" else "leave_status"
            found.append(Change(what, number, {**detail, "from": old[4], "to": status}))
    return found


def restore(database: Path, snapshot_file: Path) -> None:
    """Put the tables a conversation may change back as they were seeded (one transaction)."""
    connection = sqlite3.connect(database, timeout=30)
    try:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("ATTACH DATABASE ? AS seeded", (str(snapshot_file),))
        with connection:
            for table in MUTABLE_TABLES:
                connection.execute(f"DELETE FROM main.{table}")
                connection.execute(f"INSERT INTO main.{table} SELECT * FROM seeded.{table}")
        connection.execute("DETACH DATABASE seeded")
    finally:
        connection.close()


def save_snapshot(database: Path, snapshot_file: Path) -> None:
    """A consistent copy of the freshly seeded database (SQLite's backup API)."""
    snapshot_file.unlink(missing_ok=True)
    source, target = sqlite3.connect(database), sqlite3.connect(snapshot_file)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def tickets_of(engine: Engine, sender: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, status, reason, message FROM handoff_tickets WHERE sender_id = :sender"),
            {"sender": sender},
        )
        return [dict(row._mapping) for row in rows]


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


# -- the report ---------------------------------------------------------------------------------


def summary(results: list[Result]) -> dict[str, Any]:
    """Success per kind and overall, per split, and the unwanted actions."""
    out: dict[str, Any] = {}
    for split in ("test", "tune", "all"):
        chosen = [r for r in results if split == "all" or r.conversation.split == split]
        if not chosen:
            continue
        kinds: dict[str, list[Result]] = defaultdict(list)
        for result in chosen:
            kinds[result.conversation.kind].append(result)
        out[split] = {
            "conversations": len(chosen),
            "succeeded": sum(r.ok for r in chosen),
            "rate": sum(r.ok for r in chosen) / len(chosen),
            "unwanted_actions": sum(len(r.unwanted) for r in chosen),
            "conversations_with_unwanted": sum(bool(r.unwanted) for r in chosen),
            "per_kind": {
                kind: {"n": len(rs), "succeeded": sum(r.ok for r in rs), "rate": sum(r.ok for r in rs) / len(rs)}
                for kind, rs in sorted(kinds.items())
            },
        }
    return out


def format_report(results: list[Result]) -> str:
    numbers = summary(results)
    lines: list[str] = []
    for split, block in numbers.items():
        title = "all conversations" if split == "all" else f"{split} half"
        lines.append(
            f"\n{title}: {block['succeeded']}/{block['conversations']} fully successful "
            f"({block['rate']:.0%}); unwanted actions: {block['unwanted_actions']} "
            f"in {block['conversations_with_unwanted']} conversation(s)"
        )
        lines.append(f"  {'kind':<20} {'n':>3} {'ok':>3} {'rate':>6}")
        for kind, row in block["per_kind"].items():
            lines.append(f"  {kind:<20} {row['n']:>3} {row['succeeded']:>3} {row['rate']:>6.0%}")
    failing = [r for r in results if not r.ok]
    if failing:
        lines.append(f"\nfailing conversations ({len(failing)}):")
        for result in failing:
            c = result.conversation
            flag = " [UNWANTED ACTION]" if result.unwanted else ""
            lines.append(f"  {c.split or '-':<4} {c.id:<34}{flag} {result.first_failure}")
    return "\n".join(lines)
