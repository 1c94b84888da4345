"""How many wrong guesses at the identity check each key may make, and for how long a lock holds.

The check asks for an order (or invoice) number and the e-mail on it. Order numbers are a
sequence, so an attacker who knows someone's e-mail could walk the numbers; one who knows
an order number could try e-mails. A new conversation or `/restart` resets the
per-conversation count, so the caps that matter are kept in the back office, per key:

- `reference`: the order or invoice number tried (a known number, e-mails guessed);
- `email`: the e-mail tried, stored only as a hash (a known e-mail, numbers walked);
- `client`: where the guesses come from — an IP address, or a Slack/Telegram account,
  as the Rasa server's connector signed it (many e-mails and numbers from one place).

Past `limit` failures a key is locked; each further failure doubles the lock (back-off),
and failures older than `memory` are forgotten. A locked check says only that it cannot
go on; it never tells whether the number or the e-mail was wrong, or whether either
exists. An owner locked out this way still signs in on the website (a signed token
needs no check) or passes the check once the lock has run out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Cap:
    """The rule for one kind of key."""

    kind: str
    limit: int
    first_lock: timedelta
    memory: timedelta

    def locked_until(self, failures: list[datetime], now: datetime) -> datetime | None:
        """Until when the key is locked, given its failures (any order); None when it is not locked."""
        if self.limit <= 0:
            return None  # the cap is off
        recent = [at for at in failures if at >= now - self.memory]
        if len(recent) < self.limit:
            return None
        last = max(recent)
        doublings = min(len(recent) - self.limit, 30)
        until = min(last + self.first_lock * (2**doublings), last + self.memory)
        return until if until > now else None


def reference_key(reference: str) -> str:
    """The normalised order or invoice number itself (the key recorded before the other caps existed)."""
    return reference


def email_key(email: str) -> str:
    """The e-mail as a hash: the failures table must not become a list of addresses people tried."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]
    return f"email:{digest}"


def client_key(client: str) -> str:
    """An IP address or a platform account, as the connector signed it."""
    return f"client:{client.strip()[:100]}"


def default_caps(per_reference: int = 5, per_email: int = 5, per_client: int = 20) -> dict[str, Cap]:
    """The caps of the identity check (limits from the settings; 0 turns one off)."""
    return {
        "reference": Cap("reference", per_reference, timedelta(hours=1), timedelta(days=1)),
        "email": Cap("email", per_email, timedelta(hours=1), timedelta(days=30)),
        "client": Cap("client", per_client, timedelta(hours=1), timedelta(days=7)),
    }
