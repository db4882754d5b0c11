"""Strict response validation: a response against the documented response of its operation."""

from __future__ import annotations

from typing import Any

from conformance import pointers
from conformance.specs import Operation, Spec
from conformance.validation import Violation, violations

# A 2xx answer labelled JSON whose body does not parse: a client's parser fails on it.
NOT_JSON_CHECK = "response.not_json"


def documented_response_pointer(spec: Spec, operation: Operation, status: int) -> str | None:
    """Pointer to the response object documented for `status` (exact, then 2XX-style range, then default)."""
    responses = spec.resolve(operation.pointer).get("responses") or {}
    for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
        if key in responses:
            node = responses[key]
            if isinstance(node, dict) and "$ref" in node:
                return str(node["$ref"]).removeprefix("#")
            return operation.pointer + pointers.join("responses", key)
    return None


def documented_statuses(spec: Spec, operation: Operation) -> list[str]:
    """The response keys as the spec writes them ("200", "4XX", "default"), for messages."""
    return sorted(str(key) for key in spec.resolve(operation.pointer).get("responses") or {})


def json_schema_pointer(spec: Spec, response_pointer: str) -> str | None:
    content = spec.resolve(response_pointer).get("content") or {}
    for media_type in content:
        if media_type.split(";")[0].strip().lower().endswith("json") and "schema" in content[media_type]:
            return response_pointer + pointers.join("content", media_type, "schema")
    return None


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
