"""Admin endpoints need the admin bearer token; the OpenAPI document lists every route."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import api.routers
from assistant.settings import Settings
from demo.accounts import DemoAccount

DEMO_ACCOUNTS = "/api/admin/demo-accounts"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": "Basic dGVzdDp0ZXN0"},
        {"Authorization": "Bearer "},
    ],
    ids=["none", "wrong", "basic", "empty"],
)
def test_demo_accounts_need_the_admin_token(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get(DEMO_ACCOUNTS, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "email" not in response.text


def test_demo_accounts_with_the_admin_token(
    client: TestClient, app_settings: Settings, app_accounts: list[DemoAccount]
) -> None:
    headers = {"Authorization": f"Bearer {app_settings.admin_token}"}
    response = client.get(DEMO_ACCOUNTS, headers=headers)
    assert response.status_code == 200
    assert response.json() == [account.to_dict() for account in app_accounts]
    limited = client.get(DEMO_ACCOUNTS, headers=headers, params={"limit": 2})
    assert [account["customer_id"] for account in limited.json()] == [a.customer_id for a in app_accounts[:2]]
    assert client.get(DEMO_ACCOUNTS, headers=headers, params={"limit": 0}).status_code == 422


def declared_routes() -> set[tuple[str, str]]:
    """(path, method) of every route of every router module under `api.routers`."""
    routes: set[tuple[str, str]] = set()
    for module_info in pkgutil.iter_modules(api.routers.__path__):
        router = importlib.import_module(f"api.routers.{module_info.name}").router
        routes |= {
            (route.path_format, method)
            for route in router.routes
            if isinstance(route, APIRoute) and route.include_in_schema
            for method in route.methods
        }
    return routes


def test_openapi_lists_every_route(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    assert documented == declared_routes()
    assert {"/health", "/health/live", "/pay/{invoice_number}", "/api/payments/{invoice_number}", DEMO_ACCOUNTS} <= {
        path for path, _ in documented
    }
    assert document["paths"][DEMO_ACCOUNTS]["get"].get("security"), "the admin route documents its bearer token"
    # Every documented route answers (with anything but 404), so the document describes the real app.
    for path, method in documented:
        url = path.replace("{invoice_number}", "INV-50001").replace("/widget/{name}", "/widget/widget.js")
        assert client.request(method, url).status_code != 404, (method, path)
