"""The e2e stack's settings: ports, folders, secrets and the environment every process it starts inherits.

Shared by the e2e fixtures (tests/e2e/conftest.py) and the suites that start stacks of their own
on top of the same settings (tests/faults, tests/scale), so each reads one definition instead of
importing another folder's conftest. Ports move with E2E_PORT_OFFSET, so two runs can share a machine.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# E2E_PORT_OFFSET lets two e2e runs share a machine (each its own ports and var/ folder).
PORT_OFFSET = int(os.environ.get("E2E_PORT_OFFSET", "0"))
E2E_VAR_DIR = ROOT / "var" / (f"e2e-{PORT_OFFSET}" if PORT_OFFSET else "e2e")
RASA_URL = f"http://127.0.0.1:{15005 + PORT_OFFSET}"
ACTION_SERVER_URL = f"http://127.0.0.1:{15055 + PORT_OFFSET}"
NLU_URL = f"http://127.0.0.1:{15006 + PORT_OFFSET}"  # the NLU process beside the Rasa server
PUBLIC_URL = f"http://127.0.0.1:{18000 + PORT_OFFSET}"
TELEGRAM_API_PORT = 18081 + PORT_OFFSET
SLACK_API_PORT = 18082 + PORT_OFFSET
WEBCHAT_PAGE_PORT = 18083 + PORT_OFFSET  # the page embedding rasa-webchat (test_webchat.py): another site's origin
# Outside the wiped var/e2e: ingestion is idempotent, so later runs only check the hashes.
E2E_KNOWLEDGE_DIR = ROOT / "var" / "cache" / f"e2e-knowledge-{PORT_OFFSET}"
TELEGRAM_TOKEN = "123456789:e2e-telegram-bot-token"
TELEGRAM_BOT_USERNAME = "northwind_e2e_bot"
TELEGRAM_WEBHOOK_SECRET = "e2e-telegram-webhook-secret_0123"
SLACK_TOKEN = "xoxb-e2e-slack-bot-token"
SLACK_SIGNING_SECRET = "e2e-slack-signing-secret-0123456789abcdef"
BACKOFFICE_TIMEOUT_S = 1.5
IDENTITY_SECRET = "e2e-identity-secret-0123456789abcdefghij"
# Closed by default: the Rasa HTTP API and the action server need their tokens in every mode.
RASA_API_TOKEN = "e2e-rasa-api-token-0123456789"
RASA_API = {"token": RASA_API_TOKEN}  # the query parameter Rasa's `--auth-token` reads
ACTION_SERVER_TOKEN = "e2e-action-server-token-0123456789"
ADMIN_TOKEN = "e2e-admin-token-0123456789"
DEMO_PASSWORD = "e2e-demo-password"  # test mode refuses the dev- placeholders
AGENT_TOKENS = {"Alex": "e2e-agent-alex-0123456789", "Sam": "e2e-agent-sam-0123456789"}
RETURN_WINDOW_DAYS = 30
VERIFY_MAX_ATTEMPTS = 3
# Nothing listens on port 9 ("discard"): every connection is refused at once.
UNREACHABLE_DATABASE = "postgresql+psycopg://127.0.0.1:9/none"
# Generous for the first message (Rasa warms its graph), tiny compared to the start-up.
CHAT_TIMEOUT_S = 30.0
START_TIMEOUT_S = 240.0

# Words that must never reach a customer: a stack trace or a raw error.
LEAK_MARKERS = ("Traceback", "Exception", "Error:")


def e2e_environment() -> dict[str, str]:
    """What the stack under test is configured with (inherited by every process it starts)."""
    return {
        "ASSISTANT_ENV": "test",
        "VAR_DIR": str(E2E_VAR_DIR),
        "DATABASE_URL": f"sqlite:///{E2E_VAR_DIR / 'backoffice.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{E2E_VAR_DIR / 'tracker.db'}",
        "RASA_URL": RASA_URL,
        "ACTION_SERVER_URL": ACTION_SERVER_URL,
        "NLU_SERVER_URL": NLU_URL,
        "PUBLIC_URL": PUBLIC_URL,
        "BACKOFFICE_TIMEOUT_S": str(BACKOFFICE_TIMEOUT_S),
        "IDENTITY_SECRET": IDENTITY_SECRET,
        "RASA_API_TOKEN": RASA_API_TOKEN,
        "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN,
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "RETURN_WINDOW_DAYS": str(RETURN_WINDOW_DAYS),
        "VERIFY_MAX_ATTEMPTS": str(VERIFY_MAX_ATTEMPTS),
        "HF_HUB_OFFLINE": "1",
        # Telegram is on, talking to the local stand-in of its Bot API (telegram_standin.py).
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_BOT_USERNAME": TELEGRAM_BOT_USERNAME,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_WEBHOOK_SECRET,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{TELEGRAM_API_PORT}",
        # Slack is on too, talking to the local stand-in of its Web API (slack_standin.py).
        "SLACK_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_API_URL": f"http://127.0.0.1:{SLACK_API_PORT}/api/",
        "KNOWLEDGE_DIR": str(E2E_KNOWLEDGE_DIR),
        # A company's own website embedding a chat widget calls the Rasa server from its origin.
        "CORS_ORIGINS": f"http://127.0.0.1:{WEBCHAT_PAGE_PORT}",
        "AGENT_TOKENS": ",".join(f"{name}:{token}" for name, token in AGENT_TOKENS.items()),
        "HANDOFF_HOURS": "always",
        # The rate limits are off for the suite (every test talks from 127.0.0.1, some in bursts);
        # test_privacy.py turns them on for its own Rasa server and checks the 429s.
        "API_RATE_LIMIT_PER_IP": "0",
        "CHANNEL_RATE_LIMIT_PER_IP": "0",
        "CHANNEL_RATE_LIMIT_PER_SENDER": "0",
    }


CHROMIUM = "/usr/bin/chromium"  # Debian's Chromium, driven by Playwright (never `playwright install`)
