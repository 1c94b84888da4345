"""Names and e-mail addresses for the demo data, shared by the customer and HR seeders."""

from __future__ import annotations

import unicodedata


def email_part(name: str) -> str:
    """`Zoë` -> `zoe`, `O'Brien` -> `obrien`, `De Vries` -> `devries`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(char for char in ascii_name.lower() if char.isalnum())
