"""Log masking in a real process started the way the supervisor starts one (`python -m assistant.pii_logging`)."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from assistant.pii_logging import MaskingFilter

ROOT = Path(__file__).resolve().parents[2]

NOISY_MODULE = """
import logging, sys, threading, warnings
logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(message)s")
log = logging.getLogger("noisy")
log.info("user said %s", "my email is ravi.silva@example.com")
log.info("card %s iban %s", "4111 1111 1111 1111", "NL91ABNA0417164300")
log.info({"text": "call me on +46 8 5855124"})
log.info("%d items for order %s", 3, "ORD-10234")
log.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/x?mail=a@b.io", "1.1", 200)
try:
    raise ValueError("bad address ravi.silva@example.com")
except ValueError:
    log.exception("failed for Ravi")
print("printed: my name is Ravi Silva, ravi.silva@example.com")
def dying():
    raise RuntimeError("thread saw 4111111111111111")
thread = threading.Thread(target=dying); thread.start(); thread.join()
warnings.warn("warned about ravi.silva@example.com")
"""


def test_a_process_started_through_the_runner_logs_no_personal_data(tmp_path: Path) -> None:
    (tmp_path / "noisy_module.py").write_text(NOISY_MODULE)
    result = subprocess.run(
        [sys.executable, "-m", "assistant.pii_logging", "noisy_module"],
        cwd=ROOT,
        env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for secret in ("ravi.silva@example.com", "4111 1111 1111 1111", "4111111111111111", "NL91ABNA0417164300",
                   "5855124", "Ravi Silva", "a@b.io"):  # fmt: skip
        assert secret not in output, f"{secret!r} leaked:\n{output}"
    assert "user said my email is [email]" in output
    assert "3 items for order ORD-10234" in output, "numbers and references stay as they were"
    assert '"GET /x?mail=[email] HTTP/1.1" 200' in output, "an access-log record keeps its shape"
    assert "ValueError: bad address [email]" in output, "the traceback is masked too"
    assert "printed: my name is [name], [email]" in output


def test_the_filter_masks_a_record_in_place() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "to %s at %s", ("a@b.io", "+31612345678"), None)
    assert MaskingFilter().filter(record)
    assert record.getMessage() == "to [email] at [phone]"


def test_name_slots_are_masked_however_a_log_prints_them() -> None:
    from assistant.pii_logging import _mask

    line = (
        '["SlotSet(key: customer_name, value: Ravi Silva)", "SlotSet(key: customer_name, value: None)"] '
        '{"customer_name": "Chloé Jansen"} slots:\\n\\tcustomer_name: Ravi Silva\\n\\tverify_attempts: 0'
    )
    assert _mask(line) == (
        '["SlotSet(key: customer_name, value: [name])", "SlotSet(key: customer_name, value: None)"] '
        '{"customer_name": "[name]"} slots:\\n\\tcustomer_name: [name]\\n\\tverify_attempts: 0'
    )
