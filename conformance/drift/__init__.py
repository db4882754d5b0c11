"""Drift detection: what changed between two cassette sets, or between two versions of a spec.

Cassettes: `cassette_sets` reads both sets and maps every interaction to its operation, `shapes`
extracts a per-operation, per-status shape from the responses, `cassette_diff` and `field_diff`
compare the shapes, `volatility` decides which values are run-specific, and `pairing` finds the
requests both runs sent. Specs: `spec_diff` compares two documents (`spec_security`,
`spec_requests`, `spec_responses`), reading schemas through `schema_facts`. Both produce `Change`s
(`changes`) whose severity comes from one rule table (`rules`); `report` turns them into `drift`
findings and `command` is the CLI.
"""
