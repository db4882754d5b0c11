"""Workflow conformance: scripted invoice lifecycles checked step by step and against business invariants.

One module per provider (`conformance.workflows.<provider>`) defines `WORKFLOWS`, its scenarios and
the documented facts they check; adding a provider's workflows means adding that one module.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.workflows.scenario import ProviderWorkflows

# Cassettes: cassettes/<provider>/workflows/<scenario>.yaml
WORKFLOW_SUITE = "workflows"
# Id seed of the doubles the committed workflow cassettes are recorded from (as scripts/record_cassettes.py).
RECORDING_SEED = 20261121


def workflows_for(provider: str) -> ProviderWorkflows | None:
    """The provider's workflows, or None if it has no module here."""
    from conformance.workflows.scenario import ProviderWorkflows

    name = f"{__name__}.{provider}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise
    found = getattr(module, "WORKFLOWS", None)
    return found if isinstance(found, ProviderWorkflows) else None
