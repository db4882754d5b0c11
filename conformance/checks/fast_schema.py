"""Strict schema validation with a compiled jsonschema-rs validator in front of the classifying one.

Most recorded bodies conform; jsonschema-rs says so many times faster than Python's jsonschema. Only a
body it rejects goes to `response_violations` (conformance.checks.response_schema), which classifies
each violation, so the findings are the classifier's and the fast path only decides "nothing to say".
Equivalence of the two verdicts is tested over every shipped cassette and over single mutations.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from conformance.checks.facts import response_facts
from conformance.checks.response_schema import response_violations
from conformance.spec.specs import Operation, Spec
from conformance.spec.validation import Violation, strict_document

# Per spec object (specs are parsed once per process): the strict document and compiled validators.
_CACHE: dict[int, tuple[Spec, dict[str, Any], dict[str, Any]]] = {}


def fast_validator(spec: Spec, schema_pointer: str) -> Any:
    """A jsonschema-rs validator, compiled once per spec and schema, for the strict (closed) schema."""
    entry = _CACHE.get(id(spec))
    if entry is None or entry[0] is not spec:
        entry = _CACHE[id(spec)] = (spec, strict_document(spec.document), {})
    _, strict, compiled = entry
    found = compiled.get(schema_pointer)
    if found is None:
        node: Any = strict
        for token in schema_pointer.lstrip("/").split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        # The schema keeps its internal "#/components/..." references resolvable by carrying them along.
        schema = {**node, "components": strict.get("components", {})} if isinstance(node, dict) else node
        found = compiled[schema_pointer] = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
    return found


def schema_violations(spec: Spec, operation: Operation, status: int, body: Any) -> list[Violation] | None:
    """As `response_violations(spec, operation, status, body)`, answered fast when the body conforms."""
    schema_pointer = response_facts(spec, operation, status).schema_pointer
    if schema_pointer is None:
        return None
    if fast_validator(spec, schema_pointer).is_valid(body):
        return []
    return response_violations(spec, operation, status, body)
