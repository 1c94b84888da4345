"""A message of a word or two after a question the documents answered: with that question or alone, whichever the
documents support better (`follow_ups.read_in_context`, `documents.answer_in_context`), on the company's own pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa_sdk import Action, Tracker

from actions.documents import ActionAnswerFromDocuments
from actions.follow_ups import Reading, read_in_context
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = ROOT / "demo" / "company_docs" / "public"
Run = Callable[[Action, Tracker], Awaitable[Any]]


def sources_of(reply: Any) -> list[str]:
    return [source["path"] for m in reply.messages if m.get("custom") for source in m["custom"]["sources"]]


async def test_a_short_message_is_read_alone_or_with_the_question_before_as_the_documents_say(
    run: Run,
    make_tracker: Callable[..., Tracker],
    app_settings: Settings,
    index_page: Callable[[str, str, str], None],
) -> None:
    """ "iceland?" after shipping to Norway continues it; "opening hours?" after the warranty on garden furniture
    asks something of its own (read only with the question before, it got the warranty again)."""
    for page in ("shipping.md", "contact.md", "warranty.html"):
        index_page(page, (PUBLIC / page).read_text(), "public")

    def after(previous: str, text: str, intent: str, confidence: float) -> Tracker:
        slots = {"last_question": previous}
        return make_tracker(text=text, intent=intent, confidence=confidence, slots=slots)

    hours = await run(
        ActionAnswerFromDocuments(),
        after("whats the warranty on garden furniture", "opening hours?", "ask_policy", 0.68),
    )
    assert sources_of(hours)[:1] == ["contact.md"], hours.text
    assert "guarantee" not in hours.text
    iceland = await run(ActionAnswerFromDocuments(), after("do u ship to norway", "iceland?", "nlu_fallback", 0.3))
    assert sources_of(iceland)[:1] == ["shipping.md"], iceland.text


def test_a_word_or_two_is_asked_both_ways_and_the_better_supported_answer_taken() -> None:
    previous = "do u ship to norway"
    assert read_in_context("iceland?", previous) == Reading(
        ((f"{previous} iceland?", 1.0), ("iceland?", None)), best_supported=True
    )
    assert read_in_context("and for sick days?", previous) == Reading.of((f"{previous} and for sick days?", 1.0))
