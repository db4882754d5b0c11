"""JSON Schema errors turned into classified violations (missing field, retyped field, null, enum...).

Shared by the documentation audit (examples vs schemas) and the engine (responses vs schemas), so
both speak of the same discrepancy in the same words.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from conformance.core.kinds import Basis, Kind
from conformance.core.pointers import escape as escape_pointer_token

_MAX_SHOWN = 160


@dataclass(frozen=True)
class Violation:
    kind: Kind
    pointer: str  # JSON pointer into the validated instance, array indices as `*`
    expected: str
    observed: str
    instance_pointer: str = ""  # the same pointer with the concrete array indices of this instance
    # What the failed expectation rests on: the `x-inferred` of the schema node whose keyword failed.
    basis: Basis = Basis.DOCUMENTED
    inference: str = ""
    # The JSON Schema keyword that failed (type, required, enum...): with the pointer, the constraint broken.
    keyword: str = ""

    @property
    def check(self) -> str:
        return STRICT_SCHEMA_CHECK


# The id of the check every strict schema violation comes from (findings' `check` field).
STRICT_SCHEMA_CHECK = "schema.strict"


def show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def _pointer(path: Iterable[Any]) -> str:
    return "".join("/" + escape_pointer_token(str(p)) for p in path)


def _normalised(path: Iterable[Any]) -> str:
    """Array indices (ints in a jsonschema path) as `*`: one finding per field, not per element."""
    return "".join("/" + ("*" if isinstance(p, int) else escape_pointer_token(str(p))) for p in path)


def _type_names(value: Any) -> set[str]:
    return {value} if isinstance(value, str) else set(value or ())


def _violation(
    kind: Kind,
    error: ValidationError,
    expected: str,
    observed: str,
    child: str | None = None,
    keyword: str | None = None,
) -> Violation:
    suffix = "" if child is None else "/" + escape_pointer_token(child)
    # An undocumented field is judged against the fields a page lists, whatever the node infers.
    inference = "" if kind is Kind.UNDOCUMENTED_FIELD else inference_of(error.schema)
    return Violation(
        kind,
        _normalised(error.absolute_path) + suffix,
        expected,
        observed,
        _pointer(error.absolute_path) + suffix,
        Basis.INFERRED if inference else Basis.DOCUMENTED,
        inference,
        keyword or str(error.validator),
    )


def inference_of(node: Any) -> str:
    """The `x-inferred` reason of a schema node (it covers that node's own keywords: its required list,
    type, enum, bounds), '' when the node states what a page prints."""
    reason = node.get("x-inferred") if isinstance(node, Mapping) else None
    return " ".join(str(reason).split()) if reason else ""


def _branches(error: ValidationError) -> dict[Any, list[ValidationError]]:
    """The errors of each branch of a failed oneOf/anyOf, by branch index."""
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        branch = sub.relative_schema_path[0] if sub.relative_schema_path else None
        branches.setdefault(branch, []).append(sub)
    return branches


def _rejects_type(errors: list[ValidationError]) -> bool:
    """Whether a branch is about another type of value altogether (its own `type` failed at its root)."""
    return any(e.validator == "type" and not e.relative_path for e in errors)


def _classify_alternatives(error: ValidationError) -> list[Violation]:
    """A failed oneOf/anyOf: judge the value by the branch it was meant for, not by the best-matching error.

    A branch whose own type the value does not have (the `null` of a nullable object) says nothing
    about what is wrong inside the object; the branch of the value's type, with the fewest errors,
    does, and each of its errors is reported at its own pointer.
    """
    branches = _branches(error)
    typed = {b: errs for b, errs in branches.items() if not _rejects_type(errs)}
    if not typed:
        expected: set[str] = set()
        for errs in branches.values():
            for e in errs:
                if e.validator == "type" and not e.relative_path:
                    expected |= _type_names(e.validator_value)
        return [_type_violation(error, expected)]
    chosen = min(typed.values(), key=len)
    found: list[Violation] = []
    for sub in chosen:
        found.extend(classify(sub))
    return found


def _type_violation(error: ValidationError, expected_types: set[str]) -> Violation:
    instance = error.instance
    if instance is None and "null" not in expected_types:
        expected = f"type {' | '.join(sorted(expected_types))}, not null"
        return _violation(Kind.NULLABILITY, error, expected, "null", keyword="type")
    return _violation(
        Kind.TYPE_MISMATCH, error, f"type {' | '.join(sorted(expected_types))}", show(instance), keyword="type"
    )


def classify(error: ValidationError) -> list[Violation]:
    """One or more violations for a jsonschema error, most specific first."""
    keyword = error.validator
    instance: Any = error.instance
    if keyword in ("anyOf", "oneOf") and error.context:
        return _classify_alternatives(error)
    if keyword == "required":
        missing = [
            name
            for name in cast(list[str], error.validator_value)
            if isinstance(instance, dict) and name not in instance
        ]
        expected = required_expectation(error.schema)
        return [_violation(Kind.MISSING_FIELD, error, expected, "absent", name) for name in missing]
    if keyword in ("unevaluatedProperties", "additionalProperties") and error.validator_value is False:
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        known = set(schema.get("properties") or {})
        extra = sorted(k for k in instance if k not in known) if isinstance(instance, dict) else []
        return [
            _violation(
                Kind.UNDOCUMENTED_FIELD, error, "no such field in the documented schema", show(instance[name]), name
            )
            for name in extra
        ] or [_violation(Kind.UNDOCUMENTED_FIELD, error, "no undocumented fields", show(instance))]
    if keyword == "type":
        return [_type_violation(error, _type_names(error.validator_value))]
    if keyword in ("enum", "const"):
        allowed = error.validator_value if keyword == "enum" else [error.validator_value]
        return [_violation(Kind.ENUM_VIOLATION, error, f"one of {show(allowed)}", show(instance))]
    if keyword == "format":
        return [_violation(Kind.FORMAT_VIOLATION, error, f"format {error.validator_value}", show(instance))]
    return [_violation(Kind.SCHEMA_VIOLATION, error, f"{keyword}: {show(error.validator_value)}", show(instance))]


def required_expectation(schema: Any) -> str:
    """What a missing field was expected as: a vendor must see when only our reading makes it required
    (an object schema with `x-inferred`, e.g. Stripe's required list where the docs mark all optional)."""
    inferred = inference_of(schema)
    if not inferred:
        return "required field"
    if "Stripe" in inferred:
        return "required field (inferred from Stripe, not documented)"
    return "required field (inferred, not documented)"


def violations(validator: Draft202012Validator, instance: Any) -> list[Violation]:
    """Each violation once per (kind, normalised pointer), keeping the first element's concrete pointer."""
    every = [violation for error in validator.iter_errors(instance) for violation in classify(error)]
    # One cause, one finding: a value of the wrong type (or null) also fails its enum or format.
    retyped = {v.instance_pointer for v in every if v.kind in _TYPE_KINDS}
    found: dict[tuple[Kind, str], Violation] = {}
    for violation in every:
        if violation.kind in _VALUE_KINDS and violation.instance_pointer in retyped:
            continue
        found.setdefault((violation.kind, violation.pointer), violation)
    return sorted(found.values(), key=lambda v: (v.pointer, v.kind))


_TYPE_KINDS = frozenset({Kind.TYPE_MISMATCH, Kind.NULLABILITY})
_VALUE_KINDS = frozenset({Kind.ENUM_VIOLATION, Kind.FORMAT_VIOLATION, Kind.SCHEMA_VIOLATION})


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
    visit(strict.get("webhooks", {}))
    return strict
