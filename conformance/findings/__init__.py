"""Findings: the finding model and what is derived from findings alone (root causes, severity policy,
target findings)."""
