"""Where a place in a response body lives in the spec: which `#/components/schemas/X`, and where inside it.

Findings carry a JSON pointer into a response body (`/data/*/lines/data/*/amount`). Many operations
return the same component, so the same defect shows at different pointers; naming the component and
the pointer within it (`InvoiceLineItem` `/amount`) is what lets findings be grouped by cause, and the
same cursor lets coverage count each documented field once however many operations return it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from conformance.core import pointers
from conformance.spec.specs import Operation, Spec

_COMPONENT = re.compile(r"^/components/schemas/([^/]+)$")
_COMBINATORS = ("allOf", "oneOf", "anyOf")
# Array indices in finding pointers are digits, or `*` once normalised.
_INDEX = re.compile(r"^(\d+|\*)$")


@dataclass(frozen=True)
class Cursor:
    """A schema node, and the place it describes: the innermost component (None: inline) and the pointer within it."""

    pointer: str
    component: str | None
    within: str


@dataclass(frozen=True)
class Location:
    component: str | None
    within: str  # pointer inside the component (or inside the response schema when inline)
    resolved: bool  # False when the pointer leaves the documented schema (an undocumented field)


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


def json_schema_pointer(spec: Spec, response_pointer: str) -> str | None:
    content = spec.resolve(response_pointer).get("content") or {}
    for media_type in content:
        if media_type.split(";")[0].strip().lower().endswith("json") and "schema" in content[media_type]:
            return response_pointer + pointers.join("content", media_type, "schema")
    return None


def _memo(spec: Spec, name: str) -> dict[Any, Any]:
    """A per-spec cache: a spec is parsed once per process and never changes afterwards."""
    caches: dict[str, dict[Any, Any]] = spec.__dict__.setdefault("_schema_paths_memo", {})
    return caches.setdefault(name, {})


def node_at(spec: Spec, pointer: str) -> Any:
    memo = _memo(spec, "node")
    if pointer not in memo:
        memo[pointer] = _lookup(spec, pointer)
    return memo[pointer]


def _lookup(spec: Spec, pointer: str) -> Any:
    node: Any = spec.document
    for token in pointers.split(pointer):
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def deref(spec: Spec, cursor: Cursor) -> Cursor:
    """Follow local `$ref`s; entering a component starts a new `within`."""
    memo: dict[Cursor, Cursor] = _memo(spec, "deref")
    if cursor not in memo:
        memo[cursor] = _deref(spec, cursor)
    return memo[cursor]


def _deref(spec: Spec, cursor: Cursor) -> Cursor:
    pointer, component, within = cursor.pointer, cursor.component, cursor.within
    seen: set[str] = set()
    node = node_at(spec, pointer)
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
        target = node["$ref"][1:]
        if target in seen:
            break
        seen.add(target)
        match = _COMPONENT.match(target)
        if match:
            component, within = pointers.split(target)[-1], ""
        pointer = target
        node = node_at(spec, pointer)
    return Cursor(pointer, component, within)


def branches(spec: Spec, cursor: Cursor, keywords: tuple[str, ...] = _COMBINATORS) -> tuple[Cursor, ...]:
    memo: dict[tuple[Cursor, tuple[str, ...]], tuple[Cursor, ...]] = _memo(spec, "branches")
    key = (cursor, keywords)
    if key not in memo:
        node = node_at(spec, cursor.pointer)
        found = []
        if isinstance(node, dict):
            for keyword in keywords:
                members = node.get(keyword)
                if isinstance(members, list):
                    for i in range(len(members)):
                        member = Cursor(f"{cursor.pointer}/{keyword}/{i}", cursor.component, cursor.within)
                        found.append(deref(spec, member))
        memo[key] = tuple(found)
    return memo[key]


def step(spec: Spec, cursor: Cursor, token: str, depth: int = 0) -> Cursor | None:
    """Where `token` (a property name or an array index) under `cursor` is declared, or None if undocumented.

    The cursor returned is the declaration itself, not what it references: a missing `lines` is a field
    of the Invoice, whatever component describes its value.
    """
    cursor = deref(spec, cursor)
    node = node_at(spec, cursor.pointer)
    if not isinstance(node, dict) or depth > 16:
        return None
    properties = node.get("properties")
    if isinstance(properties, dict) and token in properties:
        return Cursor(cursor.pointer + pointers.join("properties", token), cursor.component, _join(cursor, token))
    if _INDEX.match(token) and isinstance(node.get("items"), dict):
        return Cursor(cursor.pointer + "/items", cursor.component, cursor.within + "/*")
    for branch in branches(spec, cursor):
        found = step(spec, branch, token, depth + 1)
        if found is not None:
            return found
    if isinstance(node.get("additionalProperties"), dict) and not _INDEX.match(token):
        return Cursor(cursor.pointer + "/additionalProperties", cursor.component, cursor.within + "/*")
    return None


def _join(cursor: Cursor, token: str) -> str:
    return cursor.within + pointers.join(token)


def response_schema(spec: Spec, operation: Operation, status: int | None) -> str | None:
    """The JSON schema documented for `status` (or, unknown status, for the first documented 2xx)."""
    if status is None:
        responses = node_at(spec, operation.pointer + "/responses") or {}
        status = next((int(s) for s in sorted(responses) if str(s).isdigit() and str(s).startswith("2")), None)
        if status is None:
            return None
    response_pointer = documented_response_pointer(spec, operation, status)
    return json_schema_pointer(spec, response_pointer) if response_pointer else None


def locate(spec: Spec, schema_pointer: str, instance_pointer: str) -> Location:
    """The component and pointer-within-component that `instance_pointer` of a body lands on."""
    cursor = Cursor(schema_pointer, None, "")
    tokens = pointers.split(instance_pointer)
    if not tokens:
        cursor = deref(spec, cursor)  # the whole body: the component it is
    for i, token in enumerate(tokens):
        found = step(spec, cursor, token)
        if found is None:
            cursor = deref(spec, cursor)
            rest = "".join(pointers.join("*" if _INDEX.match(t) else t) for t in tokens[i:])
            return Location(cursor.component, cursor.within + rest, resolved=False)
        cursor = found
    return Location(cursor.component, cursor.within, resolved=True)


def allows_null(spec: Spec, schema_pointer: str, instance_pointer: str) -> bool:
    """Whether the schema at `schema_pointer` documents null as a value at `instance_pointer` of a body."""
    cursor = Cursor(schema_pointer, None, "")
    for token in pointers.split(instance_pointer):
        found = step(spec, cursor, token)
        if found is None:
            return False
        cursor = found
    return _admits_null(spec, deref(spec, cursor))


def _admits_null(spec: Spec, cursor: Cursor, depth: int = 0) -> bool:
    node = node_at(spec, cursor.pointer)
    if not isinstance(node, dict) or depth > 16:
        return False
    if "enum" in node and None not in (node["enum"] or []):
        return False
    if "const" in node:
        return node["const"] is None
    types = node.get("type")
    if types == "null" or (isinstance(types, list) and "null" in types) or node.get("nullable") is True:
        return True
    return any(_admits_null(spec, branch, depth + 1) for branch in branches(spec, cursor, ("oneOf", "anyOf")))
