"""The demo intranet: an employee signs in and sees their profile, with the Telegram link code.

In a real company this is the intranet behind single sign-on; here a login with
the employee's e-mail and the demo password issues the same signed employee
token the chat uses, kept in an HttpOnly cookie.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Cookie, Form, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.dependencies import SettingsDep
from api.pages import render, render_message
from api.routers.hr import HRDep
from assistant.identity import issue_channel_token, read_channel_token
from backoffice.errors import BackofficeUnavailable, NotFound
from backoffice.hr_domain import Employee

router = APIRouter(prefix="/employee", tags=["intranet"])
COOKIE = "northwind_employee"
SESSION_S = 8 * 3600


@router.get("/login", response_class=HTMLResponse, summary="Demo intranet sign-in page")
def login_page() -> HTMLResponse:
    return render("login.html", title="Sign in")


@router.post(
    "/login",
    summary="Sign in with work e-mail and the demo password",
    response_model=None,
    response_class=HTMLResponse,
    responses={
        303: {"description": "Signed in: to the profile"},
        401: {"description": "Wrong e-mail or password (the form again)", "content": {"text/html": {}}},
        503: {"description": "HR system unavailable", "content": {"text/html": {}}},
    },
)
def login(
    email: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=200)],
    hr: HRDep,
    settings: SettingsDep,
) -> Response:
    employee = None
    if secrets.compare_digest(password.encode(), settings.demo_password.encode()):
        try:
            employee = hr.employee_by_email(email)
        except BackofficeUnavailable:
            return render_message("Sign in", "The HR system is unavailable, try again later.", 503)
    if employee is None:
        error = "That e-mail and password don't match."
        return render("login.html", status.HTTP_401_UNAUTHORIZED, title="Sign in", error=error)
    token = issue_channel_token("employee", str(employee.id), settings.identity_secret, employee.name, SESSION_S)
    response = RedirectResponse("/employee/profile", status.HTTP_303_SEE_OTHER)
    response.set_cookie(COOKIE, token, max_age=SESSION_S, httponly=True, samesite="strict", path="/")
    return response


@router.post("/logout", summary="Sign out", response_class=RedirectResponse, status_code=status.HTTP_303_SEE_OTHER)
def logout() -> RedirectResponse:
    response = RedirectResponse("/employee/login", status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path="/")
    return response


def _signed_in(token: str | None, hr: HRDep, secret: str) -> Employee | None:
    identity = read_channel_token(token, secret)
    if identity is None or identity.role != "employee" or not identity.subject.isdigit():
        return None
    try:
        return hr.get_employee(int(identity.subject))
    except NotFound:
        return None


def _profile(token: str | None, hr: HRDep, secret: str, code: str | None = None) -> Response:
    employee = _signed_in(token, hr, secret)
    if employee is None:
        return RedirectResponse("/employee/login", status.HTTP_303_SEE_OTHER)
    manager = hr.get_employee(employee.manager_id) if employee.manager_id else None
    rows = [
        ("Name", employee.name),
        ("Employee number", employee.number),
        ("E-mail", employee.email),
        ("Department", employee.department),
        ("Manager", manager.name if manager else "—"),
        ("Slack", "linked" if employee.slack_user_id else "not linked"),
        ("Telegram", "linked" if employee.telegram_user_id else "not linked"),
    ]
    return render("profile.html", title="Your profile", rows=rows, code=code)


@router.get(
    "/profile",
    summary="The signed-in employee's profile",
    response_model=None,
    response_class=HTMLResponse,
    responses={303: {"description": "Not signed in: to the login page"}},
)
def profile(hr: HRDep, settings: SettingsDep, northwind_employee: Annotated[str | None, Cookie()] = None) -> Response:
    return _profile(northwind_employee, hr, settings.identity_secret)


@router.post(
    "/profile/telegram-code",
    summary="Show a fresh one-time Telegram link code",
    response_model=None,
    response_class=HTMLResponse,
    responses={303: {"description": "Not signed in: to the login page"}},
)
def telegram_code(
    hr: HRDep, settings: SettingsDep, northwind_employee: Annotated[str | None, Cookie()] = None
) -> Response:
    employee = _signed_in(northwind_employee, hr, settings.identity_secret)
    if employee is None:
        return RedirectResponse("/employee/login", status.HTTP_303_SEE_OTHER)
    return _profile(northwind_employee, hr, settings.identity_secret, hr.issue_telegram_link_code(employee.id))
