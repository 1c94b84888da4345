"""Shared FastAPI dependencies: settings, ports, admin and agent authentication."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.settings import Settings, get_settings
from backoffice.ports import BillingPort, OrdersPort
from backoffice.wiring import billing_port, orders_port

SettingsDep = Annotated[Settings, Depends(get_settings)]
OrdersDep = Annotated[OrdersPort, Depends(orders_port)]
BillingDep = Annotated[BillingPort, Depends(billing_port)]

_bearer = HTTPBearer(auto_error=False, description="The admin token (ADMIN_TOKEN).")
_agent_bearer = HTTPBearer(auto_error=False, description="An agent's token (AGENT_TOKENS).")


def is_admin_token(token: str, settings: Settings) -> bool:
    return secrets.compare_digest(token.encode(), settings.admin_token.encode())


def require_admin(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Admin endpoints need `Authorization: Bearer $ADMIN_TOKEN`."""
    if credentials is None or not is_admin_token(credentials.credentials, settings):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a valid admin bearer token is required",
            {"WWW-Authenticate": "Bearer"},
        )


AdminDep = Annotated[None, Depends(require_admin)]


def require_agent(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_agent_bearer)],
) -> str:
    """Agent endpoints need `Authorization: Bearer <agent token>`; the signed-in agent's name."""
    if credentials is not None:
        for token, name in settings.agents.items():
            if secrets.compare_digest(credentials.credentials.encode(), token.encode()):
                return name
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a valid agent token is required", {"WWW-Authenticate": "Bearer"})


AgentDep = Annotated[str, Depends(require_agent)]
