"""Secrets a local stack makes for itself: random, kept under `var/secrets/`, readable only by their owner.

Why: the Rasa HTTP API and the action server must never run open, yet `make run` on a
fresh clone must work without anyone choosing a token. So in local and test modes a
missing token is generated once and every process of the stack (the supervisor, the
API, the action server, the CLI) reads the same file. Production names its own tokens:
the settings refuse to start without them.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRETS_DIR = "secrets"


def local_secret(var_dir: Path, name: str) -> str:
    """The secret `name` of this stack, made on first use (atomic: two processes agree on one value)."""
    folder = var_dir / SECRETS_DIR
    path = folder / name
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    candidate = folder / f".{name}.{os.getpid()}.tmp"
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(32))
    try:
        os.link(candidate, path)  # fails if another process made it first: theirs wins
    except FileExistsError:
        pass
    finally:
        candidate.unlink(missing_ok=True)
    return path.read_text().strip()
