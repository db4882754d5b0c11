"""A run from start to finish: stages produce findings, the findings document is written, a verdict given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.audit import audit_spec
from conformance.baseline import Baseline
from conformance.coverage.compute import ProviderCoverage, TransitionProbes, compute
from conformance.coverage.exchanges import Exchange
from conformance.environment_secrets import environment_secrets
from conformance.errors import EXIT_BREAKING, EXIT_OK, interruption, signalled
from conformance.findings import Finding, FindingsDocument, RunInfo, Summary, deduplicate
from conformance.providers import select_providers
from conformance.providers.base import Provider
from conformance.report_context import build as build_report_context
from conformance.reports.redact import redact_document
from conformance.reports.writer import write_all
from conformance.root_causes import group
from conformance.targets import TARGETS


@dataclass
class StageResult:
    findings: list[Finding] = field(default_factory=list)
    requests: int = 0
    operations: set[tuple[str, str]] = field(default_factory=set)
    base_urls: dict[str, str] = field(default_factory=dict)
    # provider -> what it was sent and answered, for contract coverage
    exchanges: dict[str, list[Exchange]] = field(default_factory=dict)
    # provider -> lifecycle transitions a probing stage knows and tried (absent: coverage shows n/a)
    transitions: dict[str, TransitionProbes] = field(default_factory=dict)
    targets: dict[str, str] = field(default_factory=dict)  # provider -> the target it effectively ran against
    lifecycle: dict[str, Any] = field(default_factory=dict)  # provider -> lifecycle coverage


Stage = Callable[[list[Provider]], StageResult]


def audit_stage(providers: list[Provider]) -> StageResult:
    result = StageResult()
    for provider in providers:
        spec = provider.spec
        result.findings.extend(audit_spec(spec))
        result.operations.update((provider.name, op) for op in spec.operations)
    return result


def now_rfc3339() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def execute(
    *,
    provider_names: tuple[str, ...],
    target: str,
    stages: list[Stage],
    seed: int,
    report_dir: Path,
    baseline: Baseline | None = None,
) -> FindingsDocument:
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
        total.targets.update(result.targets)
        total.lifecycle.update(result.lifecycle)
    findings = deduplicate(total.findings)
    if baseline is not None:
        findings = baseline.apply(findings)
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
        ),
        summary=Summary.of(findings, operations=len(total.operations), requests=total.requests),
        findings=tuple(findings),
        root_causes=group(findings, {p.name: p.spec for p in providers}.get),
        coverage=_coverage(providers, total) if target in TARGETS else (),
        lifecycle=total.lifecycle,
        context=build_report_context(),  # what the reports need of the specs, as of this run
    )
    # Scrubbed once here, so the terminal shows what the files hold: no secret known to the run.
    document = redact_document(document, [])
    write_all(document, report_dir, with_findings=True, secrets=environment_secrets())
    return document


def _coverage(providers: list[Provider], total: StageResult) -> tuple[ProviderCoverage, ...]:
    return tuple(compute(p.spec, total.exchanges.get(p.name, []), total.transitions.get(p.name)) for p in providers)


def exit_code(document: FindingsDocument, baseline: Baseline | None = None) -> int:
    """1 for a breaking finding outside the baseline, or for an expired entry whose finding still occurs."""
    expired = baseline is not None and baseline.outcome(document).fails
    return EXIT_BREAKING if document.summary.breaking or expired else EXIT_OK
