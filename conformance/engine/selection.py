"""`--include-operation-id`: the engine generates requests for the named operations only.

Like schemathesis's own option of that name, it narrows generation, so it needs a target that
generates (live, record, sandbox, `--base-url`). A replay replays what its cassette recorded (an exact
replay of a narrowed recording regenerates the same operations: the cassette's metadata names them), and
says so instead of silently ignoring the option.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from conformance.core.errors import UsageError
from conformance.providers import select_providers
from conformance.targets import TargetOptions, mode_for

if TYPE_CHECKING:
    from conformance.engine.settings import Settings
    from conformance.spec.specs import Spec


def check_selection(operation_ids: Sequence[str], provider_names: Sequence[str], options: TargetOptions) -> None:
    """Stop before the run (exit 2) on a selection that would do nothing or not what was asked."""
    if not operation_ids:
        return
    providers = select_providers(tuple(provider_names))
    known = {op for provider in providers for op in provider.spec.operations}
    unknown = [op for op in dict.fromkeys(operation_ids) if op not in known]
    if unknown:
        names = ", ".join(p.name for p in providers)
        raise UsageError(
            f"no selected provider ({names}) has an operation {', '.join(map(repr, unknown))}; "
            "`conformance providers` lists each provider's operationIds."
        )
    for provider in providers:
        if not set(operation_ids) & set(provider.spec.operations):
            raise UsageError(
                f"none of the operations given with --include-operation-id is {provider.title}'s; name one of its "
                f"operations too, or limit the run with --provider."
            )
    for provider in providers:
        if mode_for(provider, options) == "replay":
            raise UsageError(
                f"--include-operation-id narrows what is generated, and {provider.title} is replayed from its "
                "cassette as it was recorded; record with the option, or run live (--target, --base-url)."
            )


def for_spec(settings: Settings, spec: Spec) -> Settings:
    """The selection this spec's run generates for (and its recording names), each operation once."""
    return replace(settings, operations=tuple(op for op in dict.fromkeys(settings.operations) if op in spec.operations))


def narrowed(schema: Any, operation_ids: Sequence[str], spec_operations: Sequence[str]) -> Any:
    """The schemathesis schema with only the selected operations of this spec (all of them if none)."""
    mine = [op for op in operation_ids if op in spec_operations]
    if not mine:
        return schema
    schema = schema.include(operation_id=mine)
    if not schema.statistic.transitions.selected:
        # No link between the selected operations: there is no sequence to test, and schemathesis would
        # fail on an empty state machine.
        schema.config.phases.stateful.enabled = False
    return schema
