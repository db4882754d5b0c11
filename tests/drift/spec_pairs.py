"""A corpus of spec pairs, written from oasdiff's published check list (ids and levels), not its fixtures.

Every pair is a small published-style OpenAPI 3.1 document (no project extensions, no operationIds
unless the case is about them) with one edit. `forward` is what comparing old → new must report,
`backward` what new → old must report (often nothing: the reverse of a breaking change is usually
INFO, or silent where oasdiff has no check). Each expectation is (check id, level).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Doc = dict[str, Any]
Edit = Callable[[Doc], None]
Expect = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Pair:
    name: str
    old: Doc
    new: Doc
    forward: Expect
    backward: Expect = field(default_factory=frozenset)


def base() -> Doc:
    """One path, two operations: POST /items (query parameter q, JSON body, 200) and GET /items/{id}."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Items", "version": "1.0.0"},
        "paths": {
            "/items": {
                "post": {
                    "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"type": "object", "properties": {}}}},
                    },
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"type": "object", "properties": {}}}},
                        }
                    },
                }
            },
            "/items/{id}": {
                "get": {
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok"}},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "oauth": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": "https://auth.example/token",
                            "scopes": {"items:write": "write items"},
                        }
                    },
                },
                "key": {"type": "apiKey", "in": "header", "name": "x-api-key"},
            },
        },
    }


def post(doc: Doc) -> Doc:
    return doc["paths"]["/items"]["post"]


def param(doc: Doc) -> Doc:
    return post(doc)["parameters"][0]


def body(doc: Doc) -> Doc:
    return post(doc)["requestBody"]["content"]["application/json"]


def reply(doc: Doc) -> Doc:
    return post(doc)["responses"]["200"]["content"]["application/json"]


def _set_param(doc: Doc, schema: Doc) -> None:
    param(doc)["schema"] = schema


def _set_param_property(doc: Doc, schema: Doc) -> None:
    param(doc)["schema"] = {"type": "object", "properties": {"p": schema}}


def _set_header_property(doc: Doc, schema: Doc) -> None:
    param(doc).update({"in": "header", "name": "X-Filter", "schema": {"type": "object", "properties": {"p": schema}}})


def _set_body(doc: Doc, schema: Doc) -> None:
    body(doc)["schema"] = schema


def _set_body_property(doc: Doc, schema: Doc) -> None:
    body(doc)["schema"] = {"type": "object", "properties": {"p": schema}}


def _set_reply(doc: Doc, schema: Doc) -> None:
    reply(doc)["schema"] = schema


def _set_reply_property(doc: Doc, schema: Doc) -> None:
    reply(doc)["schema"] = {"type": "object", "required": ["p"], "properties": {"p": schema}}


PLACES: dict[str, tuple[Callable[[Doc, Doc], None], str, bool]] = {
    # name: (setter, id prefix, is it sent by the client)
    "parameter": (_set_param, "request-parameter", True),
    "parameter property": (_set_param_property, "request-parameter-property", True),
    "request body": (_set_body, "request-body", True),
    "request property": (_set_body_property, "request-property", True),
    "response body": (_set_reply, "response-body", False),
    "response property": (_set_reply_property, "response-property", False),
}


def schema_pair(name: str, place: str, old_schema: Doc, new_schema: Doc, forward: Expect, backward: Expect) -> Pair:
    setter = PLACES[place][0]
    old, new = base(), base()
    setter(old, copy.deepcopy(old_schema))
    setter(new, copy.deepcopy(new_schema))
    return Pair(f"{place}: {name}", old, new, forward, backward)


def edit_pair(
    name: str, edit_old: Edit | None, edit_new: Edit | None, forward: Expect, backward: Expect = frozenset()
) -> Pair:
    old, new = base(), base()
    if edit_old:
        edit_old(old)
    if edit_new:
        edit_new(new)
    return Pair(name, old, new, forward, backward)


def expect(*pairs: tuple[str, str]) -> Expect:
    return frozenset(pairs)
