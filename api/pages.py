"""The plain HTML pages of the API (payment page, demo intranet), one look for all.

Every value put into a page goes through `html.escape` at the call site; this
module only wraps a body that is already safe.
"""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Northwind Goods</title>
<style>
body{{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0;color:#1d2733}}
main{{max-width:28rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:12px;box-shadow:0 2px 12px #0001}}
h1{{font-size:1.3rem;margin-top:0}} dl{{display:grid;grid-template-columns:auto 1fr;gap:.4rem 1rem}}
dt{{color:#5b6775}} button{{width:100%;padding:.8rem;font-size:1rem;border:0;border-radius:8px;
background:#1f6feb;color:#fff;cursor:pointer}} .note{{color:#5b6775;font-size:.85rem}} .ok{{color:#137333}}
</style></head><body><main>{body}</main></body></html>"""


def static_page_headers(img_src: str = "'self'") -> dict[str, str]:
    """Headers of the static single-page tools (agent console, dashboard): their own files only.

    No inline script or style, no third-party origin, never framed; `img_src` widens images
    (the dashboard's charts export as data: URLs).
    """
    policy = [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        f"img-src {img_src}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return {
        "Content-Security-Policy": "; ".join(policy),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


def render_page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    """`body` must already be escaped HTML. Never cached: a page may show an invoice opened by a signed link."""
    return HTMLResponse(
        PAGE.format(title=escape(title), body=body), status_code=status_code, headers={"Cache-Control": "no-store"}
    )
