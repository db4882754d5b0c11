"""Generator artefacts: values the request generator makes that say nothing about the vendor.

JSON Schema calls `52028342577.0` an integer; most servers read it as a float and refuse it for an
integer field, so integers go out as JSON integers (`integral`). And a number far beyond any bound
the pages document (`page_size=781648674538653745152`) is schema-valid only because the spec states
no maximum: RFC 8259 (section 6) calls integers outside [-(2**53)+1, 2**53-1] not interoperable, so a
server that refuses such a value where the pages give no bound on that side has refused nothing a
client could rely on (`beyond_documented_range`). Its refusal is a refusal, not `positive_data_rejected`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from conformance.checks.request_conformance import parameter_pointers, read_parameter
from conformance.core import pointers
from conformance.core.form import FormError, decode
from conformance.spec.schema_paths import Cursor, branches, deref, node_at, step
from conformance.spec.specs import Operation, Spec

# RFC 8259, section 6: the integers every JSON implementation agrees on.
INTEROPERABLE = 2**53 - 1
RFC_8259 = "https://www.rfc-editor.org/rfc/rfc8259#section-6"


def integral(value: Any) -> Any:
    """`value` with every float that is a whole number written as an integer (the same JSON Schema value)."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: integral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [integral(item) for item in value]
    return value


def beyond_documented_range(
    spec: Spec, operation: Operation, url: str, headers: Mapping[str, Any], body: bytes | str | None
) -> list[str]:
    """Where a request as sent carries a number outside RFC 8259's interoperable range that its spec bounds
    on no side it lies on (`query page_size`, `body /items/0/quantity`); [] when it carries none."""
    found = []
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    for pointer in parameter_pointers(spec, operation):
        parameter = spec.resolve(pointer)
        name = str(parameter.get("name"))
        schema = parameter.get("schema")
        if parameter.get("in") != "query" or name not in query or not isinstance(schema, dict):
            continue
        for raw in query[name]:
            value = read_parameter(raw, schema)
            if _unbounded_outlier(spec, Cursor(pointer + "/schema", None, ""), value):
                found.append(f"query {name}")
    media, schema_pointer = _body_schema(spec, operation, headers)
    if body and schema_pointer is not None:
        for place, value in _numbers(_decoded(spec, media, schema_pointer, body), ""):
            cursor = cursor_at(spec, schema_pointer, place)
            if _unbounded_outlier(spec, cursor, value):
                found.append(f"body {place}")
    return found


def _unbounded_outlier(spec: Spec, cursor: Cursor | None, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) <= INTEROPERABLE:
        return False
    if cursor is None:
        return True  # a place the spec does not describe bounds nothing
    keywords = ("maximum", "exclusiveMaximum") if value > 0 else ("minimum", "exclusiveMinimum")
    return not _bounded(spec, cursor, keywords, 0)


def _bounded(spec: Spec, cursor: Cursor, keywords: tuple[str, ...], depth: int) -> bool:
    cursor = deref(spec, cursor)
    node = node_at(spec, cursor.pointer)
    if not isinstance(node, dict) or depth > 16:
        return False
    if any(isinstance(node.get(k), int | float) and not isinstance(node.get(k), bool) for k in keywords):
        return True
    return any(_bounded(spec, b, keywords, depth + 1) for b in branches(spec, cursor))


def body_schema_pointer(spec: Spec, operation: Operation, media: str) -> str | None:
    """Where the schema of the operation's request body of `media` is, or None."""
    return _body_schema(spec, operation, {"content-type": media})[1]


def _body_schema(spec: Spec, operation: Operation, headers: Mapping[str, Any]) -> tuple[str, str | None]:
    owner = operation.pointer + "/requestBody"
    request_body = spec.resolve(operation.pointer).get("requestBody")
    if isinstance(request_body, dict) and "$ref" in request_body:
        owner = str(request_body["$ref"]).removeprefix("#")
        request_body = spec.resolve(owner)
    content = (request_body or {}).get("content") or {} if isinstance(request_body, dict) else {}
    sent = {str(k).lower(): v for k, v in headers.items()}.get("content-type", "")
    media = str(sent[0] if isinstance(sent, list) and sent else sent).split(";")[0].strip().lower()
    if media not in content or "schema" not in content[media]:
        return media, None
    return media, owner + pointers.join("content", media, "schema")


def sent_body(spec: Spec, operation: Operation, headers: Mapping[str, Any], body: bytes | str | None) -> Any:
    """A request body as sent, as the JSON document it stands for (a form read as typed by its schema);
    None when there is none or it cannot be read."""
    media, schema_pointer = _body_schema(spec, operation, headers)
    if not body or schema_pointer is None:
        return None
    return _decoded(spec, media, schema_pointer, body)


def _decoded(spec: Spec, media: str, schema_pointer: str, body: bytes | str) -> Any:
    raw = body.encode() if isinstance(body, str) else body
    if "json" in media:
        try:
            return json.loads(raw)
        except ValueError:
            return None
    if media == "application/x-www-form-urlencoded":
        try:
            return decode(raw, spec.resolve(schema_pointer), lambda node: _resolved(spec, node))
        except FormError:
            return None
    return None


def _resolved(spec: Spec, node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
        node = spec.resolve(node["$ref"][1:])
    return node


def _numbers(value: Any, at: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, at + pointers.join(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _numbers(item, at + pointers.join(index))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield at, value


def cursor_at(spec: Spec, schema_pointer: str, place: str) -> Cursor | None:
    cursor: Cursor | None = Cursor(schema_pointer, None, "")
    for token in pointers.split(place):
        cursor = step(spec, cursor, token) if cursor is not None else None
    return cursor
