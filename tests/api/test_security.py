"""The API's protections on every route: rate limit per IP, request size limit, security headers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.security import ErasurePathFilter
from assistant.settings import get_settings


@pytest.fixture
def client_with(app_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., TestClient]]:
    """`client_with(NAME=value, ...)`: a fresh app whose settings have these environment variables."""
    clients: list[TestClient] = []

    def make(**env: str) -> TestClient:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        client = TestClient(create_app())
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
    get_settings.cache_clear()


# --- rate limit ----------------------------------------------------------------------------------


def test_the_rate_limit_answers_429_with_retry_after(client_with: Callable[..., TestClient]) -> None:
    client = client_with(API_RATE_LIMIT_PER_IP="3")
    statuses = [client.post("/api/knowledge/ask", json={}).status_code for _ in range(3)]
    assert statuses == [422, 422, 422]  # counted whatever the answer
    refused = client.get("/api/handoffs")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["retry_after"] == int(refused.headers["retry-after"])
    assert refused.headers["x-content-type-options"] == "nosniff"


def test_health_checks_are_exempt(client_with: Callable[..., TestClient]) -> None:
    client = client_with(API_RATE_LIMIT_PER_IP="1")
    assert all(client.get("/health/live").status_code == 200 for _ in range(5))
    assert client.get("/employee/login").status_code == 200
    assert client.get("/employee/login").status_code == 429


def test_zero_turns_the_limit_off(client_with: Callable[..., TestClient]) -> None:
    client = client_with(API_RATE_LIMIT_PER_IP="0")
    assert all(client.get("/employee/login").status_code == 200 for _ in range(20))


# --- request size --------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_with_413(client_with: Callable[..., TestClient]) -> None:
    client = client_with(API_MAX_REQUEST_BYTES="2048")
    response = client.post("/api/knowledge/ask", json={"question": "x" * 4096})
    assert response.status_code == 413
    assert response.json() == {"detail": "request body too large; the limit is 2048 bytes", "limit_bytes": 2048}


def test_a_streamed_body_without_length_is_counted(client_with: Callable[..., TestClient]) -> None:
    client = client_with(API_MAX_REQUEST_BYTES="2048")

    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"x" * 1000

    response = client.post("/api/knowledge/ask", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_a_lying_content_length_is_refused(client_with: Callable[..., TestClient]) -> None:
    client = client_with()
    response = client.post("/api/knowledge/ask", content=b"{}", headers={"content-length": "not-a-number"})
    assert response.status_code in (400, 413)


def test_document_uploads_keep_their_10_mb(client_with: Callable[..., TestClient]) -> None:
    from api.security import UPLOAD_MAX_BYTES, BodySizeLimitMiddleware

    middleware = BodySizeLimitMiddleware(create_app(), 1024 * 1024)
    assert middleware.limit_for("/api/knowledge/collections/hr/documents") == UPLOAD_MAX_BYTES
    assert middleware.limit_for("/api/knowledge/ask") == 1024 * 1024


# --- security headers ----------------------------------------------------------------------------

HTML_PAGES = ["/", "/console", "/employee/login", "/pay/INV-50001?token=wrong"]


@pytest.mark.parametrize("path", HTML_PAGES)
def test_every_html_page_has_the_security_headers(client_with: Callable[..., TestClient], path: str) -> None:
    client = client_with()
    response = client.get(path)
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"]


def test_the_plain_pages_inline_style_is_allowed_by_its_hash(client_with: Callable[..., TestClient]) -> None:
    import base64
    import hashlib
    import re

    page = client_with().get("/employee/login")
    style = re.search(r"<style>(.*?)</style>", page.text, re.DOTALL)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in page.headers["content-security-policy"]


def test_every_html_route_is_covered(client_with: Callable[..., TestClient]) -> None:
    """Every GET route that answers with HTML is in HTML_PAGES (a new page must be checked too)."""
    from fastapi.responses import HTMLResponse
    from fastapi.routing import APIRoute

    app = client_with().app
    html_routes = {
        route.path
        for route in app.routes  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and "GET" in route.methods and route.response_class is HTMLResponse
    }
    covered = {path.split("?")[0].replace("INV-50001", "{invoice_number}") for path in HTML_PAGES}
    assert html_routes <= covered | {"/employee/profile"}, html_routes - covered


def test_json_answers_are_not_sniffed(client_with: Callable[..., TestClient]) -> None:
    response = client_with().get("/health/live")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in response.headers


# --- the access log of an erasure ----------------------------------------------------------------


def test_the_access_log_does_not_name_an_erased_conversation() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "DELETE", "/api/privacy/conversations/tg-123456789", "1.1", 200), None,
    )  # fmt: skip
    ErasurePathFilter().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "DELETE /api/privacy/conversations/[erased] HTTP/1.1" 200'
