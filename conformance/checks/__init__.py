"""Checks: what a response (or a sequence of them) must satisfy, beyond schemathesis's built-in checks."""
