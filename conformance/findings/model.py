"""Findings: the unit every stage produces and every report renders (interfaces.md).

The document that holds a run's findings is conformance.document.model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol

from conformance.core.kinds import Basis, Kind, Severity


class Source(StrEnum):
    LIVE = "live"
    REPLAY = "replay"
    DOCUMENTATION = "documentation"


# What a client written against the spec would suffer (interfaces.md). Drift carries its own severity.
DEFAULT_SEVERITY: dict[Kind, Severity] = {
    Kind.MISSING_FIELD: Severity.BREAKING,
    Kind.TYPE_MISMATCH: Severity.BREAKING,
    Kind.ENUM_VIOLATION: Severity.BREAKING,
    Kind.FORMAT_VIOLATION: Severity.BREAKING,
    Kind.NULLABILITY: Severity.BREAKING,
    Kind.SCHEMA_VIOLATION: Severity.BREAKING,
    Kind.UNDOCUMENTED_STATUS: Severity.BREAKING,
    Kind.CONTENT_TYPE: Severity.BREAKING,
    Kind.SERVER_ERROR: Severity.BREAKING,
    Kind.INVARIANT_VIOLATION: Severity.BREAKING,
    Kind.STATE_TRANSITION: Severity.BREAKING,
    Kind.AUTH_NOT_ENFORCED: Severity.BREAKING,
    Kind.POSITIVE_DATA_REJECTED: Severity.BREAKING,
    Kind.USE_AFTER_FREE: Severity.BREAKING,
    Kind.RESOURCE_UNAVAILABLE: Severity.BREAKING,
    Kind.UNDOCUMENTED_FIELD: Severity.NON_BREAKING,
    Kind.NEGATIVE_DATA_ACCEPTED: Severity.NON_BREAKING,
    # The suite, not the provider, is out of date: re-record, but don't block on it.
    Kind.STALE_CASSETTE: Severity.NON_BREAKING,
    Kind.TRANSPORT_ERROR: Severity.NON_BREAKING,
    Kind.DOC_EXAMPLE_MISMATCH: Severity.INFO,
    Kind.DOC_DEFECT: Severity.INFO,
    Kind.DRIFT: Severity.NON_BREAKING,
}


# The check a kind comes from when only one check makes it; kinds that several checks make (an
# invariant, a schemathesis check) name theirs explicitly.
DEFAULT_CHECKS: dict[Kind, str] = {
    Kind.MISSING_FIELD: "schema.strict",
    Kind.UNDOCUMENTED_FIELD: "schema.strict",
    Kind.TYPE_MISMATCH: "schema.strict",
    Kind.ENUM_VIOLATION: "schema.strict",
    Kind.FORMAT_VIOLATION: "schema.strict",
    Kind.NULLABILITY: "schema.strict",
    Kind.SCHEMA_VIOLATION: "schema.strict",
    Kind.UNDOCUMENTED_STATUS: "response.status",
    Kind.CONTENT_TYPE: "response.content_type",
    Kind.SERVER_ERROR: "response.server_error",
    Kind.INVARIANT_VIOLATION: "invariant",
    Kind.STATE_TRANSITION: "lifecycle.transition",
    Kind.AUTH_NOT_ENFORCED: "auth.probe",
    Kind.NEGATIVE_DATA_ACCEPTED: "schemathesis.negative_data_rejection",
    Kind.POSITIVE_DATA_REJECTED: "schemathesis.positive_data_acceptance",
    Kind.USE_AFTER_FREE: "lifecycle.use_after_free",
    Kind.RESOURCE_UNAVAILABLE: "schemathesis.ensure_resource_availability",
    Kind.DOC_EXAMPLE_MISMATCH: "audit.example",
    Kind.DOC_DEFECT: "audit.doc_defect",
    Kind.STALE_CASSETTE: "replay.cassette",
    Kind.TRANSPORT_ERROR: "transport",
    Kind.DRIFT: "drift",
}


def normalise_pointer(pointer: str) -> str:
    """Array indices as `*` (interfaces.md): one finding per field, however many elements show it."""
    return "/".join("*" if token.isdigit() else token for token in pointer.split("/"))


def fingerprint_of(provider: str, operation: str, kind: str, pointer: str, check: str = "") -> str:
    """Stable across runs: never volatile values, and array indices normalised."""
    material = "\x1f".join((provider, operation, kind, check, normalise_pointer(pointer)))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class Evidence:
    cassette: str | None = None
    interaction: int | None = None
    status: int | None = None
    curl: str | None = None
    # Multi-step evidence (workflows): each step's request and response, secrets redacted.
    steps: tuple[dict[str, Any], ...] = ()
    # Where in this response the finding was seen, with concrete array indices (the finding's pointer has `*`).
    instance_pointer: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "cassette": self.cassette,
            "interaction": self.interaction,
            "status": self.status,
            "curl": self.curl,
        }
        if self.steps:
            data["steps"] = list(self.steps)
        if self.instance_pointer is not None:
            data["instance_pointer"] = self.instance_pointer
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Evidence:
        data = data or {}
        return cls(
            cassette=data.get("cassette"),
            interaction=data.get("interaction"),
            status=data.get("status"),
            curl=data.get("curl"),
            steps=tuple(data.get("steps") or ()),
            instance_pointer=data.get("instance_pointer"),
        )


@dataclass(frozen=True)
class Finding:
    provider: str
    operation: str
    method: str
    path: str
    kind: Kind
    severity: Severity
    pointer: str
    expected: str
    observed: str
    message: str
    source: Source
    doc_ref: str
    evidence: Evidence = field(default_factory=Evidence)
    baselined: bool = False
    count: int = 1
    check: str = ""  # the check or invariant that fired (interfaces.md), part of the fingerprint
    # The double's fault(s) that altered the answer (judge, from the double's mark): expected, outside
    # the verdict and never baselined; "" for everything else.
    expected_by_fault: str = ""
    # What the expectation rests on (interfaces.md); an older findings.json without it reads as documented.
    basis: Basis = Basis.DOCUMENTED
    # For an inferred expectation: the inference and its reason, as the spec states it.
    inference: str = ""
    # Set by the gate when it changed the severity the check gave (e.g. an inferred deviation made non-breaking).
    graded: str = ""
    # The fingerprint of the earlier finding (a behaviour promise that failed) this one is a consequence of:
    # grouped under it in root causes, not an independent cause; "" for an independent finding.
    caused_by: str = ""

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.provider, self.operation, self.kind, self.pointer, self.check)

    @property
    def breaking(self) -> bool:
        return self.severity is Severity.BREAKING

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = str(self.kind)
        data["severity"] = str(self.severity)
        data["source"] = str(self.source)
        data["basis"] = str(self.basis)
        if not self.inference:
            del data["inference"]
        if not self.graded:
            del data["graded"]
        if not self.caused_by:
            del data["caused_by"]
        data["evidence"] = self.evidence.to_json()
        check = data.pop("check")
        return {"fingerprint": self.fingerprint, "check": check, **data}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(
            provider=data["provider"],
            operation=data["operation"],
            method=data["method"],
            path=data["path"],
            kind=Kind(data["kind"]),
            severity=Severity(data["severity"]),
            pointer=data["pointer"],
            expected=data["expected"],
            observed=data["observed"],
            message=data["message"],
            source=Source(data["source"]),
            doc_ref=data["doc_ref"],
            evidence=Evidence.from_json(data.get("evidence")),
            baselined=bool(data.get("baselined", False)),
            count=int(data.get("count", 1)),
            check=str(data.get("check") or DEFAULT_CHECKS.get(Kind(data["kind"]), "")),
            expected_by_fault=str(data.get("expected_by_fault") or ""),
            basis=Basis(data.get("basis") or Basis.DOCUMENTED),
            inference=str(data.get("inference") or ""),
            graded=str(data.get("graded") or ""),
            caused_by=str(data.get("caused_by") or ""),
        )


def make_finding(
    *,
    provider: str,
    operation: str,
    method: str,
    path: str,
    kind: Kind,
    pointer: str,
    expected: str,
    observed: str,
    message: str,
    source: Source,
    doc_ref: str,
    evidence: Evidence | None = None,
    severity: Severity | None = None,
    check: str | None = None,
    basis: Basis = Basis.DOCUMENTED,
    inference: str = "",
) -> Finding:
    """A finding; its pointer's array indices become `*`, the concrete pointer moving to the evidence."""
    evidence = evidence or Evidence()
    normalised = normalise_pointer(pointer)
    if normalised != pointer and evidence.instance_pointer is None:
        evidence = replace(evidence, instance_pointer=pointer)
    return Finding(
        provider=provider,
        operation=operation,
        method=method.upper(),
        path=path,
        kind=kind,
        severity=severity or DEFAULT_SEVERITY[kind],
        pointer=normalised,
        expected=expected,
        observed=observed,
        message=message,
        source=source,
        doc_ref=doc_ref,
        evidence=evidence,
        check=check or DEFAULT_CHECKS[kind],
        basis=basis,
        inference=inference if basis is not Basis.DOCUMENTED else "",
    )


class OperationLike(Protocol):
    """What a finding needs to know of the operation it is about (conformance.spec.specs.Operation)."""

    # Read-only, so that a frozen dataclass satisfies the protocol.
    @property
    def provider(self) -> str: ...
    @property
    def operation_id(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def doc_ref(self) -> str: ...


def finding_on(
    operation: OperationLike,
    *,
    kind: Kind,
    pointer: str,
    expected: str,
    observed: str,
    message: str,
    source: Source,
    doc_ref: str | None = None,
    evidence: Evidence | None = None,
    severity: Severity | None = None,
    check: str | None = None,
    basis: Basis = Basis.DOCUMENTED,
    inference: str = "",
) -> Finding:
    """A finding about `operation`, citing the operation's documentation unless `doc_ref` says otherwise."""
    return make_finding(
        provider=operation.provider,
        operation=operation.operation_id,
        method=operation.method,
        path=operation.path,
        kind=kind,
        pointer=pointer,
        expected=expected,
        observed=observed,
        message=message,
        source=source,
        doc_ref=doc_ref or operation.doc_ref,
        evidence=evidence,
        severity=severity,
        check=check,
        basis=basis,
        inference=inference,
    )


def deduplicate(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per fingerprint, keeping the first evidence and counting the repeats."""
    merged: dict[str, Finding] = {}
    for finding in findings:
        seen = merged.get(finding.fingerprint)
        merged[finding.fingerprint] = finding if seen is None else replace(seen, count=seen.count + finding.count)
    return sort_findings(merged.values())


_SEVERITY_ORDER = {Severity.BREAKING: 0, Severity.NON_BREAKING: 1, Severity.INFO: 2}


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(
        findings,
        key=lambda f: (f.provider, _SEVERITY_ORDER[f.severity], f.operation, f.kind, f.pointer, f.check),
    )
