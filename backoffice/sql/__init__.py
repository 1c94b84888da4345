"""The embedded SQL back office: models, engine, migrations and the port adapters."""
