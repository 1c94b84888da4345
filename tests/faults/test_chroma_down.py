"""Fault: the Chroma server (client/server mode, CHROMA_URL) goes away.

What happens depends on what a process already holds, by design (`knowledge/service.py`:
a question never waits on Chroma, the passages and their vectors are read once into memory):

- an action server that has answered before keeps answering from memory, with sources;
- an action server that starts while Chroma is down (a restart, a new replica) cannot read
  the documents: a policy question gets "I can't look that up in our documents right now"
  and a person is offered (buttons), HTTP 200, no stack trace;
- the API's /api/knowledge routes that need the store answer 503 with a clear message;
- when Chroma is back, the same question is answered with its sources again, by the same
  processes, and the API answers 200.
"""

from __future__ import annotations

import httpx
import pytest

from tests.support.e2e_config import ADMIN_TOKEN
from tests.support.fault_stack import FaultStack
from tests.support.rest import RestConversation

pytestmark = pytest.mark.e2e

QUESTION = "what is your return policy?"
SOURCE = "returns-and-refunds.md"
CANNOT_LOOK = "can't look that up"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
HANDOFF_BUTTON = {"title": "Yes, a person please", "payload": "/human_handoff"}


def answered_with_sources(talk: RestConversation, attempts: int = 1) -> None:
    """Answered from the documents. `attempts` > 1 where the action server reads them for the first time:
    loading the embedding model on a busy machine may outlast the action's 10 s time-out once."""
    for _ in range(attempts):
        reply = talk.say(QUESTION)
        if CANNOT_LOOK not in reply:
            break
    assert CANNOT_LOOK not in reply, talk
    assert talk.sources and talk.sources[0]["path"] == SOURCE, talk.last


def api(faults: FaultStack, method: str, path: str, **kwargs: object) -> httpx.Response:
    return httpx.request(method, f"{faults.api_url}{path}", timeout=60.0, **kwargs)  # type: ignore[arg-type]


def test_chroma_down_a_polite_reply_and_a_person_then_sources_again(faults: FaultStack) -> None:
    warm = RestConversation(faults.rasa_url)
    answered_with_sources(warm, attempts=3)  # the action server has read the documents

    faults.chroma.stop()
    try:
        answered_with_sources(warm)  # from memory: a question never waits on Chroma

        ask = api(faults, "POST", "/api/knowledge/ask", json={"question": QUESTION})
        collections = api(faults, "GET", "/api/knowledge/collections", headers=ADMIN)
        reindex = api(faults, "POST", "/api/knowledge/collections/public/reindex", headers=ADMIN)
        for response in (ask, collections, reindex):
            assert response.status_code == 503, (response.request.url, response.status_code, response.text)
            assert "Chroma" in response.json()["detail"] and "not reachable" in response.json()["detail"]

        faults.kill("actions")  # a fresh action server, started while Chroma is down
        faults.start("actions")
        cold = RestConversation(faults.rasa_url)
        reply = cold.say(QUESTION)
        assert CANNOT_LOOK in reply and "person" in reply, cold
        assert HANDOFF_BUTTON in cold.buttons, cold.last
        assert not cold.sources, cold.last
        handoff = cold.say("/human_handoff")
        assert "ticket" in handoff, f"the offered person is there (tickets live in the back office)\n{cold}"
    finally:
        faults.chroma.start()

    answered_with_sources(RestConversation(faults.rasa_url), attempts=3)  # the same (cold) action server, Chroma back
    ask = api(faults, "POST", "/api/knowledge/ask", json={"question": QUESTION})
    assert ask.status_code == 200 and ask.json()["answered"], ask.text
    assert ask.json()["sources"][0]["path"] == SOURCE
    assert api(faults, "GET", "/api/knowledge/collections", headers=ADMIN).status_code == 200
