"""Health: liveness always, readiness only when every part answers."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_liveness(client: TestClient) -> None:
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_is_503_when_rasa_and_the_action_server_are_down(client: TestClient) -> None:
    """`configure_app` points RASA_URL and ACTION_SERVER_URL at a port where nothing listens."""
    response = client.get("/health")
    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "degraded"
    assert set(report["checks"]) == {"database", "rasa", "action_server"}
    assert report["checks"]["database"] == {**report["checks"]["database"], "ok": True, "detail": "reachable"}
    assert report["checks"]["rasa"]["ok"] is False
    assert report["checks"]["action_server"]["ok"] is False
    assert report["checks"]["rasa"]["detail"] == "ConnectError"
