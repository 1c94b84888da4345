"""Typed errors raised by every back-office adapter.

Actions turn each of these into a polite reply; none of them may carry another
customer's data in its message, because a message can end up in a reply or a log.
"""

from __future__ import annotations


class BackofficeError(Exception):
    """Base class of every back-office error."""


class BackofficeUnavailable(BackofficeError):
    """The back office could not be reached or did not answer in time."""


class NotFound(BackofficeError):
    """No such record *for this customer*: unknown and someone else's look the same."""


class NotAllowed(BackofficeError):
    """The operation is not possible in the record's current state.

    `reason` is a machine-readable code (e.g. `already_shipped`), so the reply can
    explain it in the customer's words.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
