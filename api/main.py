"""The API application: `uvicorn api.main:app`."""

from __future__ import annotations

from fastapi import FastAPI

from api.routers import (
    admin,
    analytics,
    console,
    dashboard,
    feedback,
    handoff,
    health,
    hr,
    intranet,
    knowledge,
    payments,
    privacy,
    site,
    widget,
)
from api.security import (
    BodySizeLimitMiddleware,
    RateLimitMiddleware,
    SecurityHeadersMiddleware,
    install_access_log_filter,
)
from assistant.settings import get_settings


def create_app() -> FastAPI:
    app = FastAPI(
        title="Northwind assistant API",
        version="0.1.0",
        description=(
            "Health of the stack, the demo payment page, HR endpoints for employees and managers, "
            "the demo intranet, answers from the company's documents and admin endpoints."
        ),
    )
    app.include_router(health.router)
    app.include_router(payments.router)
    app.include_router(admin.router)
    app.include_router(hr.router)
    app.include_router(intranet.router)
    app.include_router(knowledge.router)
    app.include_router(handoff.router)
    app.include_router(console.router)
    app.include_router(analytics.router)
    app.include_router(dashboard.router)
    app.include_router(feedback.router)
    app.include_router(widget.router)
    app.include_router(site.router)
    app.include_router(privacy.router)
    # Outermost last: headers on every response, then the rate limit, then the size limit.
    settings = get_settings()
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.api_max_request_bytes)
    app.add_middleware(
        RateLimitMiddleware,
        per_minute=settings.api_rate_limit_per_ip,
        storage_url=settings.rate_limit_storage_url,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    install_access_log_filter()
    return app


app = create_app()
