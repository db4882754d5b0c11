"""schemathesis check failures, named in the finding kinds of interfaces.md."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from conformance.checks.accepted_input import describe
from conformance.checks.refusals import Rejection
from conformance.checks.request_conformance import Constraint
from conformance.checks.response_schema import violation_message
from conformance.core.kinds import Basis, Kind, Severity
from conformance.findings.model import Evidence, Finding, Source, finding_on
from conformance.spec.specs import Operation

__all__ = ["violation_message"]

CHECK_KINDS: dict[str, Kind] = {
    "not_a_server_error": Kind.SERVER_ERROR,
    "status_code_conformance": Kind.UNDOCUMENTED_STATUS,
    "content_type_conformance": Kind.CONTENT_TYPE,
    "response_headers_conformance": Kind.SCHEMA_VIOLATION,
    "negative_data_rejection": Kind.NEGATIVE_DATA_ACCEPTED,
    "missing_required_header": Kind.NEGATIVE_DATA_ACCEPTED,
    "unsupported_method": Kind.NEGATIVE_DATA_ACCEPTED,
    "positive_data_acceptance": Kind.POSITIVE_DATA_REJECTED,
    "use_after_free": Kind.USE_AFTER_FREE,
    "ensure_resource_availability": Kind.RESOURCE_UNAVAILABLE,
    "ignored_auth": Kind.AUTH_NOT_ENFORCED,
}

# Checks whose failure a client would not suffer from, whatever kind they map to.
NON_BREAKING_CHECKS = frozenset({"unsupported_method", "allow_header_conformance", "missing_required_header"})


# Checks that judge a request as invalid by what was generated: re-judged by what was sent.
WIRE_JUDGED_CHECKS = frozenset({"negative_data_rejection", "missing_required_header"})


def check_message(operation_id: str, check: str, title: str, status: int | None) -> str:
    """The sentence a person reads about a failed check (its id is the finding's `check`).

    schemathesis titles its server-error check "Server error" and names it not_a_server_error: side by
    side they read as a contradiction, so that one is said in words.
    """
    if check == "not_a_server_error":
        return (
            f"{operation_id} answered HTTP {status}, a server error."
            if status
            else (f"{operation_id} answered with a server error.")
        )
    return f"{operation_id}: {title} ({check})."


def kind_of(check_name: str) -> Kind:
    return CHECK_KINDS.get(check_name, Kind.SCHEMA_VIOLATION)


def severity_of(check_name: str) -> Severity | None:
    """An override of the kind's default severity, or None to keep it."""
    return Severity.NON_BREAKING if check_name in NON_BREAKING_CHECKS else None


def judged_finding(
    operation: Operation,
    *,
    kind: Kind,
    pointer: str,
    expected: str,
    observed: str,
    message: str,
    source: Source,
    evidence: Evidence,
    severity_check: str | None = None,
    check: str | None = None,
    instance_pointer: str | None = None,
    basis: Basis = Basis.DOCUMENTED,
    inference: str = "",
    severity: Severity | None = None,
) -> Finding:
    """A finding as the live engine and the replay both judge it: the severity a failed check implies,
    and the concrete pointer in the evidence only where it differs from the normalised one."""
    return finding_on(
        operation,
        kind=kind,
        pointer=pointer,
        expected=expected,
        observed=observed,
        message=message,
        source=source,
        evidence=replace(evidence, instance_pointer=instance_pointer if instance_pointer != pointer else None),
        severity=severity or (severity_of(severity_check) if severity_check else None),
        check=check,
        basis=basis,
        inference=inference,
    )


def expected_for(check: str, failure: Any, documented: list[str] | None = None) -> str:
    if check == "status_code_conformance":
        # As the spec writes them (5XX), not schemathesis's expansion into 100 numbers.
        if documented:
            return "a documented status: " + ", ".join(documented)
        allowed = getattr(failure, "allowed_status_codes", None) or getattr(failure, "defined_status_codes", None)
        if allowed:
            return "a documented status: " + ", ".join(str(s) for s in allowed)
        return "a documented status code"
    if check == "content_type_conformance":
        documented = getattr(failure, "defined_content_types", None)
        return "a documented content type: " + ", ".join(documented) if documented else "a documented content type"
    return {
        "not_a_server_error": "no 5xx for any request",
        "ignored_auth": "401 or 403 without valid credentials",
        "negative_data_rejection": "a 4xx for invalid input",
        "positive_data_acceptance": "a 2xx for valid input",
        "use_after_free": "404 for a deleted resource",
        "ensure_resource_availability": "the created resource to be retrievable",
    }.get(check, f"the {check} check to pass")


def refused_valid(rejection: Rejection) -> dict[str, Any]:
    """What `positive_data_rejected` says for one refused valid request (conformance.checks.refusals)."""
    return {
        "kind": rejection.kind,
        "pointer": rejection.pointer,
        "expected": rejection.expected,
        "observed": rejection.observed,
        "message": rejection.message,
        "check": rejection.check,
        "severity": rejection.severity,
        "basis": rejection.basis,
        "inference": rejection.inference,
    }


def accepted_invalid(operation: Operation, status: int | None, constraint: Constraint) -> dict[str, Any]:
    """What `negative_data_accepted` says for one accepted invalid request: identified by the constraint
    (pointer and keyword, in the pointer and the check), severity by the constraint's basis and the policy."""
    return {
        "kind": Kind.NEGATIVE_DATA_ACCEPTED,
        "pointer": constraint.pointer,
        "expected": f"a 4xx: the request breaks {describe(constraint)}",
        "observed": f"HTTP {status}: accepted {constraint.sent}",
        "message": f"{operation.method} {operation.path} ({operation.operation_id}) accepted a request that breaks "
        f"{describe(constraint)}, sent {constraint.sent}.",
        "check": f"request.{constraint.keyword}",
        "basis": constraint.basis,
        "inference": constraint.inference,
    }
