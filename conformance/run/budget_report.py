"""What a run with a budget (`--max-requests`, `--max-duration`) says about it: `run.budget` in findings.json
(spent, clean-up, why it stopped), every report's gap sentence, and each provider's coverage entry naming
the operations and workflow scenarios the spent budget left unreached."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from conformance.coverage.model import ProviderCoverage
from conformance.http.budget import Budget
from conformance.providers.base import Provider
from conformance.run.shards import ShardPlan
from conformance.targets.stage import StageResult


def not_reached(
    providers: Sequence[Provider],
    total: StageResult,
    operations: Sequence[str] = (),
    plan: ShardPlan | None = None,
) -> dict[str, dict[str, list[str]]]:
    """provider -> the operations its engine never exercised and the scenarios it skipped or cut short."""
    portions = plan.engine_operations() if plan is not None else None
    found: dict[str, dict[str, list[str]]] = {}
    for provider in providers:
        spec_ops = list(provider.spec.operations)
        if portions is not None:
            planned = list(portions.get(provider.name, ()))
        else:
            chosen = [op for op in operations if op in spec_ops]
            planned = chosen or spec_ops  # a selection naming none of this spec's operations runs them all
        exercised = {op for name, op in total.operations if name == provider.name}
        missing = [op for op in planned if op not in exercised]
        scenarios = list(total.unreached.get(provider.name, ()))
        if missing or scenarios:
            found[provider.name] = {"operations": missing, "scenarios": scenarios}
    return found


def budget_json(spending: Budget, unreached: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    """`run.budget`: the limits, what was spent, why the run stopped (null: it did not), what it did not reach."""
    document = spending.to_json()
    reached = not spending.exhausted
    document["not_reached"] = {} if reached else unreached
    document["gaps"] = [] if reached else [_sentence(document, unreached)]
    return document


def _sentence(document: dict[str, Any], unreached: dict[str, dict[str, list[str]]]) -> str:
    why = (
        f"--max-duration {document['max_duration']:g} s"
        if document["exhausted"] == "duration"
        else f"--max-requests {document['max_requests']}"
    )
    spent = f"{document['spent']} requests, {document['cleanup']} for clean-up"
    if document.get("reserved"):
        spent += f", {document['reserved']} kept for it"
    parts = []
    for provider, missing in unreached.items():
        named = [*missing["operations"], *(f"workflow {s}" for s in missing["scenarios"])]
        parts.append(f"{provider}: {', '.join(named)}")
    reached = "; not reached: " + "; ".join(parts) if parts else "; every operation and scenario was reached"
    return f"Budget spent ({why}; {spent}): the run stopped early{reached}."


def with_unreached(
    coverage: tuple[ProviderCoverage, ...], unreached: dict[str, dict[str, list[str]]]
) -> tuple[ProviderCoverage, ...]:
    """Each provider's coverage naming what the budget left unreached (operations, `workflow <scenario>`)."""
    return tuple(
        replace(
            entry,
            not_reached=tuple(
                [
                    *unreached[entry.provider]["operations"],
                    *(f"workflow {s}" for s in unreached[entry.provider]["scenarios"]),
                ]
            ),
        )
        if entry.provider in unreached
        else entry
        for entry in coverage
    )
