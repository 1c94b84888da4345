"""Rasa input channels of our own, named in the credentials file by their module path."""
