"""Expected numbers, computed from the findings themselves (independently of the report code)."""

from __future__ import annotations

from collections.abc import Iterable

from conformance.core.kinds import Kind, Severity
from conformance.findings.model import Finding

DOC_KINDS = {Kind.DOC_DEFECT, Kind.DOC_EXAMPLE_MISMATCH}


def severity_counts(findings: Iterable[Finding]) -> dict[str, int]:
    findings = list(findings)
    counts = {s.value: sum(1 for f in findings if f.severity is s and not f.baselined) for s in Severity}
    counts["baselined"] = sum(1 for f in findings if f.baselined)
    counts["total"] = len(findings)
    return counts


def failing(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.BREAKING and not f.baselined]
