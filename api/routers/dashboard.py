"""The analytics dashboard page (`/dashboard`): charts, drill-down tables, CSV export.

A static page, its script and style, and the vendored Chart.js; the data comes from
`/api/analytics/*` with the admin token the person types in (kept in sessionStorage),
so the page itself holds nothing secret. Only the files listed are served, one route each. Strict
Content-Security-Policy: scripts and styles only from this site, no inline code, no
framing; CSV downloads are made in the page from the API's answer (a `blob:` link).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.pages import static_page_headers

router = APIRouter(tags=["dashboard"])

STATIC = Path(__file__).resolve().parents[1] / "static" / "dashboard"
FILES = {
    "dashboard.js": ("dashboard.js", "text/javascript; charset=utf-8"),
    "dashboard.css": ("dashboard.css", "text/css; charset=utf-8"),
    "vendor/chart.umd.js": ("vendor/chart.umd.js", "text/javascript; charset=utf-8"),
    "vendor/LICENSE-chart.js": ("vendor/LICENSE-chart.js", "text/plain; charset=utf-8"),
}
HEADERS = static_page_headers("'self' data:")


@router.get("/dashboard", summary="The analytics dashboard page (admin sign-in)", response_class=FileResponse)
def dashboard_page() -> FileResponse:
    return FileResponse(STATIC / "dashboard.html", media_type="text/html; charset=utf-8", headers=HEADERS)


def _file(name: str) -> FileResponse:
    relative, media_type = FILES[name]
    return FileResponse(STATIC / relative, media_type=media_type, headers=HEADERS)


@router.get("/dashboard/dashboard.js", summary="The dashboard's script", response_class=FileResponse)
def dashboard_script() -> FileResponse:
    return _file("dashboard.js")


@router.get("/dashboard/dashboard.css", summary="The dashboard's style", response_class=FileResponse)
def dashboard_style() -> FileResponse:
    return _file("dashboard.css")


@router.get("/dashboard/vendor/chart.umd.js", summary="Chart.js 4.6.1 (vendored, MIT)", response_class=FileResponse)
def dashboard_chart_js() -> FileResponse:
    return _file("vendor/chart.umd.js")


@router.get("/dashboard/vendor/LICENSE-chart.js", summary="Chart.js's licence", response_class=FileResponse)
def dashboard_chart_js_licence() -> FileResponse:
    return _file("vendor/LICENSE-chart.js")
