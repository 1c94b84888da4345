"""Every admin and agent route, found from the code itself, refuses no token, a wrong one and the other role's.

The routes are enumerated from every router module under `api.routers` (the app mounts
them all: `test_admin` checks that against the OpenAPI document) by the authentication
they depend on, so a new admin or agent route is checked without anyone adding it here;
the test also fails if the enumeration finds none of the known ones (a refactoring that
hid the dependencies would otherwise pass unnoticed).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import api.routers
from api.dependencies import require_admin, require_agent
from assistant.identity import issue_channel_token
from assistant.settings import Settings


def _depends_on(dependant: Dependant, target: Callable[..., Any]) -> bool:
    return any(dep.call is target or _depends_on(dep, target) for dep in dependant.dependencies)


def protected_routes(role_check: Callable[..., Any]) -> list[tuple[str, str]]:
    """(method, path) of every route that depends on `role_check`."""
    routes = []
    for module_info in pkgutil.iter_modules(api.routers.__path__):
        router = importlib.import_module(f"api.routers.{module_info.name}").router
        routes += [
            (method, route.path)
            for route in router.routes
            if isinstance(route, APIRoute) and _depends_on(route.dependant, role_check)
            for method in route.methods
        ]
    return sorted(routes)


ADMIN_ROUTES = protected_routes(require_admin)
AGENT_ROUTES = protected_routes(require_agent)


def test_the_enumeration_finds_the_known_routes() -> None:
    assert ("GET", "/api/admin/demo-accounts") in ADMIN_ROUTES
    assert ("DELETE", "/api/privacy/conversations/{sender_id}") in ADMIN_ROUTES
    assert ("POST", "/api/knowledge/collections/{name}/documents") in ADMIN_ROUTES
    assert ("GET", "/api/handoffs") in AGENT_ROUTES
    assert ("POST", "/api/handoffs/{number}/close") in AGENT_ROUTES


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "H-1001", path)


def _tokens(settings: Settings, role: str) -> dict[str, dict[str, str]]:
    agent = next(iter(settings.agents))
    employee = issue_channel_token("employee", "1", settings.identity_secret)
    customer = issue_channel_token("customer", "1", settings.identity_secret)
    other = {"admin": agent, "agent": settings.admin_token}[role]
    return {
        "none": {},
        "wrong": {"Authorization": "Bearer not-a-token"},
        "empty": {"Authorization": "Bearer "},
        "basic": {"Authorization": "Basic dGVzdDp0ZXN0"},
        "other role": {"Authorization": f"Bearer {other}"},
        "employee": {"Authorization": f"Bearer {employee}"},
        "customer": {"Authorization": f"Bearer {customer}"},
    }


def _check_refused(client: TestClient, method: str, path: str, headers: dict[str, str]) -> None:
    response = client.request(method, _url(path), headers=headers, json={})
    assert response.status_code == 401, f"{method} {path} with {headers}: {response.status_code} {response.text}"
    assert response.headers.get("www-authenticate") == "Bearer"


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_admin_routes_refuse_anything_but_the_admin_token(
    client: TestClient, app_settings: Settings, method: str, path: str
) -> None:
    for headers in _tokens(app_settings, "admin").values():
        _check_refused(client, method, path, headers)


@pytest.mark.parametrize(("method", "path"), AGENT_ROUTES)
def test_agent_routes_refuse_anything_but_an_agent_token(
    client: TestClient, app_settings: Settings, method: str, path: str
) -> None:
    for headers in _tokens(app_settings, "agent").values():
        _check_refused(client, method, path, headers)
