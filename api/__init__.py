"""The FastAPI app: health, the payment page, admin endpoints (and later the web pages)."""
