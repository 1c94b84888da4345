"""Erasure on request (admin token): one conversation, or everything of one customer or employee.

Support staff act on a person's verified request; the response says what was erased
(counts and the conversation ids), never the data itself. The access log shows the
erased conversation's id as `[erased]` (api/security.py), so the request leaves no trace
of whom it was about.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, Field, model_validator
from sqlalchemy.exc import SQLAlchemyError

from analytics.wiring import aggregator
from api.dependencies import AdminDep, SettingsDep
from backoffice.errors import BackofficeUnavailable
from privacy.erasure import ErasureReport, erase

router = APIRouter(prefix="/api/privacy", tags=["privacy"])
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {401: {"description": "Missing or wrong admin token"}}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "A store could not be reached; nothing is reported as erased"}
}
SenderPath = Annotated[str, Path(min_length=1, max_length=255, description="The conversation's sender id.")]


class ErasureOut(BaseModel):
    sender_ids: list[str] = Field(description="The conversations erased.")
    tracker_events: int = Field(description="Tracker store events deleted.")
    tickets: int = Field(description="Handoff tickets (with their transcripts) deleted.")
    log_lines: int = Field(description="Lines naming one of the conversations removed from the logs under var/.")
    log_files: list[str] = Field(description="Log files that were rewritten.")
    analytics_conversations: int = Field(
        description="Conversations removed from the dashboard's aggregates (with their questions)."
    )

    @classmethod
    def of(cls, report: ErasureReport, analytics_conversations: int) -> ErasureOut:
        return cls(**report.__dict__, analytics_conversations=analytics_conversations)


class ErasureRequest(BaseModel):
    """Whom to erase: conversations by sender id, and/or a person by customer or employee id."""

    sender_ids: list[Annotated[str, Field(min_length=1, max_length=255)]] = Field(default_factory=list, max_length=100)
    customer_id: int | None = Field(None, ge=1, le=2**31 - 1)
    employee_id: int | None = Field(None, ge=1, le=2**31 - 1)

    @model_validator(mode="after")
    def _someone(self) -> ErasureRequest:
        if not self.sender_ids and self.customer_id is None and self.employee_id is None:
            raise ValueError("name someone: sender_ids, customer_id or employee_id")
        return self


async def _erase(settings: SettingsDep, request: ErasureRequest) -> ErasureOut:
    try:
        report = await asyncio.to_thread(erase, settings, request.sender_ids, request.customer_id, request.employee_id)
        # The dashboard's aggregates keep each conversation's sender id and (redacted) questions: they go too.
        analytics_conversations = await asyncio.to_thread(aggregator().erase, report.sender_ids)
    except (BackofficeUnavailable, SQLAlchemyError) as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "a store is not answering; try again") from error
    return ErasureOut.of(report, analytics_conversations)


@router.delete(
    "/conversations/{sender_id}",
    response_model=ErasureOut,
    summary="Erase one conversation: its tracker events, handoff tickets and log lines (admin)",
    responses={**UNAUTHORIZED, **UNAVAILABLE},
)
async def erase_conversation(sender_id: SenderPath, _: AdminDep, settings: SettingsDep) -> ErasureOut:
    return await _erase(settings, ErasureRequest(sender_ids=[sender_id]))


@router.post(
    "/erasures",
    response_model=ErasureOut,
    summary="Erase a person's conversations: by sender ids, customer id or employee id (admin)",
    responses={**UNAUTHORIZED, **UNAVAILABLE},
)
async def erase_person(body: ErasureRequest, _: AdminDep, settings: SettingsDep) -> ErasureOut:
    return await _erase(settings, body)
