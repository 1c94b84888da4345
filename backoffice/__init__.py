"""The back office: ports (what the assistant may ask) and their implementations."""
