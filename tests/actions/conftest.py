"""What the action tests share: real rasa-sdk trackers, a real dispatcher, the real domain.

Actions run exactly as the action server runs them (`action.run(dispatcher,
tracker, domain)`), against the seeded back office the app is configured to use.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, UserUttered
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy import Engine

from assistant.identity import issue_session_proof
from assistant.settings import Settings, get_settings
from backoffice.sql.hr import SqlHR
from demo.accounts import DemoAccount
from demo.employees import DemoEmployee, demo_employees
from knowledge.ingest import ingest
from knowledge.store import KnowledgeStore

DOMAIN_FILE = Path(__file__).resolve().parents[2] / "domain.yml"
SENDER = "conversation-under-test"
UNREACHABLE_DATABASE = "postgresql+psycopg://127.0.0.1:9/none"  # port 9: nothing listens


@dataclass(frozen=True)
class Reply:
    """What one action run said and did."""

    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]
    responses: dict[str, Any] = field(default_factory=dict)

    def _text_of(self, message: dict[str, Any]) -> str:
        """The message's text, or its domain response filled in as Rasa would (first variation)."""
        if message.get("text"):
            return str(message["text"])
        name = message.get("response")
        if not name or name not in self.responses:
            return ""
        template = str(self.responses[name][0].get("text") or "")
        return template.format_map(defaultdict(str, {k: v for k, v in message.items() if v is not None}))

    @property
    def text(self) -> str:
        return "\n".join(filter(None, (self._text_of(message) for message in self.messages)))

    @property
    def buttons(self) -> list[dict[str, str]]:
        return [button for message in self.messages for button in message.get("buttons") or []]

    @property
    def slots(self) -> dict[str, Any]:
        """The slots the action set (the last value wins, as in Rasa)."""
        return {event["name"]: event["value"] for event in self.events if event.get("event") == "slot"}

    @property
    def followups(self) -> list[str]:
        return [event["name"] for event in self.events if event.get("event") == "followup"]


@pytest.fixture(scope="session")
def domain() -> DomainDict:
    """The real domain.yml, so forms and slots are the ones Rasa runs with."""
    loaded: DomainDict = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture
def make_tracker(domain: DomainDict) -> Callable[..., Tracker]:
    """`make_tracker(customer_id=, slots=, text=, intent=, confidence=, metadata=, events=, active_loop=, ranking=,
    entities=)`.

    Every domain slot starts at its initial value. `customer_id` adds a session proof
    for `sender_id`, as the identity check leaves it. Without `events`, the history is
    one bot turn followed by the latest user message.
    """

    def make(
        *,
        sender_id: str = SENDER,
        customer_id: int | None = None,
        slots: dict[str, Any] | None = None,
        text: str = "",
        intent: str | None = None,
        confidence: float = 1.0,
        metadata: dict[str, Any] | None = None,
        events: list[dict[str, Any]] | None = None,
        active_loop: str | None = None,
        ranking: list[tuple[str, float]] | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> Tracker:
        values: dict[str, Any] = {name: spec.get("initial_value") for name, spec in domain["slots"].items()}
        values["requested_slot"] = None
        if customer_id is not None:
            proof = issue_session_proof(customer_id, sender_id, get_settings().identity_secret)
            values |= {"customer_proof": proof, "customer_verified": True}
        values |= slots or {}
        latest: dict[str, Any] = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence} if intent else {},
            "entities": entities or [],
            "metadata": metadata or {},
        }
        if ranking is not None:
            latest["intent_ranking"] = [{"name": name, "confidence": confidence} for name, confidence in ranking]
        if events is None:
            events = [ActionExecuted("action_listen"), UserUttered(text, latest)]
        return Tracker(
            sender_id,
            values,
            latest,
            events,
            False,
            None,
            {"name": active_loop} if active_loop else {},
            "action_listen",
        )

    return make


@pytest.fixture
def run(domain: DomainDict) -> Callable[[Action, Tracker], Awaitable[Reply]]:
    """Run an action with a fresh `CollectingDispatcher`; any exception fails the test."""

    async def run_action(action: Action, tracker: Tracker) -> Reply:
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, tracker, domain)
        return Reply(dispatcher.messages, list(events), domain.get("responses") or {})

    return run_action


@pytest.fixture
def alice(app_accounts: list[DemoAccount]) -> DemoAccount:
    """The first demo account: the verified customer of most tests."""
    return app_accounts[0]


@pytest.fixture
def bob(app_accounts: list[DemoAccount]) -> DemoAccount:
    """Another customer, whose records must never reach Alice's conversation."""
    return app_accounts[1]


@pytest.fixture
def hr(app_engine: Engine) -> SqlHR:
    """The HR port on the app's database (real date, as the actions see it)."""
    return SqlHR(app_engine)


@pytest.fixture
def staff(hr: SqlHR) -> list[DemoEmployee]:
    return demo_employees(hr)


@pytest.fixture
def emma(staff: list[DemoEmployee]) -> DemoEmployee:
    """The employee of most tests."""
    return staff[0]


@pytest.fixture
def colleague(staff: list[DemoEmployee]) -> DemoEmployee:
    """Another employee, whose requests must never reach the first one's conversation."""
    return staff[1]


@pytest.fixture
def backoffice_down(configure_app: Callable[[str], Settings]) -> Settings:
    """The app configured for a back-office database that refuses every connection."""
    return configure_app(UNREACHABLE_DATABASE)


RETURNS = "# Returns and refunds\n\n## Return window\nReturns are accepted within 30 days of delivery.\n"
LEAVE = (
    "# Paid time off\n\n## Vacation\nEvery employee gets 20 vacation days a year.\n\n"
    "## Sick leave\nEvery employee gets 10 sick days a year.\n"
)


@pytest.fixture
def indexed(app_settings: Settings, tmp_path: Path) -> Settings:
    """A public returns page and an internal leave page, indexed where the actions look (the documents' tests)."""
    public, internal = tmp_path / "docs-public", tmp_path / "docs-internal"
    public.mkdir()
    internal.mkdir()
    (public / "returns.md").write_text(RETURNS)
    (internal / "leave.md").write_text(LEAVE)
    store = KnowledgeStore.open(app_settings.knowledge_dir)
    ingest(public, "public", "public", store)
    ingest(internal, "handbook", "internal", store)
    return app_settings


@pytest.fixture
def index_page(app_settings: Settings, tmp_path: Path) -> Callable[[str, str, str], None]:
    """`index_page(file_name, text, audience)`: one page indexed where the actions look, alone in its collection
    (a test's own documents, for an answer the test can name)."""

    def index(file_name: str, text: str, audience: str = "public") -> None:
        folder = tmp_path / f"page-{audience}"
        folder.mkdir(exist_ok=True)
        (folder / file_name).write_text(text)
        collection = "public" if audience == "public" else "handbook"
        ingest(folder, collection, audience, KnowledgeStore.open(app_settings.knowledge_dir))

    return index
