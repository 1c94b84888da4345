"""The action server answers only the Rasa servers: every call but `/health` needs the shared token.

An action call carries a whole conversation (slots, the session proof of a verified
customer, the connector's proof of where a message came from) and the actions act on it,
so whoever can post to `/webhook` could hand them any tracker. The Rasa servers send
`X-Action-Token` (bot/endpoints.yml, ACTION_SERVER_TOKEN from the settings); anything
else gets 401 before an action runs.

This is rasa-sdk's own extension point: at start it imports a top-level package named
`rasa_sdk_plugins` and calls `init_hooks`, whose `attach_sanic_app_extensions` hook gets the
Sanic app of every worker. Nothing happens at import time.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

import pluggy

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Action-Token"
OPEN_PATHS = frozenset({"/health"})
hookimpl = pluggy.HookimplMarker("rasa_sdk")


class ActionServerAuth:
    """The hook implementation: a request middleware that checks the shared token."""

    @hookimpl  # type: ignore[misc]
    def attach_sanic_app_extensions(self, app: Any) -> None:
        from sanic import response

        from assistant.settings import get_settings

        expected = str(get_settings().action_server_token or "")
        if not expected:
            raise RuntimeError("ACTION_SERVER_TOKEN is empty: the action server would answer anyone.")

        async def require_token(request: Any) -> Any:
            if request.path in OPEN_PATHS or request.method == "OPTIONS":
                return None
            given = request.headers.get(TOKEN_HEADER, "")
            if hmac.compare_digest(given.encode(), expected.encode()):
                return None
            logger.warning(
                "Action server: %s %s refused (missing or wrong %s)", request.method, request.path, TOKEN_HEADER
            )
            return response.json(
                {"error": "unauthorized", "reason": f"{TOKEN_HEADER} is missing or wrong."}, status=401
            )

        app.register_middleware(require_token, "request")
        logger.info("Action server: calls need %s.", TOKEN_HEADER)


def init_hooks(manager: pluggy.PluginManager) -> None:
    """Called by rasa-sdk's plugin manager when the action server starts."""
    manager.register(ActionServerAuth())
