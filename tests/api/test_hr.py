"""The HR API (managers decide leave, employees get link codes) and the demo intranet."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from html import escape

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from assistant.identity import issue_channel_token
from assistant.settings import Settings
from backoffice.errors import NotAllowed
from backoffice.hr_domain import LeaveRequest, LeaveStatus, LeaveType
from backoffice.sql.hr import SqlHR
from demo.employees import DemoEmployee, demo_employees


@pytest.fixture
def hr(app_engine: Engine) -> SqlHR:
    return SqlHR(app_engine)


@pytest.fixture
def emma(hr: SqlHR) -> DemoEmployee:
    employee = demo_employees(hr)[0]
    assert employee.manager_id is not None
    return employee


@pytest.fixture
def colleague(hr: SqlHR) -> DemoEmployee:
    return demo_employees(hr)[1]


def bearer(employee_id: int, settings: Settings, role: str = "employee") -> dict[str, str]:
    token = issue_channel_token(role, str(employee_id), settings.identity_secret)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def pending(hr: SqlHR, emma: DemoEmployee) -> LeaveRequest:
    """A fresh pending vacation request of Emma's, on the first free future working day."""
    start = date.today() + timedelta(days=1)
    for _ in range(400):
        try:
            return hr.request_leave(emma.employee_id, LeaveType.VACATION, start, start)
        except NotAllowed:
            start += timedelta(days=1)
    raise AssertionError("no free day found")


def decide(client: TestClient, number: str, headers: dict[str, str], approve: bool = True) -> httpx.Response:
    return client.post(f"/api/hr/leave-requests/{number}/decision", json={"approve": approve}, headers=headers)


# -- deciding leave --------------------------------------------------------------------------------


def test_deciding_needs_a_valid_employee_token(
    client: TestClient, app_settings: Settings, pending: LeaveRequest, emma: DemoEmployee
) -> None:
    url = f"/api/hr/leave-requests/{pending.number}/decision"
    assert client.post(url, json={"approve": True}).status_code == 401
    bad = client.post(url, json={"approve": True}, headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    wrong_secret = issue_channel_token("employee", str(emma.manager_id), "another-secret-0123456789abcdefghij")
    forged = client.post(url, json={"approve": True}, headers={"Authorization": f"Bearer {wrong_secret}"})
    assert forged.status_code == 401
    customer = client.post(url, json={"approve": True}, headers=bearer(1, app_settings, role="customer"))
    assert customer.status_code == 401


def test_only_the_approver_may_decide(
    client: TestClient,
    app_settings: Settings,
    hr: SqlHR,
    pending: LeaveRequest,
    emma: DemoEmployee,
    colleague: DemoEmployee,
) -> None:
    for outsider in (emma.employee_id, colleague.employee_id):
        response = decide(client, pending.number, bearer(outsider, app_settings))
        assert response.status_code == 403
    assert hr.get_leave_request(pending.number, emma.employee_id).status is LeaveStatus.PENDING


def test_the_manager_approves_once(
    client: TestClient, app_settings: Settings, hr: SqlHR, pending: LeaveRequest, emma: DemoEmployee
) -> None:
    assert emma.manager_id is not None
    year = pending.start.year
    used_before = next(b.used for b in hr.leave_balances(emma.employee_id, year) if b.leave_type is LeaveType.VACATION)

    response = client.post(
        f"/api/hr/leave-requests/{pending.number}/decision",
        json={"approve": True, "note": "Enjoy!"},
        headers=bearer(emma.manager_id, app_settings),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["number"] == pending.number
    assert body["status"] == "approved"
    assert body["decision_note"] == "Enjoy!"
    used_after = next(b.used for b in hr.leave_balances(emma.employee_id, year) if b.leave_type is LeaveType.VACATION)
    assert used_after == used_before + pending.days

    again = decide(client, pending.number, bearer(emma.manager_id, app_settings), approve=False)
    assert again.status_code == 409
    assert hr.get_leave_request(pending.number, emma.employee_id).status is LeaveStatus.APPROVED


def test_an_unknown_request_is_404(client: TestClient, app_settings: Settings, emma: DemoEmployee) -> None:
    assert emma.manager_id is not None
    assert decide(client, "LR-99999", bearer(emma.manager_id, app_settings)).status_code == 404


def test_the_manager_sees_the_requests_awaiting_them(
    client: TestClient, app_settings: Settings, pending: LeaveRequest, emma: DemoEmployee
) -> None:
    assert emma.manager_id is not None
    response = client.get("/api/hr/leave-requests/awaiting-me", headers=bearer(emma.manager_id, app_settings))
    assert response.status_code == 200
    listed = {r["number"]: r for r in response.json()}
    assert pending.number in listed
    assert listed[pending.number]["employee_id"] == emma.employee_id
    assert all(r["status"] == "pending" for r in listed.values())

    assert client.get("/api/hr/leave-requests/awaiting-me").status_code == 401


def test_an_employee_gets_a_telegram_link_code(
    client: TestClient, app_settings: Settings, emma: DemoEmployee, hr: SqlHR
) -> None:
    response = client.post("/api/hr/telegram-link-code", headers=bearer(emma.employee_id, app_settings))
    assert response.status_code == 201
    code = response.json()["code"]
    assert re.fullmatch(r"\d{6}", code)
    assert hr.redeem_telegram_link_code(code, "555000111").id == emma.employee_id

    assert client.post("/api/hr/telegram-link-code").status_code == 401


# -- the demo intranet -----------------------------------------------------------------------------


def sign_in(client: TestClient, email: str, password: str) -> httpx.Response:
    return client.post("/employee/login", data={"email": email, "password": password}, follow_redirects=False)


def test_the_login_page_is_served(client: TestClient) -> None:
    response = client.get("/employee/login")
    assert response.status_code == 200
    assert 'action="/employee/login"' in response.text


def test_a_wrong_password_is_refused(client: TestClient, app_settings: Settings, emma: DemoEmployee) -> None:
    response = sign_in(client, emma.email, app_settings.demo_password + "x")
    assert response.status_code == 401
    assert "don't match" in html.unescape(response.text)  # what the browser shows
    assert "northwind_employee" not in response.headers.get("set-cookie", "")


def test_an_unknown_email_is_refused(client: TestClient, app_settings: Settings) -> None:
    response = sign_in(client, "nobody@example.invalid", app_settings.demo_password)
    assert response.status_code == 401


def test_signing_in_shows_the_profile_and_a_link_code(
    client: TestClient, app_settings: Settings, emma: DemoEmployee
) -> None:
    response = sign_in(client, emma.email.upper(), app_settings.demo_password)
    assert response.status_code == 303
    assert response.headers["location"] == "/employee/profile"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("northwind_employee=")
    assert "httponly" in cookie.lower()

    profile = client.get("/employee/profile", follow_redirects=False)
    assert profile.status_code == 200
    assert escape(emma.name) in profile.text
    assert escape(emma.email) in profile.text

    coded = client.post("/employee/profile/telegram-code", follow_redirects=False)
    assert coded.status_code == 200
    match = re.search(r'<strong id="link-code">(\d+)</strong>', coded.text)
    assert match is not None and re.fullmatch(r"\d{6}", match.group(1))


def test_the_profile_needs_a_sign_in(client: TestClient) -> None:
    for response in (
        client.get("/employee/profile", follow_redirects=False),
        client.post("/employee/profile/telegram-code", follow_redirects=False),
    ):
        assert response.status_code == 303
        assert response.headers["location"] == "/employee/login"
    client.cookies.set("northwind_employee", "forged")
    forged = client.get("/employee/profile", follow_redirects=False)
    assert forged.status_code == 303
