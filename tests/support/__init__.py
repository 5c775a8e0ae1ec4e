"""Helpers for the integration and end-to-end tests."""
