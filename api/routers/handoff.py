"""Handoff tickets for agents (bearer token per agent): the queue, take, reply, hand back.

Only agents see tickets: a customer's or employee's token opens nothing here.
Taking is first come, first served (the store's conditional update); replying and
handing back are for the agent who took the ticket.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field, field_validator

from api.dependencies import AgentDep, SettingsDep
from backoffice.errors import BackofficeUnavailable
from handoff.conversation import ConversationUnavailable, RasaConversations
from handoff.sql import SqlHandoffs
from handoff.tickets import Ticket, TicketConflict, TicketNotFound
from handoff.wiring import handoff_store

router = APIRouter(prefix="/api/handoffs", tags=["handoff"])
T = TypeVar("T")
MAX_REPLY_CHARS = 2000
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {401: {"description": "Missing or wrong agent token"}}
CONFLICTS = {
    "taken": "another agent has already taken this ticket",
    "not_yours": "this ticket is being handled by another agent",
    "closed": "this ticket is closed",
    "waiting": "take the ticket first",
    "message": "take the ticket first",
}


StoreDep = Annotated[SqlHandoffs, Depends(handoff_store)]


def conversations(settings: SettingsDep) -> RasaConversations:
    return RasaConversations(settings.rasa_url, settings.rasa_api_token)


ConversationsDep = Annotated[RasaConversations, Depends(conversations)]


class Reply(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_REPLY_CHARS, description="What the agent says to the user.")

    @field_validator("text")
    @classmethod
    def says_something(cls, text: str) -> str:
        """Only spaces or control characters is no reply; refused here, the error has the documented 422 shape."""
        if not text.strip():
            raise ValueError("the reply is empty")
        return text


def _queue_entry(ticket: Ticket, now: float) -> dict[str, Any]:
    entry = ticket.to_dict()
    entry.pop("transcript")
    # How long the user waited for a person: until someone took the ticket, or until now.
    until = ticket.taken_at.timestamp() if ticket.taken_at else now
    entry["waiting_seconds"] = max(0, int(until - ticket.created_at.timestamp()))
    user_lines = [line.text for line in ticket.transcript if line.speaker == "user"]
    entry["last_user_message"] = user_lines[-1] if user_lines else None
    return entry


def _ticket_or_error(call: Callable[..., T], *args: Any) -> T:
    """The store's answer, or the HTTP error that says why not (404, 409, 503)."""
    try:
        return call(*args)
    except TicketNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such ticket") from error
    except TicketConflict as error:
        raise HTTPException(status.HTTP_409_CONFLICT, CONFLICTS.get(error.reason, error.reason)) from error
    except BackofficeUnavailable as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the ticket store is not answering") from error


@router.get("/me", summary="The signed-in agent", responses=UNAUTHORIZED)
def me(agent: AgentDep) -> dict[str, str]:
    return {"name": agent}


@router.get("", summary="Open tickets, oldest first, with waiting time", responses=UNAUTHORIZED)
def queue(agent: AgentDep, store: StoreDep) -> dict[str, Any]:
    tickets = _ticket_or_error(store.open_tickets)
    now = time.time()
    return {"agent": agent, "tickets": [_queue_entry(ticket, now) for ticket in tickets]}


@router.get(
    "/{number}",
    summary="One ticket with the conversation as it is now",
    responses={**UNAUTHORIZED, 404: {"description": "No such ticket"}},
)
async def ticket(number: str, agent: AgentDep, store: StoreDep, rasa: ConversationsDep) -> dict[str, Any]:
    found = _ticket_or_error(store.get, number)
    body = found.to_dict()
    body["live"] = False
    if found.status.value != "closed":
        try:
            body["transcript"] = [line.to_dict() for line in await rasa.transcript(found)]
            body["live"] = True
        except ConversationUnavailable:
            pass  # the transcript stored with the ticket is still worth showing
    return body


@router.post(
    "/{number}/take",
    summary="Take a waiting ticket (exactly one agent wins)",
    responses={**UNAUTHORIZED, 404: {"description": "No such ticket"}, 409: {"description": "Already taken"}},
)
def take(number: str, agent: AgentDep, store: StoreDep) -> dict[str, Any]:
    return _ticket_or_error(store.take, number, agent).to_dict()


@router.post(
    "/{number}/messages",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Reply to the user on the channel they came from",
    responses={
        **UNAUTHORIZED,
        404: {"description": "No such ticket"},
        409: {"description": "Not this agent's ticket"},
        502: {"description": "The Rasa server did not take the message"},
    },
)
async def reply(number: str, body: Reply, agent: AgentDep, store: StoreDep, rasa: ConversationsDep) -> dict[str, str]:
    text = body.text.strip()
    owned = _ticket_or_error(store.owned_by, number, agent)
    try:
        await rasa.send_agent_message(owned, agent, text)
    except ConversationUnavailable as error:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, "the message could not be delivered; try again") from error
    return {"status": "sent"}


@router.post(
    "/{number}/close",
    summary="Hand the conversation back to the bot",
    responses={
        **UNAUTHORIZED,
        404: {"description": "No such ticket"},
        409: {"description": "Not this agent's ticket"},
        502: {"description": "The Rasa server did not resume the conversation"},
    },
)
async def close(number: str, agent: AgentDep, store: StoreDep, rasa: ConversationsDep) -> dict[str, Any]:
    owned = _ticket_or_error(store.owned_by, number, agent)
    try:
        if owned.message is None:  # a live handoff paused the bot; a message left out of hours did not
            await rasa.hand_back(owned)
    except ConversationUnavailable as error:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, "the bot could not be resumed; try again") from error
    return _ticket_or_error(store.close, number, agent).to_dict()
