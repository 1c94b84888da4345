"""The Rasa server parses through the NLU process beside it, and answers just the same without it.

Through the session's running stack: a conversation over REST is understood; the NLU process never asks
itself (the stack's environment names NLU_SERVER_URL for the Rasa server, and the NLU process inherits
that environment); with the NLU process stopped the Rasa server says it parses itself and gives the same
replies; the NLU process is started again for the tests after this one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from operations import stack
from operations.throwaway_stack import RunningStack
from tests.support.rest import chat, texts

pytestmark = pytest.mark.e2e

FALLBACK_WARNING = "gave no parse"
ASK_FOR_ORDER = "order number"


def log_text(running: RunningStack, name: str) -> str:
    return stack.log_path(running.services[name], running.settings).read_text(errors="replace")


@pytest.fixture
def nlu_stopped(e2e_stack: RunningStack) -> Iterator[RunningStack]:
    e2e_stack.stop("nlu")
    try:
        yield e2e_stack
    finally:
        e2e_stack.start(e2e_stack.services["nlu"])


def test_the_rasa_server_is_told_where_the_nlu_process_is_and_the_nlu_process_is_not(
    e2e_stack: RunningStack,
) -> None:
    assert e2e_stack.services["rasa"].env["NLU_SERVER_URL"] == e2e_stack.settings.nlu_url
    assert e2e_stack.services["nlu"].env["NLU_SERVER_URL"] == ""


def test_a_request_is_understood_through_the_nlu_process(e2e_stack: RunningStack) -> None:
    replies = texts(chat(f"nlu-{uuid.uuid4().hex[:8]}", "where is my order?"))
    assert ASK_FOR_ORDER in replies.lower(), replies
    assert FALLBACK_WARNING not in log_text(e2e_stack, "rasa")
    assert FALLBACK_WARNING not in log_text(e2e_stack, "nlu")  # it never asked itself


def test_without_the_nlu_process_the_server_parses_itself(nlu_stopped: RunningStack) -> None:
    replies = texts(chat(f"nlu-{uuid.uuid4().hex[:8]}", "where is my order?"))
    assert ASK_FOR_ORDER in replies.lower(), replies
    assert FALLBACK_WARNING in log_text(nlu_stopped, "rasa")
