"""`--shard K/N`: the run's work cut into units, dealt deterministically into N weight-balanced shards.

Units: the documentation audit (once, always shard 1); each workflow scenario whole; the engine's work
per provider and operation. A run that generates requests keeps the operations its spec connects by
OpenAPI links in one unit (schemathesis's stateful phase walks those links); a re-judging replay
generates nothing, so each recorded operation is a unit of its own there.

Weights: a replay's are the interactions recorded for the unit (counted from the cassette's lines,
without parsing it); a generating run's are estimates (operations x --max-examples, a scenario's last
recording). The units, in a fixed order, are cut into N consecutive runs whose heaviest is as light as
possible, so every shard computes the same partition from the same checkout and settings.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.cassettes import store
from conformance.core.errors import UsageError
from conformance.providers.base import Provider
from conformance.spec.specs import Spec
from conformance.targets import TargetOptions, mode_for, scenario_cassette
from conformance.workflows import WORKFLOW_SUITE

AUDIT_UNIT = "audit"
_AUDIT_WEIGHT = 1  # the audit reads the specs only: seconds at most, whatever the target
_SCENARIO_ESTIMATE = 12  # requests of a scenario never recorded


@dataclass(frozen=True)
class ShardSpec:
    index: int  # 1-based
    total: int

    @classmethod
    def parse(cls, value: str) -> ShardSpec:
        match = re.fullmatch(r"([0-9]+)/([0-9]+)", value.strip())
        if match is None or not 1 <= int(match[1]) <= int(match[2]):
            raise UsageError(f"--shard {value!r} is not K/N with 1 <= K <= N; write e.g. --shard 2/3.")
        return cls(int(match[1]), int(match[2]))


@dataclass(frozen=True)
class Unit:
    id: str
    kind: str  # audit | engine | workflow
    provider: str = ""
    operations: tuple[str, ...] = ()  # engine: the operations it covers
    scenario: str = ""  # workflow
    weight: int = 1


@dataclass(frozen=True)
class ShardPlan:
    """What one shard runs, and what its findings.json says about it (`run.shard`)."""

    shard: ShardSpec
    units: tuple[Unit, ...]
    fingerprint: Mapping[str, str]
    loads: tuple[int, ...]  # every shard's weight, for the balance
    partition: tuple[tuple[str, ...], ...] = ()  # every shard's unit ids: a partial merge names what is missing

    @property
    def audit(self) -> bool:
        return any(u.kind == "audit" for u in self.units)

    def engine_operations(self) -> dict[str, tuple[str, ...]]:
        """provider -> the operations this shard's engine covers (a provider absent: none)."""
        found: dict[str, list[str]] = {}
        for unit in self.units:
            if unit.kind == "engine":
                found.setdefault(unit.provider, []).extend(unit.operations)
        return {p: tuple(ops) for p, ops in found.items()}

    def engine_homes(self) -> frozenset[str]:
        """Providers whose first engine unit is here: findings about no operation of the spec land there."""
        return frozenset(u.provider for u in self.units if u.kind == "engine" and u.id.endswith("#home"))

    def scenarios(self) -> dict[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {}
        for unit in self.units:
            if unit.kind == "workflow":
                found.setdefault(unit.provider, []).append(unit.scenario)
        return {p: tuple(s) for p, s in found.items()}

    def to_json(self, *, operations: Iterable[tuple[str, str]], origins: Mapping[str, Sequence[int]]) -> dict[str, Any]:
        return {
            "index": self.shard.index,
            "total": self.shard.total,
            "units": [u.id for u in self.units],
            "fingerprint": dict(self.fingerprint),
            "weight": self.loads[self.shard.index - 1],
            "partition": [list(ids) for ids in self.partition],
            # What merge needs to give the unsharded run's numbers back: the (provider, operation) pairs
            # exercised (a set, the summary counts its union) and where each finding was first seen.
            "operations": sorted([p, op] for p, op in operations),
            "origins": {fp: list(rank) for fp, rank in sorted(origins.items())},
        }


def plan_units(
    providers: Sequence[Provider],
    options: TargetOptions,
    *,
    max_examples: int,
    audit: bool,
    workflows: bool,
    operations: Sequence[str] = (),
) -> list[Unit]:
    """Every unit of the run; `operations` (--include-operation-id) narrows the engine's, as it narrows the run."""
    units: list[Unit] = [Unit(AUDIT_UNIT, "audit", weight=_AUDIT_WEIGHT)] if audit else []
    for provider in providers:
        units.extend(_engine_units(provider, options, max_examples, operations))
        if workflows:
            found = provider.workflows()
            for scenario in found.scenarios if found is not None else ():
                path = scenario_cassette(options.cassette_dir, provider.name, WORKFLOW_SUITE, scenario.name)
                weight = _recorded_count(path) if path.is_file() else _SCENARIO_ESTIMATE
                units.append(
                    Unit(
                        f"workflow:{provider.name}:{scenario.name}",
                        "workflow",
                        provider.name,
                        scenario=scenario.name,
                        weight=max(weight, 1),
                    )
                )
    return units


def _engine_units(
    provider: Provider, options: TargetOptions, max_examples: int, selected: Sequence[str] = ()
) -> list[Unit]:
    spec = provider.spec
    rejudging = mode_for(provider, options) == "replay" and options.replay != "exact"
    groups = [[op] for op in spec.operations] if rejudging else linked_groups(spec)
    if selected:
        # A provider none of whose operations is selected generates for all of them (engine.selection.for_spec).
        narrowed = [[op for op in group if op in selected] for group in groups]
        if any(narrowed):
            groups = [group for group in narrowed if group]
    if rejudging:
        counts = _recorded_operations(
            spec, store.cassette_path(options.cassette_dir, provider.name, store.ENGINE_SUITE)
        )
        weights = [sum(counts.get(op, 0) for op in group) for group in groups]
    else:
        weights = [len(group) * max_examples for group in groups]
    units = []
    for number, (group, weight) in enumerate(zip(groups, weights, strict=True)):
        suffix = "#home" if number == 0 else ""  # findings about no operation of the spec belong here
        units.append(
            Unit(
                f"engine:{provider.name}:{'+'.join(group)}{suffix}",
                "engine",
                provider.name,
                operations=tuple(group),
                weight=max(weight, 1),
            )
        )
    return units


def linked_groups(spec: Spec) -> list[list[str]]:
    """The spec's operations, those connected by OpenAPI links (either way) in one group, in spec order."""
    parent = {op: op for op in spec.operations}

    def root(op: str) -> str:
        while parent[op] != op:
            parent[op] = parent[parent[op]]
            op = parent[op]
        return op

    for op in spec.operations.values():
        node = (spec.document.get("paths") or {}).get(op.path, {}).get(op.method.lower(), {})
        for response in (node.get("responses") or {}).values():
            links = response.get("links") if isinstance(response, dict) else None
            for link in (links or {}).values():
                target = link.get("operationId") if isinstance(link, dict) else None
                if target in parent:
                    parent[root(target)] = root(op.operation_id)
    groups: dict[str, list[str]] = {}
    for op_id in spec.operations:
        groups.setdefault(root(op_id), []).append(op_id)
    return list(groups.values())


_METHOD = re.compile(r"^    method: (\S+)\s*$")
_URI = re.compile(r"^    uri: (\S+)\s*$")


def _recorded_lines(path: Path) -> list[tuple[str, str]]:
    """(method, uri) of each recorded request, read line by line: a weight needs no YAML parse."""
    pairs: list[tuple[str, str]] = []
    method: str | None = None
    try:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if (m := _METHOD.match(line)) is not None:
                    method = m[1]
                elif method is not None and (u := _URI.match(line)) is not None:
                    pairs.append((method, u[1]))
                    method = None
    except OSError:
        return []
    return pairs


_lengths: dict[tuple[str, int], int] = {}


def _recorded_count(path: Path) -> int:
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _lengths:
        _lengths[key] = len(_recorded_lines(path))
    return _lengths[key]


_counted: dict[tuple[str, int, str, int], dict[str, int]] = {}


def _recorded_operations(spec: Spec, path: Path) -> dict[str, int]:
    """Recorded requests per operation (remembered per spec and cassette file: every shard plans alike)."""
    try:
        key = (str(spec.path), spec.path.stat().st_mtime_ns, str(path), path.stat().st_mtime_ns)
    except OSError:
        return {}
    if key not in _counted:
        _counted[key] = _count_operations(spec, path)
    return _counted[key]


def _count_operations(spec: Spec, path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for method, uri in _recorded_lines(path):
        operation = spec.operation_at(method, uri)
        if operation is not None:
            counts[operation.operation_id] = counts.get(operation.operation_id, 0) + 1
    return counts


def partition(units: Sequence[Unit], total: int) -> list[list[Unit]]:
    """The units in their order (audit, then each provider's engine work and scenarios) cut into `total`
    consecutive runs, the heaviest as light as possible: a shard touches few providers (a replay parses
    each provider's cassette it touches, a sandbox run starts each provider's double), and the audit,
    first in the order, is on shard 1. The same cut for the same units, on every machine."""
    weights = [u.weight for u in units]
    prefix = [0]
    for weight in weights:
        prefix.append(prefix[-1] + weight)
    count = len(units)
    infinite = prefix[-1] + 1
    # best[k][j]: the lightest heaviest load cutting the first j units into k runs; cut[k][j]: where the last begins.
    best = [[infinite] * (count + 1) for _ in range(total + 1)]
    cut = [[0] * (count + 1) for _ in range(total + 1)]
    best[0][0] = 0
    for k in range(1, total + 1):
        for j in range(count + 1):
            for i in range(j + 1):
                load = max(best[k - 1][i], prefix[j] - prefix[i])
                if load < best[k][j]:
                    best[k][j], cut[k][j] = load, i
    runs: list[list[Unit]] = []
    end = count
    for k in range(total, 0, -1):
        start = cut[k][end]
        runs.append(list(units[start:end]))
        end = start
    return list(reversed(runs))


def balance(shards: Sequence[Sequence[Unit]]) -> float:
    """Slowest shard over the mean, by weight (1.0 is perfect)."""
    loads = [sum(u.weight for u in shard) for shard in shards]
    mean = sum(loads) / len(loads)
    return max(loads) / mean if mean else 1.0


def fingerprint(providers: Sequence[Provider], options: TargetOptions, settings: Mapping[str, Any]) -> dict[str, str]:
    """What must be equal for shards to merge: the specs read, and every setting that changes the work."""
    material: dict[str, Any] = {
        "target": options.target,
        "replay": options.replay,
        "base_urls": dict(sorted((options.base_urls or {}).items())),
        "providers": [p.name for p in providers],
        **settings,
    }
    if any(mode_for(p, options) == "replay" for p in providers):
        material["cassettes"] = _cassettes_digest(providers, options.cassette_dir)
    encoded = json.dumps(material, sort_keys=True, default=str).encode()
    return {"specs": specs_digest(providers), "settings": hashlib.sha256(encoded).hexdigest()[:20]}


def specs_digest(providers: Sequence[Provider]) -> str:
    digest = hashlib.sha256()
    for provider in providers:
        digest.update(provider.name.encode() + b"\0" + provider.spec.path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def _cassettes_digest(providers: Sequence[Provider], cassette_dir: Path) -> str:
    digest = hashlib.sha256()
    for provider in providers:
        folder = cassette_dir / provider.name
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.is_file():
                digest.update(str(path.relative_to(cassette_dir)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:20]


@dataclass
class Planned:
    plan: ShardPlan
    shards: list[list[Unit]] = field(default_factory=list)


def plan(
    shard: ShardSpec,
    providers: Sequence[Provider],
    options: TargetOptions,
    *,
    max_examples: int,
    audit: bool,
    workflows: bool,
    settings: Mapping[str, Any],
    operations: Sequence[str] = (),
) -> Planned:
    if options.target == "record":
        raise UsageError("--shard cannot record: each shard would rewrite the providers' cassettes; record in one run.")
    if options.target == "replay" and options.replay == "exact":
        raise UsageError(
            "--shard needs the default replay (--replay judge): an exact replay regenerates a recording whole."
        )
    units = plan_units(
        providers, options, max_examples=max_examples, audit=audit, workflows=workflows, operations=operations
    )
    shards = partition(units, shard.total)
    loads = tuple(sum(u.weight for u in s) for s in shards)
    partition_ids = tuple(tuple(u.id for u in s) for s in shards)
    chosen = tuple(shards[shard.index - 1])
    return Planned(ShardPlan(shard, chosen, fingerprint(providers, options, settings), loads, partition_ids), shards)
