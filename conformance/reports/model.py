"""What every rendering needs from a findings document: grouping, counts and safe links."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from conformance.core.kinds import Kind, Severity
from conformance.document.model import FindingsDocument
from conformance.findings.model import Finding

SEVERITIES: tuple[Severity, ...] = (Severity.BREAKING, Severity.NON_BREAKING, Severity.INFO)
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
# Defects of the documentation itself, reported apart from what the API does.
DOC_KINDS = frozenset({Kind.DOC_DEFECT, Kind.DOC_EXAMPLE_MISMATCH})
# Where a finding not tied to one operation (e.g. a spec-wide doc defect) is filed.
NO_OPERATION = "(spec)"


@dataclass(frozen=True)
class Counts:
    """Findings of one group by severity; `baselined` are counted apart, as in the summary."""

    breaking: int = 0
    non_breaking: int = 0
    info: int = 0
    baselined: int = 0

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Counts:
        findings = list(findings)
        live = [f for f in findings if not f.baselined]
        return cls(
            breaking=sum(f.severity is Severity.BREAKING for f in live),
            non_breaking=sum(f.severity is Severity.NON_BREAKING for f in live),
            info=sum(f.severity is Severity.INFO for f in live),
            baselined=len(findings) - len(live),
        )

    def of_severity(self, severity: Severity) -> int:
        return int(getattr(self, severity.value))

    @property
    def total(self) -> int:
        return self.breaking + self.non_breaking + self.info + self.baselined


def providers_of(document: FindingsDocument) -> list[str]:
    """The run's providers, then any other provider a finding names, in first-seen order."""
    return list(dict.fromkeys([*document.run.providers, *(f.provider for f in document.findings)]))


def findings_of(document: FindingsDocument, provider: str) -> list[Finding]:
    return [f for f in document.findings if f.provider == provider]


def operation_label(finding: Finding) -> str:
    return finding.operation or NO_OPERATION


def is_doc_finding(finding: Finding) -> bool:
    return finding.kind in DOC_KINDS


def kinds_in(findings: Iterable[Finding]) -> list[Kind]:
    present = {f.kind for f in findings}
    return [k for k in Kind if k in present]


def http_url(ref: str | None) -> str | None:
    """`ref` if it is an http(s) URL (safe to link), else None: seed file names and other schemes stay text."""
    if not ref:
        return None
    parts = urlsplit(ref.strip())
    return ref.strip() if parts.scheme in ("http", "https") and parts.netloc else None
