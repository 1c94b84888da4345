"""Health: is every part of the stack answering?"""

from __future__ import annotations

import asyncio
import time
from typing import Literal

import httpx
from fastapi import APIRouter, Response, status
from pydantic import BaseModel
from sqlalchemy import text

from api.dependencies import SettingsDep
from assistant.settings import Settings

router = APIRouter(tags=["health"])


class Check(BaseModel):
    ok: bool
    latency_ms: float
    detail: str = ""


class HealthReport(BaseModel):
    status: Literal["ok", "degraded"]
    checks: dict[str, Check]


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


async def _http_check(url: str) -> Check:
    started = time.perf_counter()
    try:
        async with httpx.AsyncClient(timeout=3.0) as client:
            response = await client.get(url)
        ok, detail = response.status_code == 200, f"HTTP {response.status_code}"
    except httpx.HTTPError as error:
        ok, detail = False, type(error).__name__
    return Check(ok=ok, latency_ms=round((time.perf_counter() - started) * 1000, 1), detail=detail)


def _database_check(settings: Settings) -> Check:
    from backoffice.sql.engine import make_engine

    started = time.perf_counter()
    try:
        with make_engine(settings.backoffice_db_url, settings.backoffice_timeout_s).connect() as connection:
            connection.execute(text("SELECT 1"))
        ok, detail = True, "reachable"
    except Exception as error:  # any driver error means "down" for a health check
        ok, detail = False, type(error).__name__
    return Check(ok=ok, latency_ms=round((time.perf_counter() - started) * 1000, 1), detail=detail)


@router.get("/health/live", response_model=Liveness, summary="The API process is up")
async def live() -> Liveness:
    return Liveness()


@router.get(
    "/health",
    response_model=HealthReport,
    responses={503: {"model": HealthReport, "description": "At least one part is down"}},
    summary="Back-office database, Rasa server and action server",
)
async def health(settings: SettingsDep, response: Response) -> HealthReport:
    database, rasa, actions = await asyncio.gather(
        asyncio.to_thread(_database_check, settings),
        _http_check(f"{settings.rasa_url}/"),
        _http_check(f"{settings.action_server_url}/health"),
    )
    checks = {"database": database, "rasa": rasa, "action_server": actions}
    healthy = all(check.ok for check in checks.values())
    if not healthy:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return HealthReport(status="ok" if healthy else "degraded", checks=checks)
