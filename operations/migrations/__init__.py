"""Alembic migrations of every domain package's tables; run them with `operations.schema.upgrade`."""
