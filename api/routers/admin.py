"""Admin endpoints (bearer token): what support staff and demo presenters look up."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, status

from api.dependencies import AdminDep, SettingsDep
from backoffice.errors import BackofficeUnavailable

router = APIRouter(prefix="/api/admin", tags=["admin"])


@router.get(
    "/demo-accounts",
    summary="Demo customers with an order in every status and open invoices",
    responses={401: {"description": "Missing or wrong admin token"}},
)
def demo_accounts(_: AdminDep, settings: SettingsDep, limit: int = Query(5, ge=1, le=50)) -> list[dict[str, Any]]:
    from backoffice.sql.engine import make_engine, session_factory
    from demo.accounts import demo_accounts as load_accounts

    try:
        sessions = session_factory(make_engine(settings.backoffice_db_url, settings.backoffice_timeout_s))
        return [account.to_dict() for account in load_accounts(sessions, limit)]
    except BackofficeUnavailable as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "back office unavailable") from error
