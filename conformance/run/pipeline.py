"""A run from start to finish: the stages produce findings, one findings document holds them, and the verdict
(exit code) is read from it. Writing the reports is the caller's (conformance.cli), so a run knows no report."""

from __future__ import annotations

from datetime import UTC, datetime

from conformance import __version__
from conformance.core.errors import EXIT_BREAKING, EXIT_OK, interruption, signalled
from conformance.coverage.compute import compute
from conformance.coverage.model import ProviderCoverage
from conformance.document.baseline import Baseline
from conformance.document.model import FindingsDocument, RunInfo, Summary
from conformance.findings.model import deduplicate
from conformance.findings.root_cause_model import attributed
from conformance.findings.root_causes import group
from conformance.findings.severity_policy import DEFAULT_POLICY, SeverityPolicy
from conformance.http import budget
from conformance.providers import select_providers
from conformance.providers.base import Provider
from conformance.run.budget_report import budget_json, not_reached, with_unreached
from conformance.run.report_context import build as build_report_context
from conformance.run.shards import ShardPlan
from conformance.targets import TARGETS
from conformance.targets.stage import Stage, StageResult


def now_rfc3339() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def execute(
    *,
    provider_names: tuple[str, ...],
    target: str,
    stages: list[Stage],
    seed: int,
    baseline: Baseline | None = None,
    policy: SeverityPolicy = DEFAULT_POLICY,
    shard: ShardPlan | None = None,
    operations: tuple[str, ...] = (),
) -> FindingsDocument:
    """`operations`: the run's --include-operation-id, for what a spent budget left unreached."""
    providers = select_providers(provider_names)
    for provider in providers:
        provider.spec  # noqa: B018 - a broken spec is a usage error before anything runs
    started = now_rfc3339()
    total = StageResult()
    for stage in stages:
        result = stage(providers)
        if signalled():
            # A library swallowed the signal's KeyboardInterrupt (schemathesis does while joining its
            # workers); the run still must not finish as if whole.
            raise interruption()
        total.findings.extend(result.findings)
        total.requests += result.requests
        total.operations |= result.operations
        total.base_urls.update(result.base_urls)
        for name, seen in result.exchanges.items():
            total.exchanges.setdefault(name, []).extend(seen)
        total.transitions.update(result.transitions)
        total.behaviour.update(result.behaviour)
        total.targets.update(result.targets)
        total.lifecycle.update(result.lifecycle)
        for name, events in result.events.items():
            total.events.setdefault(name, set()).update(events)
        for name, scenarios in result.unreached.items():
            total.unreached.setdefault(name, []).extend(scenarios)
        for fingerprint, rank in result.origins.items():
            total.origins.setdefault(fingerprint, rank)
    # The gate: what each finding's basis (and the policy) makes of the severity its check gave.
    findings = deduplicate(attributed(policy.grade(total.findings)))
    if baseline is not None:
        findings = baseline.apply(findings)
    spending = budget.current()
    unreached = not_reached(providers, total, operations, shard) if spending is not None else {}
    coverage = _coverage(providers, total) if target in TARGETS else ()
    if spending is not None and spending.exhausted:
        coverage = with_unreached(coverage, unreached)
    document = FindingsDocument(
        tool_version=__version__,
        run=RunInfo(
            target=target,
            providers=tuple(p.name for p in providers),
            base_urls=total.base_urls,
            seed=seed,
            started_at=started,
            finished_at=now_rfc3339(),
            targets=total.targets,
            severity_policy=policy.to_json(),
            shard=None if shard is None else shard.to_json(operations=total.operations, origins=total.origins),
            budget=None if spending is None else budget_json(spending, unreached),
        ),
        summary=Summary.of(findings, operations=len(total.operations), requests=total.requests),
        findings=tuple(findings),
        root_causes=group(findings, {p.name: p.spec for p in providers}.get),
        coverage=coverage,
        lifecycle=total.lifecycle,
        context=build_report_context(),  # what the reports need of the specs, as of this run
    )
    return document


def _coverage(providers: list[Provider], total: StageResult) -> tuple[ProviderCoverage, ...]:
    return tuple(
        compute(
            p.spec,
            total.exchanges.get(p.name, []),
            total.transitions.get(p.name),
            total.events.get(p.name),
            total.behaviour.get(p.name),
        )
        for p in providers
    )


def exit_code(document: FindingsDocument, baseline: Baseline | None = None) -> int:
    """1 for a breaking finding outside the baseline, or for an expired entry whose finding still occurs."""
    expired = baseline is not None and baseline.outcome(document).fails
    return EXIT_BREAKING if document.summary.breaking or expired else EXIT_OK
