"""Root causes as findings.json carries them, and the grouping itself, with no spec needed.

`conformance.findings.root_causes` groups with the spec at run time (which schema component a pointer is in);
without one (a findings.json written before root causes existed, re-rendered) everything groups the
same way except that schema findings stay one cause each.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from typing import Any

from conformance.core.kinds import Basis, Kind, Severity
from conformance.findings.model import Finding

# The schema component a schema finding is in, and the pointer within it; None when unknown.
ComponentOf = Callable[[Finding], "tuple[str, str] | None"]

SCHEMA_KINDS = frozenset(
    {
        Kind.MISSING_FIELD,
        Kind.UNDOCUMENTED_FIELD,
        Kind.TYPE_MISMATCH,
        Kind.NULLABILITY,
        Kind.ENUM_VIOLATION,
        Kind.FORMAT_VIOLATION,
        Kind.SCHEMA_VIOLATION,
    }
)
# Defects of the documentation are reported apart; they are not the API's discrepancies.
_DOC_KINDS = frozenset({Kind.DOC_DEFECT, Kind.DOC_EXAMPLE_MISMATCH})
_SEVERITY_RANK = {Severity.BREAKING: 0, Severity.NON_BREAKING: 1, Severity.INFO: 2}

_WHAT = {
    Kind.MISSING_FIELD: ("lacks {n} documented field{s}", "lacks the documented field"),
    Kind.UNDOCUMENTED_FIELD: ("carries {n} undocumented field{s}", "carries the undocumented field"),
    Kind.TYPE_MISMATCH: ("has the wrong type at {n} place{s}", "has the wrong type at"),
    Kind.NULLABILITY: ("has null where none is allowed at {n} place{s}", "has null where none is allowed at"),
    Kind.ENUM_VIOLATION: (
        "has values the documentation does not list at {n} place{s}",
        "has a value the documentation does not list at",
    ),
    Kind.FORMAT_VIOLATION: ("has badly formatted values at {n} place{s}", "has a badly formatted value at"),
    Kind.SCHEMA_VIOLATION: (
        "does not match its documented schema at {n} place{s}",
        "does not match its documented schema at",
    ),
}


# An inferred required list: never "documented" (issue 22).
_WHAT_INFERRED = {
    Kind.MISSING_FIELD: (
        "lacks {n} field{s} the spec infers as required (no page requires them)",
        "lacks a field the spec infers as required (no page requires it):",
    ),
}


@dataclass(frozen=True)
class RootCause:
    id: str
    provider: str
    category: str  # schema_component | error_shape | auth | status | content_type | suite | single
    kind: Kind
    severity: Severity
    title: str
    component: str | None  # `X` of #/components/schemas/X, for schema_component and error_shape
    pointers: tuple[str, ...]  # pointers within the component
    operations: tuple[str, ...]
    members: tuple[str, ...]  # fingerprints of the findings it groups
    basis: str = "documented"  # its findings' basis (interfaces.md), or "mixed"

    @property
    def reach(self) -> int:
        return len(self.operations)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "provider": self.provider,
            "category": self.category,
            "kind": str(self.kind),
            "severity": str(self.severity),
            "title": self.title,
            "component": self.component,
            "pointers": list(self.pointers),
            "operations": list(self.operations),
            "members": list(self.members),
            "basis": self.basis,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RootCause:
        return cls(
            id=str(data["id"]),
            provider=str(data["provider"]),
            category=str(data["category"]),
            kind=Kind(data["kind"]),
            severity=Severity(data["severity"]),
            title=str(data["title"]),
            component=data.get("component"),
            pointers=tuple(data.get("pointers") or ()),
            operations=tuple(data.get("operations") or ()),
            members=tuple(data["members"]),
            basis=str(data.get("basis") or "documented"),
        )


@dataclass
class _Group:
    key: tuple[str, ...]
    category: str
    component: str | None
    findings: list[Finding]
    pointers: list[str]


def group_findings(findings: Iterable[Finding], component_of: ComponentOf | None = None) -> tuple[RootCause, ...]:
    """Every API finding in exactly one root cause, most severe and widest-reaching first."""
    groups: dict[tuple[str, ...], _Group] = {}
    findings = [f for f in findings if f.kind not in _DOC_KINDS]
    keys = {f.fingerprint: _key(f, component_of) for f in findings}
    chains = {f.fingerprint: f.caused_by for f in findings if f.caused_by}
    for finding in findings:
        # A consequence of an earlier broken promise joins its cause's group (the cause's cause, if any).
        key, category, component, pointer = keys[_first_cause(finding.fingerprint, chains, keys)]
        found = groups.setdefault(key, _Group(key, category, component, [], []))
        found.findings.append(finding)
        if pointer is not None and pointer not in found.pointers:
            found.pointers.append(pointer)
    causes = [_cause(g) for g in groups.values()]
    return tuple(sorted(causes, key=lambda c: (_SEVERITY_RANK[c.severity], -c.reach, -len(c.members), c.title)))


def _first_cause(fingerprint: str, causes: dict[str, str], present: Collection[str]) -> str:
    """The earliest finding of this run in `fingerprint`'s chain of causes (itself when it has none)."""
    seen = {fingerprint}
    while (cause := causes.get(fingerprint, "")) in present and cause not in seen:
        seen.add(cause)
        fingerprint = cause
    return fingerprint


def _key(finding: Finding, component_of: ComponentOf | None) -> tuple[tuple[str, ...], str, str | None, str | None]:
    provider, kind, status = finding.provider, finding.kind.value, finding.evidence.status
    if finding.kind in SCHEMA_KINDS and component_of is not None:
        located = component_of(finding)
        if located is not None:
            component, within = located
            category = "error_shape" if status is not None and status >= 400 else "schema_component"
            # One cause per basis: what the spec infers is not grouped with what a page states.
            basis = () if finding.basis is Basis.DOCUMENTED else (str(finding.basis),)
            return (provider, category, kind, component, *basis), category, component, within
    if finding.kind is Kind.AUTH_NOT_ENFORCED:
        return (provider, "auth", kind), "auth", None, None
    if finding.kind is Kind.CONTENT_TYPE:
        outcome = "error" if status is not None and status >= 400 else "success"
        return (provider, "content_type", kind, outcome), "content_type", None, None
    if finding.kind is Kind.UNDOCUMENTED_STATUS:
        return (provider, "status", kind, str(status)), "status", None, None
    if finding.kind in (Kind.STALE_CASSETTE, Kind.TRANSPORT_ERROR):
        return (provider, "suite", kind), "suite", None, None
    return ("single", finding.fingerprint), "single", None, None


def _cause(g: _Group) -> RootCause:
    # The cause leads its group (a consequence may have been seen first in another scenario's order).
    first = next((f for f in g.findings if not f.caused_by), g.findings[0])
    operations = tuple(dict.fromkeys(f.operation for f in g.findings if f.operation))
    # Consequences are graded by their cause (`attributed`), so the group is as severe as its worst cause.
    severity = min((f.severity for f in g.findings), key=_SEVERITY_RANK.__getitem__)
    bases = {str(f.basis) for f in g.findings}
    return RootCause(
        id=hashlib.sha256("\x1f".join(g.key).encode("utf-8")).hexdigest()[:16],
        provider=first.provider,
        category=g.category,
        kind=first.kind,
        severity=severity,
        title=_title(g, first, len(operations)),
        component=g.component,
        pointers=tuple(sorted(g.pointers)),
        operations=operations,
        members=tuple(f.fingerprint for f in g.findings),
        basis=bases.pop() if len(bases) == 1 else "mixed",
    )


def _title(g: _Group, first: Finding, reach: int) -> str:
    ops = f"{reach} operation{'' if reach == 1 else 's'}"
    if g.category in ("schema_component", "error_shape"):
        subject = (
            f"The `{g.component}` object" if g.category == "schema_component" else f"Error bodies (`{g.component}`)"
        )
        inferred = first.basis is Basis.INFERRED
        many, one = (_WHAT_INFERRED if inferred else _WHAT).get(first.kind, _WHAT[Kind.SCHEMA_VIOLATION])
        shown = ", ".join(f"`{p or '/'}`" for p in sorted(g.pointers))
        basis = " (inferred expectations, not documented ones)" if inferred and first.kind not in _WHAT_INFERRED else ""
        if len(g.pointers) == 1:
            return f"{subject} {one} {shown}, seen in {ops}{basis}."
        return f"{subject} {many.format(n=len(g.pointers), s='s')}: {shown}; seen in {ops}{basis}."
    if g.category == "auth":
        return f"Authentication is not enforced: {ops} answer without valid credentials."
    if g.category == "content_type":
        which = "Error responses" if g.key[-1] == "error" else "Responses"
        return f"{which} carry a content type their documentation does not list, on {ops}."
    if g.category == "status":
        return f"HTTP {g.key[-1]} is answered where the documentation does not list it, on {ops}."
    if g.category == "suite" and first.kind is Kind.STALE_CASSETTE:
        return f"The recorded cassettes have no answer for requests of {ops}: re-record them."
    if g.category == "suite":
        return f"Requests failed at transport level on {ops}."
    consequences = sum(1 for f in g.findings if f.caused_by)
    if consequences:
        later = f"{consequences} later finding{'' if consequences == 1 else 's'}"
        return f"{first.message} ({later} on {ops} follow from it.)"
    return first.message


def attributed(findings: Iterable[Finding]) -> list[Finding]:
    """Each consequence no more severe than the finding it follows from: it is not an independent defect."""
    findings = list(findings)
    by_fingerprint = {f.fingerprint: f for f in findings}
    causes = {f.fingerprint: f.caused_by for f in findings if f.caused_by}
    graded = []
    for finding in findings:
        root = by_fingerprint[_first_cause(finding.fingerprint, causes, by_fingerprint)]
        if root is not finding and _SEVERITY_RANK[finding.severity] < _SEVERITY_RANK[root.severity]:
            finding = replace(
                finding,
                severity=root.severity,
                graded=f"{finding.severity} -> {root.severity}: a consequence of {root.check or root.kind} on "
                f"{root.operation} ({root.fingerprint})",
            )
        graded.append(finding)
    return graded
