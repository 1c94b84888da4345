"""Personal data across the domain: erasure on request reaches the conversations (tracker events), the
handoff tickets and the logs, so it sits above the packages that own them."""
