"""Strict response validation: a response against the documented response of its operation."""

from __future__ import annotations

from typing import Any

from conformance.schema_paths import documented_response_pointer, json_schema_pointer
from conformance.specs import Operation, Spec
from conformance.validation import Violation, violations

# A 2xx answer labelled JSON whose body does not parse: a client's parser fails on it.
NOT_JSON_CHECK = "response.not_json"


def documented_statuses(spec: Spec, operation: Operation) -> list[str]:
    """The response keys as the spec writes them ("200", "4XX", "default"), for messages."""
    return sorted(str(key) for key in spec.resolve(operation.pointer).get("responses") or {})


def response_violations(
    spec: Spec, operation: Operation, status: int, body: Any, *, strict: bool = True
) -> list[Violation] | None:
    """Violations of the documented schema, undocumented fields included when `strict`.

    None when the status is not documented or documents no JSON body (other checks report that).
    """
    response_pointer = documented_response_pointer(spec, operation, status)
    if response_pointer is None:
        return None
    schema_pointer = json_schema_pointer(spec, response_pointer)
    if schema_pointer is None:
        return None
    return violations(spec.validator(schema_pointer, strict=strict), body)
