"""References are real: fields that name another object, filled with objects the run has seen.

A field refers to another object where the spec's OpenAPI links say so (a link from `createCustomer`
to `createInvoice` with `requestBody: {customer_id: $response.body#/id}`, or to `listInvoices` with
`query.customer_id`) and where the spec declares it with `x-refers-to` on a query parameter or on a
request body property, for what the links do not cover (a list cursor, a field no link feeds):

    x-refers-to: [createCustomer#/id, listCustomers#/items/*/id]

each entry an operationId and a pointer into its 2xx response body (`*` for every item). What the run
has seen at those places are real objects. A generated request carries the documentation's example id
or a random string there instead; `fill` puts a real one in its place, and `made_up` tells which places
of a sent request carry a value the run never saw, so that a refusal of it is a refusal (the server
does not know an object the suite made up), not a valid request rejected. Path parameters are left
alone: an unknown id in the path answers 404, which every provider documents.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from conformance.checks.generated_values import body_schema_pointer, cursor_at, sent_body
from conformance.checks.json_values import values_at
from conformance.checks.request_conformance import parameter_pointers
from conformance.core import pointers
from conformance.spec.schema_paths import deref
from conformance.spec.specs import Operation, Spec

EXTENSION = "x-refers-to"
_RESPONSE_BODY = re.compile(r"^\$response\.body#(/.*)?$")


@dataclass(frozen=True)
class Source:
    """Where real objects show: an operation's 2xx response body at `pointer` (`*` for every item)."""

    operation: str
    pointer: str


@dataclass(frozen=True)
class Place:
    """A field of a request that names another object: a query parameter or a body pointer (`*` for items)."""

    location: str  # query | body
    name: str  # the parameter's name, or the pointer into the body

    def __str__(self) -> str:
        return f"{self.location} {self.name}"


@dataclass
class References:
    """The reference places of a spec's operations, and the objects a run has seen so far."""

    spec: Spec
    places: dict[str, dict[Place, tuple[Source, ...]]]  # operationId -> place -> where its objects show
    seen: dict[Source, list[str]] = field(default_factory=dict)
    _schemas: dict[tuple[str, Place], str | None] = field(default_factory=dict)

    @classmethod
    def of(cls, spec: Spec) -> References:
        places: dict[str, dict[Place, set[Source]]] = {}
        for operation in spec.operations.values():
            for target, place, source in _linked(spec, operation):
                places.setdefault(target, {}).setdefault(place, set()).add(source)
            for place, source in _declared(spec, operation):
                places.setdefault(operation.operation_id, {}).setdefault(place, set()).add(source)
        ordered = {
            op: {
                place: tuple(sorted(sources, key=lambda s: (s.operation, s.pointer)))
                for place, sources in found.items()
            }
            for op, found in places.items()
        }
        return cls(spec, ordered)

    def observe(self, operation_id: str, status: int, body: Any) -> None:
        """An answer the run got: the ids it shows at a source become real objects."""
        if not 200 <= status < 300:
            return
        for sources in self.places.values():
            for place_sources in sources.values():
                for source in place_sources:
                    if source.operation != operation_id:
                        continue
                    known = self.seen.setdefault(source, [])
                    for _, value in values_at(body, source.pointer):
                        if isinstance(value, str) and value and value not in known:
                            known.append(value)

    def real(self, operation_id: str, place: Place) -> list[str]:
        """The objects seen for `place`, oldest first."""
        found: list[str] = []
        for source in self.places.get(operation_id, {}).get(place, ()):
            found += [v for v in self.seen.get(source, []) if v not in found]
        return found

    def fill(self, operation_id: str, query: Any, body: Any) -> tuple[Any, Any]:
        """`query` and `body` with every valid string at a reference place that is no real object replaced by
        the latest real one. A value its schema refuses is a negative case's mutation, and stays."""
        for place in self.places.get(operation_id, {}):
            real = self.real(operation_id, place)
            if not real:
                continue
            if place.location == "query" and isinstance(query, dict):
                if self._replaceable(operation_id, place, query.get(place.name), real):
                    query = {**query, place.name: real[-1]}
            elif place.location == "body" and isinstance(body, dict | list):
                unreal = [
                    at
                    for at, value in values_at(body, place.name)
                    if self._replaceable(operation_id, place, value, real)
                ]
                if unreal:
                    body = copy.deepcopy(body)
                    for at in unreal:
                        _set(body, at, real[-1])
        return query, body

    def made_up(
        self, spec: Spec, operation: Operation, url: str, headers: Mapping[str, Any], body: bytes | str | None
    ) -> list[str]:
        """The reference places of a sent request whose value is no object the run has seen."""
        found = []
        query = parse_qs(urlsplit(url).query, keep_blank_values=True)
        decoded = sent_body(spec, operation, headers, body)
        for place in self.places.get(operation.operation_id, {}):
            real = self.real(operation.operation_id, place)
            if place.location == "query":
                values: list[Any] = query.get(place.name, [])
            else:
                values = [value for _, value in values_at(decoded, place.name)] if decoded is not None else []
            if any(_unreal(value, real) for value in values):
                found.append(str(place))
        return found

    def _replaceable(self, operation_id: str, place: Place, value: Any, real: list[str]) -> bool:
        if not _unreal(value, real):
            return False
        key = (operation_id, place)
        if key not in self._schemas:
            self._schemas[key] = _schema_pointer(self.spec, self.spec.operations[operation_id], place)
        pointer = self._schemas[key]
        return pointer is None or self.spec.validator(pointer).is_valid(value)


def _schema_pointer(spec: Spec, operation: Operation, place: Place) -> str | None:
    """Where the schema of a reference place is, or None when the spec does not say."""
    if place.location == "query":
        for pointer in parameter_pointers(spec, operation):
            parameter = spec.resolve(pointer)
            if parameter.get("in") == "query" and parameter.get("name") == place.name and "schema" in parameter:
                return pointer + "/schema"
        return None
    body = body_schema_pointer(spec, operation, "application/json")
    cursor = cursor_at(spec, body, place.name.replace("*", "0")) if body else None
    return deref(spec, cursor).pointer if cursor is not None else None


def _unreal(value: Any, real: list[str]) -> bool:
    return isinstance(value, str) and value not in real


def _set(document: Any, pointer: str, value: Any) -> None:
    *parents, last = pointers.split(pointer)
    node = document
    for token in parents:
        node = node[int(token)] if isinstance(node, list) else node[token]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def _linked(spec: Spec, operation: Operation) -> Iterator[tuple[str, Place, Source]]:
    """(target operationId, place, source) of every link of the operation's 2xx responses to a query
    parameter or a body field of another operation."""
    responses = spec.resolve(operation.pointer).get("responses") or {}
    for status, response in responses.items():
        if not str(status).startswith("2") or not isinstance(response, dict):
            continue
        for link in (response.get("links") or {}).values():
            target = spec.operations.get(str(link.get("operationId")))
            if target is None:
                continue
            query_names = _query_names(spec, target)
            for name, expression in (link.get("parameters") or {}).items():
                location, _, bare = str(name).rpartition(".")
                source = _source(operation, expression)
                if source is not None and bare in query_names and location in ("", "query"):
                    yield target.operation_id, Place("query", bare), source
            request_body = link.get("requestBody")
            if isinstance(request_body, dict):
                for key, expression in request_body.items():
                    source = _source(operation, expression)
                    if source is not None:
                        yield target.operation_id, Place("body", pointers.join(key)), source


def _source(operation: Operation, expression: Any) -> Source | None:
    match = _RESPONSE_BODY.match(str(expression))
    return Source(operation.operation_id, match.group(1) or "") if match else None


def _query_names(spec: Spec, operation: Operation) -> set[str]:
    found = set()
    for pointer in parameter_pointers(spec, operation):
        parameter = spec.resolve(pointer)
        if parameter.get("in") == "query":
            found.add(str(parameter.get("name")))
    return found


def _declared(spec: Spec, operation: Operation) -> Iterator[tuple[Place, Source]]:
    """Places the spec declares with x-refers-to: on query parameters and on request body properties."""
    for pointer in parameter_pointers(spec, operation):
        parameter = spec.resolve(pointer)
        if parameter.get("in") == "query":
            for source in _sources(parameter.get(EXTENSION)):
                yield Place("query", str(parameter.get("name"))), source
    request_body = spec.resolve(operation.pointer).get("requestBody")
    if isinstance(request_body, dict) and "$ref" in request_body:
        request_body = spec.resolve(str(request_body["$ref"]).removeprefix("#"))
    content = (request_body.get("content") or {}) if isinstance(request_body, dict) else {}
    seen: set[tuple[Place, Source]] = set()
    for media in content.values():
        if isinstance(media, dict):
            for found in _in_schema(spec, media.get("schema"), "", 0):
                if found not in seen:
                    seen.add(found)
                    yield found


def _in_schema(spec: Spec, schema: Any, at: str, depth: int) -> Iterator[tuple[Place, Source]]:
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and depth < 32:
        schema = spec.resolve(schema["$ref"].removeprefix("#"))
        depth += 1
    if not isinstance(schema, dict) or depth > 32:
        return
    if at:
        for source in _sources(schema.get(EXTENSION)):
            yield Place("body", at), source
    for name, child in (schema.get("properties") or {}).items():
        yield from _in_schema(spec, child, at + pointers.join(name), depth + 1)
    if isinstance(schema.get("items"), dict):
        yield from _in_schema(spec, schema["items"], at + "/*", depth + 1)
    for keyword in ("allOf", "oneOf", "anyOf"):
        for member in schema.get(keyword) or []:
            yield from _in_schema(spec, member, at, depth + 1)


def _sources(declared: Any) -> list[Source]:
    entries = declared if isinstance(declared, list) else [declared] if declared else []
    found = []
    for entry in entries:
        operation, _, pointer = str(entry).partition("#")
        found.append(Source(operation, pointer))
    return found
