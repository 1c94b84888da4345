"""The agent console page (`/console`): the queue of handoffs, a conversation, reply and hand back.

A static page and script; the data comes from `/api/handoffs` with the agent's token,
so the page itself holds nothing secret. Strict Content-Security-Policy: scripts and
styles only from this site, no inline code, no framing.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.pages import static_page_headers

router = APIRouter(tags=["console"])

STATIC = Path(__file__).resolve().parents[1] / "static" / "console"
HEADERS = static_page_headers()


@router.get("/console", summary="The agent console page", response_class=FileResponse)
def console_page() -> FileResponse:
    return FileResponse(STATIC / "console.html", media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get("/console/console.js", summary="The agent console's script", response_class=FileResponse)
def console_script() -> FileResponse:
    return FileResponse(STATIC / "console.js", media_type="text/javascript; charset=utf-8", headers=HEADERS)


@router.get("/console/console.css", summary="The agent console's style", response_class=FileResponse)
def console_style() -> FileResponse:
    return FileResponse(STATIC / "console.css", media_type="text/css; charset=utf-8", headers=HEADERS)
