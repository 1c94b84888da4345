"""Personal data never reaches a log file: masking installed in every process the stack starts.

Each process writes its log to `var/log/<name>.log` through its stdout and stderr, and
each (uvicorn, rasa-sdk, Rasa with structlog) configures logging its own way, some of
them before our code is imported. So masking is installed at two points that do not
depend on how a process configures its handlers:

- a log record factory: every record's message and arguments are masked when the record
  is made (argument by argument, so formatters that read `record.args`, like uvicorn's
  access log, keep working), and so is the text of an attached exception;
- stdout and stderr wrapped, for what bypasses logging (warnings, a traceback printed by a
  dying thread, a stray print).

Masking uses `pii.redact(..., model=False)`: the rules only, fast enough for every line,
and no model is loaded from inside a logging call. Standard library only, so the Rasa
engine (Python 3.10) installs it too: `python -m engine` and `python -m assistant.pii_logging
<module> ...` (the runner the supervisor uses for uvicorn and the action server).
"""

from __future__ import annotations

import io
import logging
import re
import runpy
import sys
from typing import Any, TextIO

from assistant.pii import NAME_MASK, redact

_installed = False


# Fields that hold a person's name whatever it looks like, as logs print them: Rasa's
# "SlotSet(key: customer_name, value: Ravi Silva)", JSON '"customer_name": "Ravi Silva"', a tracker dump's
# "\tcustomer_name: Ravi Silva\n" (no word boundary before it: the tab is escaped).
_NAME_FIELD = re.compile(
    r"""(?P<lead>(?:customer_name|employee_name|identity_name|full_name)\b["']?\s*(?:[:=]|,\s*value:)\s*["']?)"""
    r"""(?P<value>[^"',)}\]\n\[\\]{1,80})"""
)


# Credentials in URLs and messages: signed tokens (payment links, identity and connector proofs are JWTs)
# and any `token=` query value (a payment link in the API's access log, the Rasa API's auth token).
_JWT = re.compile(r"eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}")
_TOKEN_PARAM = re.compile(r"(?P<lead>\btoken=)[^&\s\"']+")
TOKEN_MASK = "[token]"


def mask_credentials(text: str) -> str:
    """`text` with signed tokens and `token=` values replaced: a log line never opens a payment page."""
    if "eyJ" in text:
        text = _JWT.sub(TOKEN_MASK, text)
    if "token=" in text:
        text = _TOKEN_PARAM.sub(lambda m: m.group("lead") + TOKEN_MASK, text)
    return text


def _mask(text: str) -> str:
    masked = redact(mask_credentials(text), model=False)
    if "_name" in masked:
        masked = _NAME_FIELD.sub(
            lambda m: m.group("lead") + NAME_MASK if m.group("value").strip() not in ("None", "null") else m.group(0),
            masked,
        )
    return masked


def _mask_arg(value: Any) -> Any:
    """A %-format argument, masked; numbers stay numbers (`%d` still works), the rest becomes masked text."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else str(value)
    masked = _mask(text)
    return masked if masked != text or isinstance(value, str) else value


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask the record in place: its message, its arguments, its exception and stack text."""
    if isinstance(record.msg, str):
        record.msg = _mask(record.msg)
    elif record.msg is not None and not isinstance(record.msg, int | float):
        masked = _mask(str(record.msg))
        if masked != str(record.msg):
            record.msg = masked
    if isinstance(record.args, tuple):
        record.args = tuple(_mask_arg(arg) for arg in record.args)
    elif isinstance(record.args, dict):
        record.args = {key: _mask_arg(arg) for key, arg in record.args.items()}
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        # Formatters use exc_text when it is set: the traceback (and the exception's message) masked once.
        record.exc_text = _mask(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = _mask(record.stack_info)
    return record


class MaskingFilter(logging.Filter):
    """The same masking as a filter, for a handler created by code that resets the record factory."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


class MaskingStream(io.TextIOBase):
    """A text stream that masks what is written to it and passes the rest to the stream it wraps."""

    def __init__(self, wrapped: TextIO) -> None:
        self._wrapped = wrapped

    def write(self, text: str) -> int:
        self._wrapped.write(_mask(text))
        return len(text)

    def flush(self) -> None:
        self._wrapped.flush()

    def isatty(self) -> bool:
        return self._wrapped.isatty()

    def fileno(self) -> int:
        return self._wrapped.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._wrapped.encoding

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)


def install() -> None:
    """Mask personal data in every log record and in stdout/stderr of this process; idempotent."""
    global _installed
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    if not isinstance(sys.stdout, MaskingStream):
        sys.stdout = MaskingStream(sys.stdout)  # type: ignore[assignment]
    if not isinstance(sys.stderr, MaskingStream):
        sys.stderr = MaskingStream(sys.stderr)  # type: ignore[assignment]


def main() -> None:
    """`python -m assistant.pii_logging MODULE [ARGS...]`: run MODULE as `python -m` would, masking installed."""
    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m assistant.pii_logging MODULE [ARGS...]")
    install()
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    # Run as `python -m`, this file is `__main__`: use the importable module's state, so that a later
    # `import assistant.pii_logging` (the engine's, the API's) finds masking already installed.
    from assistant.pii_logging import main as run

    run()
