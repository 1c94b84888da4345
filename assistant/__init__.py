"""Cross-cutting core of the assistant: settings, CLI, identity tokens, logging."""
