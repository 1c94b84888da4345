"""Alembic migrations of the embedded back office; run them with `backoffice.sql.migrate.upgrade`."""
