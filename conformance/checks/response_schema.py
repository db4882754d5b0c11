"""Strict response validation: a response against the documented response of its operation."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from conformance.core.kinds import Basis, Kind
from conformance.spec.schema_paths import documented_response_pointer, json_schema_pointer
from conformance.spec.specs import Operation, Spec
from conformance.spec.validation import Violation, inference_of, violations

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
    found = violations(spec.validator(schema_pointer, strict=strict), body)
    whole = response_inference(spec, operation, response_pointer)
    if not whole:
        return found
    # Every expectation of an inferred answer is inferred, whatever its own node says.
    return [v if v.basis is Basis.INFERRED else replace(v, basis=Basis.INFERRED, inference=whole) for v in found]


def status_inference(spec: Spec, operation: Operation, status: int) -> str:
    """Why the statuses documented for answers of `status`'s class (2xx, 4xx...) are the spec's reading ('' when
    a page shows at least one of them): every such response is marked `x-inferred`, or the operation is."""
    responses = spec.resolve(operation.pointer).get("responses") or {}
    same = [str(key) for key in responses if str(key)[:1] == str(status)[:1]]
    reasons = []
    for key in same:
        node = responses[key]
        if isinstance(node, dict) and "$ref" in node:
            node = spec.resolve(str(node["$ref"]).removeprefix("#"))
        reason = inference_of(node)
        if not reason:
            break
        reasons.append(reason)
    else:
        if reasons:
            return reasons[0]
    if operation.provenance.status == "inferred":
        return operation.provenance.reason or "the operation's page was not recovered"
    return ""


def response_inference(spec: Spec, operation: Operation, response_pointer: str) -> str:
    """Why a documented response is the spec's reading as a whole ('' when a page shows it): the response
    (or its schema) is marked `x-inferred`, or the operation's page was not recovered at all."""
    response = spec.resolve(response_pointer)
    reason = inference_of(response)
    if not reason:
        schema_pointer = json_schema_pointer(spec, response_pointer)
        node = spec.resolve(schema_pointer) if schema_pointer else None
        # A `$ref` to a component is that component's business (its own nodes say what they infer).
        reason = (
            inference_of(node) if isinstance(node, dict) and "$ref" not in node and "properties" not in node else ""
        )
    if not reason and operation.provenance.status == "inferred":
        reason = operation.provenance.reason or "the operation's page was not recovered"
    return reason


def violation_message(operation: Operation, status: int, violation: Violation) -> str:
    """One sentence that says what the expectation rests on: never "documented" for the spec's inference."""
    kind, pointer = violation.kind, violation.pointer
    if violation.basis is Basis.INFERRED:
        what = {
            Kind.MISSING_FIELD: "lacks the field",
            Kind.UNDOCUMENTED_FIELD: "carries a field its inferred schema does not list:",
            Kind.TYPE_MISMATCH: "has another type than the spec infers at",
            Kind.NULLABILITY: "has null where the spec infers none, at",
            Kind.ENUM_VIOLATION: "has a value outside the values the spec infers, at",
            Kind.FORMAT_VIOLATION: "has another format than the spec infers at",
        }.get(kind, "does not match the schema the spec infers at")
        return (
            f"The {status} response of {operation.operation_id} {what} {pointer or '/'}; the expectation is the "
            f"spec's inference, not a promise the documentation makes (inferred: {_short(violation.inference)})."
        )
    what = {
        Kind.MISSING_FIELD: "lacks the documented field",
        Kind.UNDOCUMENTED_FIELD: "carries an undocumented field",
        Kind.TYPE_MISMATCH: "has the wrong type at",
        Kind.NULLABILITY: "has null where the documentation allows none, at",
        Kind.ENUM_VIOLATION: "has a value the documentation does not list, at",
        Kind.FORMAT_VIOLATION: "has a badly formatted value at",
    }.get(kind, "does not match the documented schema at")
    return f"The {status} response of {operation.operation_id} {what} {pointer or '/'}."


_INFERENCE_SHOWN = 200


def _short(text: str) -> str:
    return text if len(text) <= _INFERENCE_SHOWN else text[: _INFERENCE_SHOWN - 1] + "…"
