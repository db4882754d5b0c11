"""A provider's replayed workflows remembered across runs, for exactly the inputs they were replayed from.

A replayed scenario is a function of its cassette's bytes, the spec's bytes, the code (every source
file of this package, the scenarios included) and the libraries; the key names all of them, every
workflow cassette of the provider by content, and where the cassettes are (evidence names them). A
changed spec or workflow cassette replays that provider's workflows again, and only those. An entry
that does not prove itself (conformance.core.disk_cache) or lacks the shape written here is ignored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.core import disk_cache
from conformance.coverage.exchanges import exchange_entry, remembered_exchange
from conformance.findings.model import Finding
from conformance.providers.base import Provider
from conformance.workflows import WORKFLOW_SUITE
from conformance.workflows.runner import ScenarioOutcome

AREA = disk_cache.REPLAY_AREA
_FORMAT = "workflow verdicts 4"


def workflows_key(provider: Provider, cassette_dir: Path, settings: tuple[Any, ...]) -> str:
    folder = Path(cassette_dir) / provider.name / WORKFLOW_SUITE
    cassettes = [
        f"{path.name}={hashlib.sha256(path.read_bytes()).hexdigest()}"
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.webhooks.json")])
        if path.is_file()
    ]
    spec = hashlib.sha256(provider.spec_path.read_bytes()).hexdigest()
    where = f"{Path.cwd()}\0{Path(cassette_dir).resolve()}"
    return disk_cache.digest(
        _FORMAT, disk_cache.code_fingerprint(), provider.name, spec, where, repr(settings), *cassettes
    )


def remembered(
    provider: Provider, cassette_dir: Path, settings: tuple[Any, ...], replay: Callable[[], list[ScenarioOutcome]]
) -> list[ScenarioOutcome]:
    """`replay()`'s outcomes, remembered for these inputs (replayed now when nothing proves itself)."""
    try:
        key: str | None = workflows_key(provider, cassette_dir, settings)
    except OSError:
        key = None  # a cassette that cannot be read: the replay says so
    outcomes = _outcomes(disk_cache.read(AREA, key)) if key is not None else None
    if outcomes is not None:
        return outcomes
    outcomes = replay()
    if key is not None:
        disk_cache.write(AREA, key, [_entry(outcome) for outcome in outcomes])
    return outcomes


def _entry(outcome: ScenarioOutcome) -> dict[str, Any]:
    return {
        "provider": outcome.provider,
        "scenario": outcome.scenario,
        "findings": [finding.to_json() for finding in outcome.findings],
        "requests": outcome.requests,
        "operations": sorted(outcome.operations),
        "completed": outcome.completed,
        "stopped": outcome.stopped,
        "not_judged": outcome.not_judged,
        "unplayed": outcome.unplayed,
        "exchanges": [exchange_entry(exchange) for exchange in outcome.exchanges],
        "lifecycle": outcome.lifecycle,
        "events": None if outcome.events is None else list(outcome.events),
        "probed": sorted(outcome.probed),
        "budget_cut": outcome.budget_cut,  # a replay has no budget, but an entry keeps every field
    }


def _outcomes(entry: Any) -> list[ScenarioOutcome] | None:
    """The remembered outcomes, or None when the entry is not what `_entry` writes."""
    if not isinstance(entry, list):
        return None
    try:
        return [
            ScenarioOutcome(
                provider=str(item["provider"]),
                scenario=str(item["scenario"]),
                findings=[Finding.from_json(finding) for finding in item["findings"]],
                requests=int(item["requests"]),
                operations={str(operation) for operation in item["operations"]},
                completed=bool(item["completed"]),
                stopped=None if item["stopped"] is None else str(item["stopped"]),
                not_judged=None if item["not_judged"] is None else str(item["not_judged"]),
                unplayed=int(item["unplayed"]),
                exchanges=[remembered_exchange(fields) for fields in item["exchanges"]],
                lifecycle=_lifecycle(item["lifecycle"]),
                events=None if item["events"] is None else tuple(str(name) for name in item["events"]),
                probed={str(key) for key in item["probed"]},
                budget_cut=bool(item["budget_cut"]),
            )
            for item in entry
        ]
    except (KeyError, TypeError, ValueError):
        return None


def _lifecycle(value: Any) -> dict[str, Any] | None:
    if value is not None and not isinstance(value, dict):
        raise ValueError("not a lifecycle table")
    return value
