"""Handoff to a person: tickets, business hours, and the agent's side of a conversation."""
