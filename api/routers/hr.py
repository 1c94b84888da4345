"""HR endpoints for employees and managers, authenticated by an employee identity token.

The token is the same signed channel token the website passes to the chat
(`role: employee`); in production the company's single sign-on issues it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from api.dependencies import SettingsDep
from assistant.identity import read_channel_token
from backoffice.errors import BackofficeUnavailable, NotAllowed, NotFound
from backoffice.hr_domain import DayPart, LeaveRequest, LeaveStatus, LeaveType
from backoffice.hr_ports import HRPort
from backoffice.wiring import hr_port

router = APIRouter(prefix="/api/hr", tags=["hr"])
_bearer = HTTPBearer(auto_error=False, description="An employee identity token (role `employee`).")
HRDep = Annotated[HRPort, Depends(hr_port)]


def current_employee_id(
    settings: SettingsDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> int:
    identity = read_channel_token(credentials.credentials if credentials else None, settings.identity_secret)
    if identity is None or identity.role != "employee" or not identity.subject.isdigit():
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "a valid employee token is required", {"WWW-Authenticate": "Bearer"}
        )
    return int(identity.subject)


EmployeeIdDep = Annotated[int, Depends(current_employee_id)]


class LeaveRequestOut(BaseModel):
    number: str
    employee_id: int
    leave_type: LeaveType
    start: date
    end: date
    start_part: DayPart
    end_part: DayPart
    days: Decimal
    status: LeaveStatus
    approver_id: int | None
    created_at: datetime
    decided_at: datetime | None
    decision_note: str | None

    @classmethod
    def of(cls, request: LeaveRequest) -> LeaveRequestOut:
        return cls.model_validate(request, from_attributes=True)


class Decision(BaseModel):
    approve: bool
    note: str = Field("", max_length=500)


class LinkCode(BaseModel):
    code: str
    valid_minutes: int = 10


def _unavailable(error: BackofficeUnavailable) -> HTTPException:
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "HR system unavailable, try again later")


@router.post(
    "/leave-requests/{number}/decision",
    response_model=LeaveRequestOut,
    summary="Approve or reject a pending leave request (its approver only)",
    responses={401: {"description": "No valid employee token"}, 403: {"description": "Not the approver"},
               404: {"description": "No such request"}, 409: {"description": "Not pending any more"}},
)  # fmt: skip
def decide(number: str, decision: Decision, manager_id: EmployeeIdDep, hr: HRDep) -> LeaveRequestOut:
    try:
        return LeaveRequestOut.of(hr.decide_leave_request(number, manager_id, decision.approve, decision.note))
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such leave request") from error
    except NotAllowed as refusal:
        code = status.HTTP_403_FORBIDDEN if refusal.reason == "not_approver" else status.HTTP_409_CONFLICT
        raise HTTPException(code, refusal.reason) from refusal
    except BackofficeUnavailable as error:
        raise _unavailable(error) from error


@router.get(
    "/leave-requests/awaiting-me",
    response_model=list[LeaveRequestOut],
    summary="Pending leave requests this manager has to decide",
    responses={401: {"description": "No valid employee token"}, 503: {"description": "HR system unavailable"}},
)
def awaiting_me(manager_id: EmployeeIdDep, hr: HRDep) -> list[LeaveRequestOut]:
    try:
        return [LeaveRequestOut.of(r) for r in hr.pending_requests_for_approver(manager_id)]
    except BackofficeUnavailable as error:
        raise _unavailable(error) from error


@router.post(
    "/telegram-link-code",
    response_model=LinkCode,
    status_code=status.HTTP_201_CREATED,
    summary="A one-time code to link a Telegram account to this employee",
    responses={401: {"description": "No valid employee token"}, 503: {"description": "HR system unavailable"}},
)
def telegram_link_code(employee_id: EmployeeIdDep, hr: HRDep) -> LinkCode:
    try:
        return LinkCode(code=hr.issue_telegram_link_code(employee_id))
    except NotFound as error:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown employee") from error
    except BackofficeUnavailable as error:
        raise _unavailable(error) from error
