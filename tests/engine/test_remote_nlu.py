"""The Rasa server parses through the NLU process beside it, and parses itself when that fails.

The stack's NLU service (the engine with the trained model, API only, with a token) is started on
loopback by the supervisor;
the check loads the same model as the Rasa server does and compares the parses: the NLU process's, the
patched server's, and Rasa's own pipeline in the server. Then the NLU process is asked with a wrong
token, and at an address where nothing listens: the server must answer with its own parse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.settings import Settings
from operations import processes, stack
from tests.engine.conftest import ROOT
from tests.support.ports import free_port

pytestmark = pytest.mark.engine

MODEL = ROOT / "models" / "assistant.tar.gz"
CHECK = Path(__file__).with_name("remote_nlu_check.py")
TOKEN = "nlu-check-token-0123456789"


@pytest.fixture(scope="module")
def nlu_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The stack's own NLU service (operations/processes.py), started by the supervisor on a free port."""
    if not MODEL.exists():
        pytest.fail("The check needs a trained model: run `make train`.", pytrace=False)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        var_dir=tmp_path_factory.mktemp("nlu"),
        rasa_api_token=TOKEN,
        nlu_server_url=f"http://127.0.0.1:{free_port()}",
    )
    service = processes.nlu_service(settings)
    process = stack.start(service, settings)
    try:
        stack.wait_healthy(service, process, settings, timeout_s=240)
        yield settings.nlu_url
    finally:
        stack.stop_pids([process.pid], grace_s=10.0)


@pytest.fixture(scope="module")
def report(nlu_process: str, engine_check: Callable[..., Any]) -> dict[str, Any]:
    result: dict[str, Any] = engine_check(CHECK, str(MODEL), nlu_process, TOKEN, timeout_s=600)
    return result


def test_the_nlu_process_needs_the_api_token(nlu_process: str) -> None:
    assert httpx.post(f"{nlu_process}/model/parse", json={"text": "hi"}, timeout=30).status_code == 401
    answered = httpx.post(f"{nlu_process}/model/parse", params={"token": TOKEN}, json={"text": "hi"}, timeout=30)
    assert answered.status_code == 200 and answered.json()["intent"]["name"] == "greet"


def test_the_nlu_process_serves_no_channel(nlu_process: str) -> None:
    response = httpx.post(f"{nlu_process}/webhooks/rest/webhook", json={"sender": "x", "message": "hi"}, timeout=30)
    assert response.status_code == 404


def test_the_server_takes_the_nlu_processs_parse_which_equals_its_own(report: dict[str, Any]) -> None:
    for row in report["messages"]:
        assert row["remote"] is not None, row
        assert row["remote"] == row["local"], row
        assert row["patched"] == row["local"], row


def test_when_the_nlu_process_fails_the_server_parses_itself(report: dict[str, Any]) -> None:
    for case, outcome in report["failures"].items():
        assert outcome["remote"] is None, case
        assert outcome["patched"] == outcome["local"] and outcome["local"]["intent"] == "order_status", case
        assert outcome["parses_here_for_s"] > 0, case
