"""schemathesis check failures, named in the finding kinds of interfaces.md."""

from __future__ import annotations

from conformance.findings import Kind, Severity

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


def kind_of(check_name: str) -> Kind:
    return CHECK_KINDS.get(check_name, Kind.SCHEMA_VIOLATION)


def severity_of(check_name: str) -> Severity | None:
    """An override of the kind's default severity, or None to keep it."""
    return Severity.NON_BREAKING if check_name in NON_BREAKING_CHECKS else None
