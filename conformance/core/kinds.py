"""What a finding is about (its kind) and how bad it is (its severity): the words of interfaces.md.

At the bottom of the layers: spec validation names the kind of a violation without knowing findings.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    BREAKING = "breaking"
    NON_BREAKING = "non_breaking"
    INFO = "info"


class Basis(StrEnum):
    """What an expectation rests on: a page states it, the spec infers it (Stripe convention, a reading the
    pages do not print), or the provider's own earlier behaviour (drift). Only documented ones break by default."""

    DOCUMENTED = "documented"
    INFERRED = "inferred"
    OBSERVED = "observed"


class Kind(StrEnum):
    MISSING_FIELD = "missing_field"
    UNDOCUMENTED_FIELD = "undocumented_field"
    TYPE_MISMATCH = "type_mismatch"
    ENUM_VIOLATION = "enum_violation"
    FORMAT_VIOLATION = "format_violation"
    NULLABILITY = "nullability"
    SCHEMA_VIOLATION = "schema_violation"
    UNDOCUMENTED_STATUS = "undocumented_status"
    CONTENT_TYPE = "content_type"
    SERVER_ERROR = "server_error"
    INVARIANT_VIOLATION = "invariant_violation"
    STATE_TRANSITION = "state_transition"
    AUTH_NOT_ENFORCED = "auth_not_enforced"
    NEGATIVE_DATA_ACCEPTED = "negative_data_accepted"
    POSITIVE_DATA_REJECTED = "positive_data_rejected"
    USE_AFTER_FREE = "use_after_free"
    RESOURCE_UNAVAILABLE = "resource_unavailable"
    DOC_EXAMPLE_MISMATCH = "doc_example_mismatch"
    DOC_DEFECT = "doc_defect"
    STALE_CASSETTE = "stale_cassette"
    TRANSPORT_ERROR = "transport_error"
    DRIFT = "drift"
