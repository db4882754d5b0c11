"""Stripe-style form-encoded bodies: `metadata[key]=v`, `items[0][price]=v`, typed by the JSON schema.

Form values are all text, so the schema of the body says which are integers, booleans or nulls (an
empty value clears a nullable field, as on Stripe). Used by doubles whose docs document form bodies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import parse_qsl

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_INTEGER = re.compile(r"^-?\d+$")
_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

Deref = Callable[[Any], Any]


class FormError(ValueError):
    """The body is not a form a Stripe-style API can read."""


def decode(raw: bytes, schema: Any, deref: Deref) -> dict[str, Any]:
    """The form body as the JSON document it stands for, typed by `schema`."""
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        raise FormError("The request body is not a valid form-encoded body.") from None
    tree: dict[str, Any] = {}
    for key, value in pairs:
        _insert(tree, _tokens(key), value, key)
    return cast(dict[str, Any], coerce(tree, schema, deref))  # a form body is an object


def encode(value: Any) -> str:
    """A JSON-like value as Stripe's bracketed form encoding (the inverse of `decode`)."""
    from urllib.parse import urlencode

    return urlencode(list(_flatten("", value)))


def _flatten(prefix: str, value: Any) -> Any:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(f"{prefix}[{key}]" if prefix else str(key), item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _flatten(f"{prefix}[{index}]", item)
    elif isinstance(value, bool):
        yield prefix, "true" if value else "false"
    elif value is None:
        yield prefix, ""
    else:
        yield prefix, str(value)


def _tokens(key: str) -> list[str]:
    match = _KEY.match(key)
    if match is None:
        raise FormError(f"Invalid form key: {key!r}.")
    return [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]


def _insert(tree: dict[str, Any], tokens: list[str], value: str, key: str) -> None:
    node = tree
    for token in tokens[:-1]:
        token = token or str(len(node))  # `a[]` appends
        child = node.setdefault(token, {})
        if not isinstance(child, dict):
            raise FormError(f"Form key {key!r} nests under a value that is not an object.")
        node = child
    last = tokens[-1] or str(len(node))
    if isinstance(node.get(last), dict):
        raise FormError(f"Form key {key!r} gives a value to an object.")
    node[last] = value


def _members(schema: Any, deref: Deref) -> list[dict[str, Any]]:
    """The schema and every subschema it combines, dereferenced."""
    schema = deref(schema)
    if not isinstance(schema, dict):
        return []
    found = [schema]
    for keyword in ("allOf", "anyOf", "oneOf"):
        for member in schema.get(keyword) or []:
            found.extend(_members(member, deref))
    return found


def _types(members: list[dict[str, Any]]) -> set[str]:
    types: set[str] = set()
    for member in members:
        declared = member.get("type")
        types.update([declared] if isinstance(declared, str) else declared or [])
        if "properties" in member:
            types.add("object")
    return types


def coerce(value: Any, schema: Any, deref: Deref) -> Any:
    members = _members(schema, deref)
    types = _types(members)
    if isinstance(value, dict):
        if "array" in types and "object" not in types and all(_INTEGER.match(k) for k in value):
            items: Any = next((m["items"] for m in members if "items" in m), {})
            return [coerce(value[k], items, deref) for k in sorted(value, key=int)]
        properties: dict[str, Any] = {}
        extra: Any = {}
        for member in members:
            properties.update(member.get("properties") or {})
            if isinstance(member.get("additionalProperties"), dict):
                extra = member["additionalProperties"]
        return {k: coerce(v, properties.get(k, extra), deref) for k, v in value.items()}
    if isinstance(value, str):
        if value == "" and "null" in types:
            return None
        if "integer" in types and _INTEGER.match(value):
            return int(value)
        if "number" in types and _NUMBER.match(value):
            return float(value)
        if "boolean" in types and value in ("true", "false"):
            return value == "true"
    return value
