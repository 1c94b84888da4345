"""Helpers the test suites share (rather than importing each other's conftest files)."""
