"""Workflow conformance: scripted invoice lifecycles checked step by step and against business invariants.

Each provider's scenarios live in its folder (`conformance/providers/<name>/workflows.py`, WORKFLOWS,
built from the kit in conformance.scenarios); this package runs them (runner, stage).
"""

from __future__ import annotations

# Cassettes: cassettes/<provider>/workflows/<scenario>.yaml
WORKFLOW_SUITE = "workflows"
# Id seed of the doubles the committed workflow cassettes are recorded from (as scripts/record_cassettes.py).
RECORDING_SEED = 20261121
