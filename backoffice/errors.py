"""Typed errors raised by every back-office adapter.

Actions turn each of these into a polite reply; none of them may carry another
customer's data in its message, because a message can end up in a reply or a log.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal


class BackofficeError(Exception):
    """Base class of every back-office error."""


class BackofficeUnavailable(BackofficeError):
    """The back office could not be reached or did not answer in time."""


class NotFound(BackofficeError):
    """No such record *for this customer*: unknown and someone else's look the same."""


# What a refusal may carry besides its reason: values, never words (the reply writes those).
Fact = Decimal | date | int | str


class NotAllowed(BackofficeError):
    """The operation is not possible in the record's current state.

    `reason` is a machine-readable code (e.g. `already_shipped`), so the reply can
    explain it in the customer's words. `facts` are the values that explanation may
    need, as data (`available=Decimal("2.5")`, `delivered_on=date(...)`,
    `request="LR-00012"`): the back office writes no English, so the reply catalog and
    the locale's number and date formats decide how they read.
    """

    def __init__(self, reason: str, **facts: Fact) -> None:
        shown = ", ".join(f"{name}={value}" for name, value in facts.items())
        super().__init__(f"{reason}: {shown}" if shown else reason)
        self.reason = reason
        self.facts: dict[str, Fact] = facts
