"""An OpenAPI schema flattened into body pointers: what the schema says about each field.

Pointers use `*` for array elements (`/data/items/*/status`), the same form the shape extractor uses
for observed bodies, so a documented field and an observed one are found under the same key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.core import pointers, refs
from conformance.spec.schema_paths import documented_response_pointer, json_schema_pointer
from conformance.spec.specs import Operation, Spec

ARRAY_ITEM = "*"
# Deep enough for any invoice object; a guard against pathological or recursive schemas.
_MAX_DEPTH = 12

Resolver = refs.Lookup


@dataclass
class FieldFacts:
    """What a schema documents about one field; `required` is relative to its parent object."""

    types: set[str] = field(default_factory=set)
    nullable: bool = False
    enum: list[Any] | None = None
    format: str | None = None
    required: bool = False
    read_only: bool = False
    write_only: bool = False
    # `additionalProperties` allowed explicitly: member names beyond `properties` are data (a map).
    open_map: bool = False

    @property
    def non_null_types(self) -> set[str]:
        return self.types - {"null"}


def child(pointer: str, token: str) -> str:
    return pointer + "/" + (token if token == ARRAY_ITEM else pointers.escape(token))


def flatten(schema: Any, resolve: Resolver) -> dict[str, FieldFacts]:
    """Every pointer the schema documents ('' for the body itself) and its facts."""
    found: dict[str, FieldFacts] = {}
    _visit(schema, "", resolve, found, required=True, seen=(), depth=0)
    return found


def _visit(
    node: Any,
    pointer: str,
    resolve: Resolver,
    found: dict[str, FieldFacts],
    *,
    required: bool,
    seen: tuple[str, ...],
    depth: int,
) -> None:
    node, seen = refs.follow(node, resolve, seen=seen)  # a recursive schema stops where it recurs
    if not isinstance(node, dict) or depth > _MAX_DEPTH:
        return
    facts = found.setdefault(pointer, FieldFacts())
    facts.required = facts.required or required
    _merge_scalar_facts(facts, node)
    for keyword in ("allOf", "oneOf", "anyOf"):
        for member in node.get(keyword) or ():
            # A member of allOf contributes to the same field; oneOf/anyOf members are alternatives.
            _visit(member, pointer, resolve, found, required=required, seen=seen, depth=depth + 1)
    names_required = set(node.get("required") or ())
    for name, sub in (node.get("properties") or {}).items():
        _visit(
            sub,
            child(pointer, name),
            resolve,
            found,
            required=name in names_required,
            seen=seen,
            depth=depth + 1,
        )
    if "items" in node:
        _visit(node["items"], child(pointer, ARRAY_ITEM), resolve, found, required=True, seen=seen, depth=depth + 1)


def _merge_scalar_facts(facts: FieldFacts, node: dict[str, Any]) -> None:
    declared = node.get("type")
    if isinstance(declared, str):
        facts.types.add(declared)
    elif isinstance(declared, list):
        facts.types.update(t for t in declared if isinstance(t, str))
    elif "properties" in node:
        facts.types.add("object")
    elif "items" in node:
        facts.types.add("array")
    if node.get("nullable") is True or "null" in facts.types:  # 3.0 `nullable` and 3.1 type lists
        facts.nullable = True
    values = node.get("enum")
    if "const" in node:
        values = [node["const"]]
    if isinstance(values, list):
        if None in values:
            facts.nullable = True
        values = [v for v in values if v is not None]
        facts.enum = list(dict.fromkeys([*(facts.enum or []), *values]))
    extra = node.get("additionalProperties")
    if extra is not None and extra is not False:
        facts.open_map = True
    if isinstance(node.get("format"), str):
        facts.format = node["format"]
    facts.read_only = facts.read_only or node.get("readOnly") is True
    facts.write_only = facts.write_only or node.get("writeOnly") is True


def spec_resolver(spec: Spec) -> Resolver:
    """Pointers of `spec`, whose `$ref`s are all local (conformance.core.refs)."""
    return spec.resolve


def documented_response(spec: Spec, operation: Operation, status: int) -> tuple[dict[str, FieldFacts], set[str]]:
    """The documented body fields and header names (lower case) of `operation`'s `status` response."""
    response_pointer = documented_response_pointer(spec, operation, status)
    if response_pointer is None:
        return {}, set()
    response = spec.resolve(response_pointer)
    headers = {str(name).lower() for name in (response.get("headers") or {})} if isinstance(response, dict) else set()
    schema_pointer = json_schema_pointer(spec, response_pointer)
    if schema_pointer is None:
        return {}, headers
    return flatten(spec.resolve(schema_pointer), spec_resolver(spec)), headers
