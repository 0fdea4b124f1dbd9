"""Helpers the test suites share (no test module imports another)."""
