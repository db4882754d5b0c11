"""What the spec documents for an operation's response with a given status, looked up once.

Resolving pointers through the spec's registry costs far more than judging an exchange; a replay asks
the same few questions (operation, status) thousands of times, so each answer is computed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.spec.schema_paths import documented_response_pointer, json_schema_pointer
from conformance.spec.specs import Operation, Spec


@dataclass(frozen=True)
class ResponseFacts:
    documented_statuses: tuple[str, ...]  # the operation's response keys ("200", "4XX", "default")
    response_pointer: str | None  # the response documented for this status, if any
    content_types: tuple[str, ...]
    headers: dict[str, Any]
    schema_pointer: str | None  # its JSON body schema, if any


_FACTS: dict[tuple[int, str, int], tuple[Spec, ResponseFacts]] = {}


def response_facts(spec: Spec, operation: Operation, status: int) -> ResponseFacts:
    key = (id(spec), operation.operation_id, status)
    found = _FACTS.get(key)
    if found is not None and found[0] is spec:
        return found[1]
    responses = spec.resolve(operation.pointer).get("responses") or {}
    pointer = documented_response_pointer(spec, operation, status)
    response = spec.resolve(pointer) if pointer else {}
    facts = ResponseFacts(
        documented_statuses=tuple(str(k) for k in responses),
        response_pointer=pointer,
        content_types=tuple(response.get("content") or {}),
        headers=dict(response.get("headers") or {}),
        schema_pointer=json_schema_pointer(spec, pointer) if pointer else None,
    )
    _FACTS[key] = (spec, facts)
    return facts
