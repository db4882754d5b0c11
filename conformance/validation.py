"""JSON Schema errors turned into classified violations (missing field, retyped field, null, enum...).

Shared by the documentation audit (examples vs schemas) and the engine (responses vs schemas), so
both speak of the same discrepancy in the same words.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from conformance.findings import Kind
from conformance.pointers import escape as escape_pointer_token

_MAX_SHOWN = 160


@dataclass(frozen=True)
class Violation:
    kind: Kind
    pointer: str  # JSON pointer into the validated instance
    expected: str
    observed: str


def show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def _pointer(path: Iterable[Any]) -> str:
    return "".join("/" + escape_pointer_token(str(p)) for p in path)


def _type_names(value: Any) -> set[str]:
    return {value} if isinstance(value, str) else set(value or ())


def classify(error: ValidationError) -> list[Violation]:
    """One or more violations for a jsonschema error, most specific first."""
    pointer = _pointer(error.absolute_path)
    keyword = error.validator
    instance = error.instance
    if keyword in ("anyOf", "oneOf") and error.context:
        return classify(best_match(error.context))
    if keyword == "required":
        missing = [name for name in error.validator_value if isinstance(instance, dict) and name not in instance]
        expected = required_expectation(error.schema)
        return [
            Violation(Kind.MISSING_FIELD, f"{pointer}/{escape_pointer_token(name)}", expected, "absent")
            for name in missing
        ]
    if keyword in ("unevaluatedProperties", "additionalProperties") and error.validator_value is False:
        known = set((error.schema or {}).get("properties") or {})
        extra = sorted(k for k in instance if k not in known) if isinstance(instance, dict) else []
        return [
            Violation(
                Kind.UNDOCUMENTED_FIELD,
                f"{pointer}/{escape_pointer_token(name)}",
                "no such field in the documented schema",
                show(instance[name]),
            )
            for name in extra
        ] or [Violation(Kind.UNDOCUMENTED_FIELD, pointer, "no undocumented fields", show(instance))]
    if keyword == "type":
        expected_types = _type_names(error.validator_value)
        if instance is None and "null" not in expected_types:
            return [
                Violation(Kind.NULLABILITY, pointer, f"type {' | '.join(sorted(expected_types))}, not null", "null")
            ]
        return [Violation(Kind.TYPE_MISMATCH, pointer, f"type {' | '.join(sorted(expected_types))}", show(instance))]
    if keyword in ("enum", "const"):
        allowed = error.validator_value if keyword == "enum" else [error.validator_value]
        return [Violation(Kind.ENUM_VIOLATION, pointer, f"one of {show(allowed)}", show(instance))]
    if keyword == "format":
        return [Violation(Kind.FORMAT_VIOLATION, pointer, f"format {error.validator_value}", show(instance))]
    return [Violation(Kind.SCHEMA_VIOLATION, pointer, f"{keyword}: {show(error.validator_value)}", show(instance))]


def required_expectation(schema: Any) -> str:
    """What a missing field was expected as: a vendor must see when only our reading makes it required
    (an object schema with `x-inferred`, e.g. Stripe's required list where the docs mark all optional)."""
    inferred = schema.get("x-inferred") if isinstance(schema, dict) else None
    if not inferred:
        return "required field"
    if "Stripe" in str(inferred):
        return "required field (inferred from Stripe, not documented)"
    return "required field (inferred, not documented)"


def violations(validator: Draft202012Validator, instance: Any) -> list[Violation]:
    found: dict[tuple[Kind, str], Violation] = {}
    for error in validator.iter_errors(instance):
        for violation in classify(error):
            found.setdefault((violation.kind, violation.pointer), violation)
    return sorted(found.values(), key=lambda v: (v.pointer, v.kind))


def strict_document(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of an OpenAPI document whose object schemas admit no undocumented properties.

    `unevaluatedProperties: false` (not `additionalProperties`) so that properties contributed by
    `allOf`/`$ref` siblings still count as documented; members of an `allOf` are left open, since
    their siblings add the rest of the object.
    """
    strict = copy.deepcopy(document)

    def visit(node: Any, in_all_of: bool = False) -> None:
        if isinstance(node, dict):
            is_object_schema = "properties" in node and isinstance(node["properties"], dict)
            if (
                is_object_schema
                and not in_all_of
                and "additionalProperties" not in node
                and "unevaluatedProperties" not in node
            ):
                node["unevaluatedProperties"] = False
            for key, value in node.items():
                if key in ("examples", "example"):
                    continue
                if key == "allOf" and isinstance(value, list):
                    for member in value:
                        visit(member, in_all_of=True)
                else:
                    visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(strict.get("components", {}))
    visit(strict.get("paths", {}))
    return strict
