"""API fuzzing with schemathesis against the app's own OpenAPI document (in-process ASGI).

Every operation gets generated requests (valid and invalid by the schema), sent with the
admin token (the agent's on agent routes, so that both kinds of protected route are
reached past their authentication). Checked: no unhandled error, every response conforms to the schema
(status code documented, content type, body); a 500 fails everywhere. Bounded: `MAX_EXAMPLES` per operation, so
the whole run stays well under two minutes on two cores. The rate limit is off for the
run (it is tested in test_security.py); everything else is the app as it runs.

Driven operation by operation from a plain test (not schemathesis' pytest plugin), so that
it uses the same fixtures as every API test and reports all failing operations at once.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from api.main import create_app
from assistant.settings import Settings, get_settings

MAX_EXAMPLES = 15
# 5xx: a 500 (an unhandled error) is always a failure; a 502/503 only where the operation documents it
# (the health check and the agent's reply report the Rasa server, which does not run here, as down).
CHECKS = [
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def _headers(path: str, app_settings: Settings) -> dict[str, str]:
    token = next(iter(app_settings.agents)) if path.startswith("/api/handoffs") else app_settings.admin_token
    return {"Authorization": f"Bearer {token}"}


def test_api_conforms_to_its_openapi_document(
    app_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("API_RATE_LIMIT_PER_IP", "0")
    get_settings.cache_clear()
    app = create_app()
    # The first search loads the embedding model (seconds, more on a busy machine): load it before the
    # clock of schemathesis' 10 s read time-out runs, which found exactly that as a "flaky" failure.
    with TestClient(app) as client:
        assert client.post("/api/knowledge/search", json={"question": "warm up"}).status_code == 200
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: dict[str, str] = {}
    calls = 0
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case: Any) -> None:
            nonlocal calls
            calls += 1
            response = case.call_and_validate(headers=_headers(case.path, app_settings), checks=CHECKS)
            assert response.status_code != 500, f"500 for {case.method} {case.formatted_path}: {response.text[:500]}"

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as error:  # every failing operation is reported, not only the first
            failures[operation.label] = f"{type(error).__name__}: {str(error)[:1500]}"
    with capsys.disabled():
        print(f"\nschemathesis: {len(operations)} operations, {calls} requests, {len(failures)} failing")
    assert not failures, "\n\n".join(f"{label}\n{error}" for label, error in failures.items())
