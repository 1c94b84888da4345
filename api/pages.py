"""The HTML pages of the API (demo website, payment page, demo intranet): Jinja2 templates, autoescaped.

Every value reaches a page through a template variable, so it is escaped by default; the
one value marked `safe` (the widget's JSON config) is escaped for a script element by the
code that makes it. The plain pages share `templates/page.html` (one look, one inline
stylesheet, allowed by its hash in the Content-Security-Policy).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

PLAIN_PAGE = "page.html"


@lru_cache(maxsize=1)
def templates() -> Environment:
    """The templates under api/templates/, HTML autoescaped (a stray `<` in a name is text, never markup)."""
    return Environment(
        loader=PackageLoader("api", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, status_code: int = 200, headers: dict[str, str] | None = None, **values: Any) -> HTMLResponse:
    """A page from its template. Never cached: a page may show an invoice opened by a signed link."""
    html = templates().get_template(template).render(**values)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store", **(headers or {})})


def render_message(title: str, message: str, status_code: int = 200) -> HTMLResponse:
    """A plain page that only says something: a heading and one sentence."""
    return render(PLAIN_PAGE, status_code, title=title, heading=title, message=message)


def plain_page_stylesheet() -> str:
    """The inline stylesheet of the plain pages, as the browser hashes it (for the CSP)."""
    source = templates().loader.get_source(templates(), PLAIN_PAGE)[0]  # type: ignore[union-attr]
    found = re.search(r"<style>(.*?)</style>", source, re.DOTALL)
    return found.group(1) if found else ""


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
