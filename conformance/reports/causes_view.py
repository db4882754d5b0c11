"""Root causes and coverage as the reports show them: members resolved, baselined state, operation matrix.

A findings file written before root causes existed has none: they are grouped again here, without a
spec (no report reads one), so its schema findings stay one root cause each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from conformance.core.kinds import Kind, Severity
from conformance.coverage.model import METRICS, Metric, ProviderCoverage
from conformance.document.model import FindingsDocument
from conformance.findings.model import Finding
from conformance.findings.root_cause_model import RootCause, group_findings

NEVER_SHOWN = 40  # of each never-exercised list; findings.json has them all


@dataclass(frozen=True)
class CauseView:
    cause: RootCause
    findings: tuple[Finding, ...]  # the members this document holds

    @property
    def live(self) -> int:
        return sum(1 for f in self.findings if not f.baselined)

    @property
    def baselined(self) -> bool:
        return bool(self.findings) and self.live == 0


def cause_views(document: FindingsDocument, provider: str | None = None) -> list[CauseView]:
    causes = document.root_causes or group_findings(document.findings)
    by_fingerprint = {f.fingerprint: f for f in document.findings}
    views = []
    for cause in causes:
        if provider is not None and cause.provider != provider:
            continue
        members = tuple(by_fingerprint[m] for m in cause.members if m in by_fingerprint)
        if members:
            views.append(CauseView(cause, members))
    # Accepted discrepancies last: they do not fail the run.
    return sorted(views, key=lambda v: v.baselined)


def coverage_of(document: FindingsDocument, provider: str) -> ProviderCoverage | None:
    return next((c for c in document.coverage if c.provider == provider), None)


def metrics_in_order(coverage: ProviderCoverage) -> list[Metric]:
    known = [m for name in METRICS if (m := coverage.metric(name)) is not None]
    return known + [m for m in coverage.metrics if m.name not in METRICS]


def shown_never(metric: Metric) -> tuple[Sequence[str], int]:
    """The first never-exercised items, and how many more there are."""
    return metric.never[:NEVER_SHOWN], max(len(metric.never) - NEVER_SHOWN, 0)


def number_ranges(numbers: Iterable[int]) -> str:
    """1, 2, 3, 5 -> '1-3, 5'."""
    ordered = sorted(set(numbers))
    parts = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ", ".join(parts)


# -- operations x check outcome ---------------------------------------------------------------------

# The checks a matrix column stands for, by the finding kinds they produce.
CHECK_COLUMNS: tuple[tuple[str, frozenset[Kind]], ...] = (
    ("status code", frozenset({Kind.UNDOCUMENTED_STATUS})),
    ("content type", frozenset({Kind.CONTENT_TYPE})),
    (
        "response schema",
        frozenset(
            {
                Kind.MISSING_FIELD,
                Kind.TYPE_MISMATCH,
                Kind.NULLABILITY,
                Kind.ENUM_VIOLATION,
                Kind.FORMAT_VIOLATION,
                Kind.SCHEMA_VIOLATION,
            }
        ),
    ),
    ("undocumented fields", frozenset({Kind.UNDOCUMENTED_FIELD})),
    ("server errors", frozenset({Kind.SERVER_ERROR})),
    ("auth", frozenset({Kind.AUTH_NOT_ENFORCED})),
    ("input validation", frozenset({Kind.NEGATIVE_DATA_ACCEPTED, Kind.POSITIVE_DATA_REJECTED})),
    (
        "lifecycle & invariants",
        frozenset({Kind.INVARIANT_VIOLATION, Kind.STATE_TRANSITION, Kind.USE_AFTER_FREE, Kind.RESOURCE_UNAVAILABLE}),
    ),
)


@dataclass(frozen=True)
class MatrixCell:
    outcome: str  # failed | warning | baselined | passed | not run
    findings: int = 0


@dataclass(frozen=True)
class MatrixRow:
    operation: str
    cells: tuple[MatrixCell, ...]


def operation_matrix(document: FindingsDocument, provider: str) -> list[MatrixRow]:
    """Each operation of the provider x each check: what the run saw. Needs the run's coverage."""
    coverage = coverage_of(document, provider)
    if coverage is None:
        return []
    called = set(coverage.called)
    findings = [f for f in document.findings if f.provider == provider]
    extra = [op for op in dict.fromkeys(f.operation for f in findings) if op and op not in coverage.operations]
    rows = []
    for operation in [*coverage.operations, *extra]:
        mine = [f for f in findings if f.operation == operation]
        cells = []
        for _, kinds in CHECK_COLUMNS:
            hits = [f for f in mine if f.kind in kinds]
            live = [f for f in hits if not f.baselined]
            if any(f.severity is Severity.BREAKING for f in live):
                outcome = "failed"
            elif live:
                outcome = "warning"
            elif hits:
                outcome = "baselined"
            elif operation in called:
                outcome = "passed"
            else:
                outcome = "not run"
            cells.append(MatrixCell(outcome, len(hits)))
        rows.append(MatrixRow(operation, tuple(cells)))
    return rows
