"""Feedback from the chat widget: a thumb on one of the bot's answers, a rating of the conversation.

Public (the widget's visitors have no token): the widget's session id is what ties the
feedback to a conversation, as it ties their messages to it. The feedback is checked
against the conversation and recorded in it as a tracker event (see analytics.feedback).
Widgets embedded on another site post here cross-origin, so this route answers CORS
(no cookies are involved).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, Field, model_validator

from analytics import wiring
from analytics.feedback import Feedback, FeedbackRefused

router = APIRouter(prefix="/api/feedback", tags=["feedback"])

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
    "Access-Control-Max-Age": "600",
}


class FeedbackIn(BaseModel):
    session_id: Annotated[str, Field(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    kind: Literal["answer", "conversation"]
    value: Annotated[str | int, Field(description='"up" or "down" for an answer; 1–5 for the conversation')]
    answer: Annotated[str | None, Field(max_length=4000, description="The text of the answer the thumb is on")] = None

    @model_validator(mode="after")
    def _value_fits_kind(self) -> FeedbackIn:
        if self.kind == "answer":
            if self.value not in ("up", "down"):
                raise ValueError('a thumb is "up" or "down"')
            if not (self.answer or "").strip():
                raise ValueError("a thumb needs the answer it is on")
        elif isinstance(self.value, bool) or not isinstance(self.value, int) or not 1 <= self.value <= 5:
            raise ValueError("a rating is a whole number from 1 to 5")
        return self


@router.options("", include_in_schema=False)
def preflight() -> Response:
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers=CORS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Record a thumb on an answer or a rating of the conversation (from the chat widget)",
    responses={
        404: {"description": "No such conversation, or no such answer in it"},
        409: {"description": "That answer has already been rated"},
        422: {"description": "Not a widget session id, or a value that does not fit the kind"},
        502: {"description": "The assistant refused the feedback"},
        503: {"description": "The assistant is not answering"},
    },
)
async def record(body: FeedbackIn, response: Response) -> dict[str, Any]:
    response.headers.update(CORS)
    feedback = Feedback(body.session_id, body.kind, body.value, body.answer)
    try:
        recorded = await wiring.feedback_recorder().record(feedback)
    except FeedbackRefused as refused:
        raise HTTPException(refused.status, refused.reason, headers=CORS) from refused
    return {"status": "recorded", "feedback": recorded}
