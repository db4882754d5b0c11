"""`conformance merge`: the findings documents of N shards (`run --shard K/N`) as the one document the
unsharded run would have written.

Findings: de-duplicated by fingerprint, counts summed, keeping the finding the unsharded run kept (each
shard records where each fingerprint was first seen, `run.shard.origins`). Root causes: regrouped from
the merged findings. Coverage: merged from what each shard exercised; a metric's `never` list is the
complement of its exercised set within the documented items, so the merged `never` is the intersection
of the shards' lists. Summary: operations are the union of the pairs each shard exercised, requests
their sum. Lifecycle tables, targets and base URLs are joined. The baseline is applied once, here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from conformance.core.errors import UsageError
from conformance.coverage.model import Metric, ProviderCoverage
from conformance.document.baseline import Baseline
from conformance.document.model import FindingsDocument, RunInfo, Summary
from conformance.findings.model import Finding, deduplicate
from conformance.findings.root_causes import group
from conformance.providers import select_providers
from conformance.run.shards import specs_digest


@dataclass(frozen=True)
class ShardDocument:
    path: Path
    document: FindingsDocument

    @property
    def shard(self) -> dict[str, Any]:
        assert self.document.run.shard is not None
        return self.document.run.shard

    @property
    def index(self) -> int:
        return int(self.shard["index"])


def check(shards: Sequence[ShardDocument], *, allow_partial: bool) -> list[int]:
    """Refuse (UsageError, exit 2) what cannot merge into one run; the missing indices when allowed."""
    if not shards:
        raise UsageError("merge needs at least one shard's findings.json; pass the files or a directory holding them.")
    for item in shards:
        shard = item.document.run.shard
        if not shard or "index" not in shard or "merged" in shard:
            raise UsageError(
                f"{item.path} is not one shard's findings.json (no run.shard); pass the files `run --shard K/N` wrote."
            )
    first = shards[0]
    for item in shards[1:]:
        for what, mine, theirs in (
            ("tool versions", item.document.tool_version, first.document.tool_version),
            ("seeds", item.document.run.seed, first.document.run.seed),
            ("shard counts", item.shard.get("total"), first.shard.get("total")),
            ("specs", item.shard.get("fingerprint", {}).get("specs"), first.shard.get("fingerprint", {}).get("specs")),
            (
                "settings",
                item.shard.get("fingerprint", {}).get("settings"),
                first.shard.get("fingerprint", {}).get("settings"),
            ),
        ):
            if mine != theirs:
                raise UsageError(
                    f"{item.path} and {first.path} were run with different {what} ({mine} and {theirs}); merge "
                    "shards of one run only."
                )
    seen: dict[int, Path] = {}
    for item in shards:
        if item.index in seen:
            raise UsageError(
                f"shard {item.index}/{item.shard['total']} is given twice ({seen[item.index]} and {item.path}); "
                "pass each shard once."
            )
        seen[item.index] = item.path
    total = int(first.shard["total"])
    missing = [k for k in range(1, total + 1) if k not in seen]
    if missing and not allow_partial:
        named = ", ".join(f"{k}/{total}" for k in missing)
        raise UsageError(
            f"shard{'s' if len(missing) > 1 else ''} {named} {'are' if len(missing) > 1 else 'is'} missing; pass "
            "every shard's findings.json, or --allow-partial for a report that says what is missing."
        )
    providers = select_providers(first.document.run.providers)
    if specs_digest(providers) != first.shard.get("fingerprint", {}).get("specs"):
        raise UsageError(
            "the shards were run on other specs than the ones this merge reads; merge in the checkout the shards "
            "ran from (or point --spec-dir at their specs)."
        )
    return missing


def merge(
    shards: Sequence[ShardDocument], *, allow_partial: bool = False, baseline: Baseline | None = None
) -> FindingsDocument:
    missing = check(shards, allow_partial=allow_partial)
    shards = sorted(shards, key=lambda s: s.index)
    first = shards[0].document
    ranked: list[tuple[list[int], int, Finding]] = []
    for item in shards:
        origins = item.shard.get("origins") or {}
        for finding in item.document.findings:
            ranked.append((list(origins.get(finding.fingerprint, [])), item.index, replace(finding, baselined=False)))
    # The unsharded run met its work in this order, so its first finding of a fingerprint comes first here.
    findings = deduplicate(f for _, _, f in sorted(ranked, key=lambda r: (r[0], r[1])))
    if baseline is not None:
        findings = baseline.apply(findings)
    operations = {(str(p), str(op)) for item in shards for p, op in item.shard.get("operations") or ()}
    providers = select_providers(first.run.providers)
    specs = {p.name: p.spec for p in providers}
    run = RunInfo(
        target=first.run.target,
        providers=first.run.providers,
        base_urls=_joined([s.document.run.base_urls for s in shards], first.run.providers),
        seed=first.run.seed,
        started_at=min(s.document.run.started_at for s in shards),
        finished_at=max(s.document.run.finished_at for s in shards),
        targets=_joined([s.document.run.targets for s in shards], first.run.providers),
        # One gate graded every shard: the settings fingerprint includes it, so the first shard's is all of theirs.
        severity_policy=dict(first.run.severity_policy),
        shard=_merged_shard(shards, missing),
        budget=_merged_budget([s.document.run.budget for s in shards]),
    )
    return FindingsDocument(
        tool_version=first.tool_version,
        run=run,
        summary=Summary.of(
            findings, operations=len(operations), requests=sum(s.document.summary.requests for s in shards)
        ),
        findings=tuple(findings),
        root_causes=group(findings, specs.get),
        coverage=merge_coverage([s.document.coverage for s in shards]),
        lifecycle=_joined([s.document.lifecycle for s in shards], first.run.providers),
        context=first.context,
    )


def _joined(maps: Sequence[dict[str, Any]], order: Sequence[str]) -> dict[str, Any]:
    """Per-provider maps joined (a provider's entry comes from the shard that ran it), in provider order."""
    joined: dict[str, Any] = {}
    for found in maps:
        for key, value in found.items():
            joined.setdefault(key, value)
    rank = {name: i for i, name in enumerate(order)}
    return dict(sorted(joined.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


def _merged_budget(budgets: Sequence[dict[str, Any] | None]) -> dict[str, Any] | None:
    """Each shard spent its share: the merged budget sums them and keeps every shard's gap sentence."""
    found = [b for b in budgets if b is not None]
    if not found:
        return None
    unreached: dict[str, dict[str, list[str]]] = {}
    for entry in found:
        for provider, missing in (entry.get("not_reached") or {}).items():
            joined = unreached.setdefault(provider, {"operations": [], "scenarios": []})
            for kind in ("operations", "scenarios"):
                joined[kind] += [item for item in missing.get(kind) or () if item not in joined[kind]]

    def total(key: str) -> Any:
        values = [b.get(key) for b in found]
        return None if any(v is None for v in values) else sum(values)

    return {
        "max_requests": total("max_requests"),
        "max_duration": found[0].get("max_duration"),
        "spent": total("spent"),
        "cleanup": total("cleanup"),
        "reserved": total("reserved"),
        "exhausted": next((b["exhausted"] for b in found if b.get("exhausted")), None),
        "elapsed": max(b.get("elapsed") or 0 for b in found),
        "not_reached": unreached,
        "gaps": [gap for b in found for gap in b.get("gaps") or ()],
    }


def _merged_shard(shards: Sequence[ShardDocument], missing: list[int]) -> dict[str, Any]:
    first = shards[0].shard
    partition = first.get("partition") or []
    return {
        "merged": [s.index for s in shards],
        "total": first["total"],
        "fingerprint": dict(first.get("fingerprint") or {}),
        "missing": missing,
        "missing_units": [unit for k in missing if k - 1 < len(partition) for unit in partition[k - 1]],
    }


def merge_coverage(per_shard: Sequence[Sequence[ProviderCoverage]]) -> tuple[ProviderCoverage, ...]:
    by_provider: dict[str, list[ProviderCoverage]] = {}
    for coverage in per_shard:
        for entry in coverage:
            by_provider.setdefault(entry.provider, []).append(entry)
    return tuple(_merge_provider(entries) for entries in by_provider.values())


def _merge_provider(entries: Sequence[ProviderCoverage]) -> ProviderCoverage:
    first = entries[0]
    called = {op for e in entries for op in e.called}
    succeeded = {op for e in entries for op in e.succeeded}
    names = list(dict.fromkeys(m.name for e in entries for m in e.metrics))
    metrics = []
    for name in names:
        found = [m for e in entries if (m := e.metric(name)) is not None]
        metrics.append(merge_metric(found))
    return ProviderCoverage(
        provider=first.provider,
        exchanges=sum(e.exchanges for e in entries),
        operations=first.operations,
        called=tuple(op for op in first.operations if op in called),
        succeeded=tuple(op for op in first.operations if op in succeeded),
        metrics=tuple(metrics),
        # What a shard's spent budget left unreached, unless another shard reached it.
        not_reached=tuple(dict.fromkeys(item for e in entries for item in e.not_reached if item not in called)),
    )


def merge_metric(found: Sequence[Metric]) -> Metric:
    """A documented item was exercised when any shard exercised it: the shards' `never` lists intersect.
    A metric a shard did not measure (n/a) says nothing; measured by none, it stays n/a."""
    measured = [m for m in found if m.documented is not None and m.exercised is not None]
    if not measured:
        return found[0]
    base = measured[0]
    others = [set(m.never) for m in measured[1:]]
    never = tuple(item for item in base.never if all(item in other for other in others))
    assert base.documented is not None
    observed = tuple(sorted({item for m in measured for item in m.observed}))
    return replace(base, exercised=base.documented - len(never), never=never, observed=observed)
