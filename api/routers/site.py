"""The demo website: Northwind Goods' home page with the chat widget, a demo sign-in, the payment page.

The sign-in stands in for the shop's and the intranet's real login: pick one of the
demo customers or employees and the page passes the widget the same signed channel
token (`assistant.identity.issue_channel_token`) a real login would, kept in an
HttpOnly cookie. It exists only in `local` and `test` mode; in production the page
shows the widget to an anonymous visitor and the sign-in routes answer 404.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Form, HTTPException, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.dependencies import SettingsDep
from api.pages import render
from api.routers.widget import AcceptEncoding, page_headers, static_response
from assistant.identity import Identity, Role, issue_channel_token, issue_payment_token, read_channel_token
from assistant.settings import Settings
from backoffice.errors import BackofficeUnavailable
from demo.people import DemoPerson, demo_people

router = APIRouter(tags=["demo website"])

COOKIE = "northwind_demo"
SESSION_S = 8 * 3600
DEMO_MODES = ("local", "test")


def demo_login_enabled(settings: Settings) -> bool:
    return settings.assistant_env in DEMO_MODES


def widget_config(settings: Settings, token: str | None) -> str:
    """The widget's config object, as JSON safe to put inside a <script type="application/json">."""
    config: dict[str, Any] = {
        "socketUrl": settings.rasa_url,
        "title": "Northwind Goods",
        "authToken": token,
    }
    text = json.dumps(config)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _current(token: str | None, settings: Settings) -> Identity | None:
    return read_channel_token(token, settings.identity_secret) if demo_login_enabled(settings) else None


def _people(settings: Settings) -> list[DemoPerson]:
    if not demo_login_enabled(settings):
        return []
    try:
        return demo_people()
    except BackofficeUnavailable:
        return []


@router.get("/", response_class=HTMLResponse, summary="The demo company's home page, with the chat widget")
def home(settings: SettingsDep, northwind_demo: Annotated[str | None, Cookie()] = None) -> HTMLResponse:
    who = _current(northwind_demo, settings)
    people = _people(settings)
    person = next((p for p in people if who and p.key == f"{who.role}:{who.subject}"), None)
    invoice = person.open_invoice if person is not None else None
    return render(
        "home.html",
        headers=page_headers(settings),
        demo_login=demo_login_enabled(settings),
        who=who,
        name=(person.name if person else (who.name or who.subject)) if who else None,
        people=people,
        invoice=invoice,
        payment_token=issue_payment_token(invoice, settings.identity_secret) if invoice else None,
        config=widget_config(settings, northwind_demo if who else None),
    )


@router.get("/site/site.css", include_in_schema=False)
def site_css(accept_encoding: AcceptEncoding = None) -> Response:
    return static_response("site/site.css", accept_encoding)


def _require_demo(settings: Settings) -> None:
    if not demo_login_enabled(settings):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the demo sign-in is only available in local and test mode")


@router.post(
    "/demo/sign-in",
    summary="Demo sign-in as one of the demo customers or employees (local and test mode only)",
    response_class=RedirectResponse,
    status_code=status.HTTP_303_SEE_OTHER,
    responses={400: {"description": "Not one of the demo people"}, 404: {"description": "Not in demo mode"}},
)
def sign_in(who: Annotated[str, Form(max_length=40)], settings: SettingsDep) -> RedirectResponse:
    _require_demo(settings)
    try:
        person = next((p for p in demo_people() if p.key == who), None)
    except BackofficeUnavailable as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the back office is unavailable") from error
    if person is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"{who!r} is not one of the demo customers or employees")
    role: Role = "customer" if person.role == "customer" else "employee"
    token = issue_channel_token(role, person.subject, settings.identity_secret, person.name, SESSION_S)
    response = RedirectResponse("/", status.HTTP_303_SEE_OTHER)
    response.set_cookie(COOKIE, token, max_age=SESSION_S, httponly=True, samesite="strict", path="/")
    return response


@router.post(
    "/demo/sign-out",
    summary="Demo sign-out",
    response_class=RedirectResponse,
    status_code=status.HTTP_303_SEE_OTHER,
)
def sign_out() -> RedirectResponse:
    response = RedirectResponse("/", status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path="/")
    return response
