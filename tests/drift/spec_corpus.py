"""The spec-pair corpus: one pair per change, for every check `drift --spec` implements.

Schema-level changes are written once per place a schema can sit (parameter, property of an object
parameter, request body, request property, response body, response property); bounds are a small
matrix over the eight bound keywords. Levels are oasdiff's (its `checks` list), written out here.
"""

from __future__ import annotations

import copy

from tests.drift.spec_pairs import (
    PLACES,
    Doc,
    Pair,
    base,
    body,
    edit_pair,
    expect,
    param,
    post,
    reply,
    schema_pair,
)

REQUEST_PLACES = ("parameter", "parameter property", "request body", "request property")
RESPONSE_PLACES = ("response body", "response property")

# keyword: (id token, is it an upper bound, the schema it applies to)
BOUNDS = {
    "maximum": ("max", True, {"type": "number"}),
    "exclusiveMaximum": ("exclusive-max", True, {"type": "number"}),
    "maxLength": ("max-length", True, {"type": "string"}),
    "maxItems": ("max-items", True, {"type": "array", "items": {"type": "string"}}),
    "minimum": ("min", False, {"type": "number"}),
    "exclusiveMinimum": ("exclusive-min", False, {"type": "number"}),
    "minLength": ("min-length", False, {"type": "string"}),
    "minItems": ("min-items", False, {"type": "array", "items": {"type": "string"}}),
}
# oasdiff's `-set` checks (a bound set where there was none); elsewhere setting one counts as tightening.
SETTABLE = {
    "request-parameter": {"max", "exclusive-max", "max-length", "min", "exclusive-min", "min-items"},
    "request-body": {"max", "exclusive-max", "max-length", "max-items", "min", "exclusive-min", "min-items"},
    "request-property": {"max", "exclusive-max", "max-length", "max-items", "min", "exclusive-min", "min-items"},
}
UNSETTABLE = {"max-length", "min-items"}  # response bounds with an `-unset` check


def _bound_pairs() -> list[Pair]:
    pairs = []
    for keyword, (token, upper, schema) in BOUNDS.items():
        small, large = {**schema, keyword: 5}, {**schema, keyword: 10}
        tight_old, tight_new = (large, small) if upper else (small, large)
        tighter, looser = ("decreased", "increased") if upper else ("increased", "decreased")
        for place in ("parameter", "request body", "request property"):
            prefix = PLACES[place][1]
            tighten = expect((f"{prefix}-{token}-{tighter}", "ERR"))
            loosen = expect((f"{prefix}-{token}-{looser}", "INFO"))
            set_id = f"{prefix}-{token}-set" if token in SETTABLE[prefix] else f"{prefix}-{token}-{tighter}"
            pairs.append(schema_pair(f"{keyword} tightened", place, tight_old, tight_new, tighten, loosen))
            pairs.append(schema_pair(f"{keyword} set", place, schema, small, expect((set_id, "ERR")), loosen))
        for place in RESPONSE_PLACES:
            prefix = PLACES[place][1]
            loosen = expect((f"{prefix}-{token}-{looser}", "ERR"))
            unset_id = f"{prefix}-{token}-unset" if token in UNSETTABLE else f"{prefix}-{token}-{looser}"
            pairs.append(schema_pair(f"{keyword} loosened", place, tight_new, tight_old, loosen, expect()))
            pairs.append(schema_pair(f"{keyword} removed", place, small, schema, expect((unset_id, "ERR")), expect()))
    return pairs


def _type_pairs() -> list[Pair]:
    integer, number, string, boolean = ({"type": t} for t in ("integer", "number", "string", "boolean"))
    widened = {
        "parameter": ("request-parameter-type-generalized", "INFO", "request-parameter-type-changed", "ERR"),
        "parameter property": (
            "request-parameter-property-type-generalized",
            "INFO",
            "request-parameter-property-type-specialized",
            "ERR",
        ),
        "request body": ("request-body-type-generalized", "INFO", "request-body-type-changed", "ERR"),
        "request property": ("request-property-type-generalized", "INFO", "request-property-type-changed", "ERR"),
        "response body": ("response-body-type-generalized", "ERR", "response-body-type-specialized", "INFO"),
        "response property": (
            "response-property-type-generalized",
            "ERR",
            "response-property-type-specialized",
            "INFO",
        ),
    }
    changed = {
        "parameter": ("request-parameter-type-changed", "ERR"),
        "parameter property": ("request-parameter-property-type-changed", "WARN"),
        "request body": ("request-body-type-changed", "ERR"),
        "request property": ("request-property-type-changed", "ERR"),
        "response body": ("response-body-type-changed", "ERR"),
        "response property": ("response-property-type-changed", "ERR"),
    }
    pairs = []
    for place, (wide, wide_level, narrow, narrow_level) in widened.items():
        pairs.append(
            schema_pair(
                "integer became number",
                place,
                integer,
                number,
                expect((wide, wide_level)),
                expect((narrow, narrow_level)),
            )
        )
        pairs.append(
            schema_pair("string became boolean", place, string, boolean, expect(changed[place]), expect(changed[place]))
        )
    return pairs


def _nullable_pairs() -> list[Pair]:
    plain, nullable = {"type": "string"}, {"type": ["string", "null"]}
    pairs = []
    for place, (_, prefix, request) in PLACES.items():
        became = (f"{prefix}-became-nullable", "INFO" if request else "ERR")
        lost = (f"{prefix}-became-not-nullable", "ERR" if request else "INFO")
        pairs.append(schema_pair("became nullable", place, plain, nullable, expect(became), expect(lost)))
    return pairs


def _enum_pairs() -> list[Pair]:
    two, one, free = {"type": "string", "enum": ["a", "b"]}, {"type": "string", "enum": ["a"]}, {"type": "string"}
    removed = {
        "parameter": "request-parameter-enum-value-removed",
        "parameter property": "request-parameter-property-enum-value-removed",
        "request body": "request-body-enum-value-removed",
        "request property": "request-property-enum-value-removed",
    }
    added = {
        "parameter": "request-parameter-enum-value-added",
        "parameter property": "request-parameter-property-enum-value-added",
        "request body": "request-property-enum-value-added",  # oasdiff has no body-level id for this
        "request property": "request-property-enum-value-added",
    }
    became = {
        "parameter": "request-parameter-became-enum",
        "parameter property": "request-parameter-property-became-enum",
        "request body": "request-body-became-enum",
        "request property": "request-property-became-enum",
    }
    extensible = {
        "parameter": "request-parameter-x-extensible-enum-value-removed",
        "parameter property": "request-parameter-x-extensible-enum-value-removed",
        "request body": "request-property-x-extensible-enum-value-removed",
        "request property": "request-property-x-extensible-enum-value-removed",
    }
    ext_two, ext_one = (
        {"type": "string", "x-extensible-enum": ["a", "b"]},
        {"type": "string", "x-extensible-enum": ["a"]},
    )
    pairs = []
    for place in REQUEST_PLACES:
        pairs += [
            schema_pair(
                "enum value removed", place, two, one, expect((removed[place], "ERR")), expect((added[place], "INFO"))
            ),
            schema_pair("became an enum", place, free, one, expect((became[place], "ERR")), expect()),
            schema_pair(
                "x-extensible-enum value removed", place, ext_two, ext_one, expect((extensible[place], "ERR")), expect()
            ),
        ]
    for place in RESPONSE_PLACES:
        pairs += [
            schema_pair(
                "enum value added",
                place,
                one,
                two,
                expect(("response-property-enum-value-added", "WARN")),
                expect(("response-property-enum-value-removed", "INFO")),
            ),
            schema_pair("became an enum", place, free, one, expect(), expect()),
            # x-extensible-enum exists so that new values do not break receivers.
            schema_pair("x-extensible-enum value added", place, ext_one, ext_two, expect(), expect()),
        ]
    return pairs


def _pattern_pairs() -> list[Pair]:
    free, a, b = {"type": "string"}, {"type": "string", "pattern": "^a"}, {"type": "string", "pattern": "^b"}
    families = {
        "parameter": "request-parameter",
        "request property": "request-property",
        "response property": "response-property",
    }
    pairs = []
    for place, family in families.items():
        request = PLACES[place][2]
        added, removed = (
            (f"{family}-pattern-added", "ERR" if request else "INFO"),
            (
                f"{family}-pattern-removed",
                "INFO" if request else "ERR",
            ),
        )
        changed = (f"{family}-pattern-changed", "WARN")
        pairs.append(schema_pair("pattern added", place, free, a, expect(added), expect(removed)))
        pairs.append(schema_pair("pattern changed", place, a, b, expect(changed), expect(changed)))
    return pairs


def _member(title: str) -> Doc:
    return {"title": title, "type": "object", "properties": {title.lower(): {"type": "string"}}}


def _composition_pairs() -> list[Pair]:
    pairs = []
    for keyword, token in (("oneOf", "one-of"), ("anyOf", "any-of"), ("allOf", "all-of")):
        old, new = {keyword: [_member("Card")]}, {keyword: [_member("Card"), _member("Bank")]}
        for place in ("request body", "request property", "response body", "response property"):
            prefix, request = PLACES[place][1], PLACES[place][2]
            widening = keyword != "allOf"  # another alternative widens; another allOf member narrows
            add_level = ("INFO" if request else "ERR") if widening else ("ERR" if request else "INFO")
            remove_level = {"INFO": "ERR", "ERR": "INFO"}[add_level]
            pairs.append(
                schema_pair(
                    f"{keyword} member added",
                    place,
                    old,
                    new,
                    expect((f"{prefix}-{token}-added", add_level)),
                    expect((f"{prefix}-{token}-removed", remove_level)),
                )
            )
    plain = _member("Card")
    wrapped = {"oneOf": [_member("Card"), _member("Bank")]}
    pairs.append(
        schema_pair(
            "wrapped in oneOf",
            "request body",
            plain,
            wrapped,
            expect(("request-body-wrapped-in-one-of", "ERR")),
            expect(("request-body-one-of-removed", "ERR")),
        )
    )
    pairs.append(
        schema_pair(
            "wrapped in oneOf",
            "response body",
            plain,
            wrapped,
            expect(("response-body-wrapped-in-one-of", "ERR")),
            expect(("response-body-one-of-removed", "INFO")),
        )
    )
    # Members named by $ref: the one dropped is named, the one kept is compared as itself.
    refs_old = {"oneOf": [{"$ref": "#/components/schemas/Card"}, {"$ref": "#/components/schemas/Bank"}]}
    refs_new = {"oneOf": [{"$ref": "#/components/schemas/Card"}]}
    pair = schema_pair(
        "$ref member removed",
        "response body",
        refs_old,
        refs_new,
        expect(("response-body-one-of-removed", "INFO")),
        expect(("response-body-one-of-added", "ERR")),
    )
    for doc in (pair.old, pair.new):
        doc["components"]["schemas"] = {"Card": _member("Card"), "Bank": _member("Bank")}
    pairs.append(pair)
    return pairs


def _object(required: list[str], **properties: Doc) -> Doc:
    node: Doc = {"type": "object", "properties": properties}
    if required:
        node["required"] = required
    return node


def _property_pairs() -> list[Pair]:
    s = {"type": "string"}
    empty = _object([])
    pairs = [
        schema_pair(
            "required field added",
            "request body",
            empty,
            _object(["p"], p=s),
            expect(("new-required-request-property", "ERR")),
            expect(("request-property-removed", "WARN")),
        ),
        schema_pair(
            "optional field added",
            "request body",
            empty,
            _object([], p=s),
            expect(("new-optional-request-property", "INFO")),
            expect(("request-property-removed", "WARN")),
        ),
        schema_pair(
            "field became required",
            "request body",
            _object([], p=s),
            _object(["p"], p=s),
            expect(("request-property-became-required", "ERR")),
            expect(("request-property-became-optional", "INFO")),
        ),
        schema_pair(
            "required field added",
            "response body",
            empty,
            _object(["p"], p=s),
            expect(("response-required-property-added", "INFO")),
            expect(("response-required-property-removed", "ERR")),
        ),
        schema_pair(
            "optional field added",
            "response body",
            empty,
            _object([], p=s),
            expect(("response-optional-property-added", "INFO")),
            expect(("response-optional-property-removed", "INFO")),
        ),
        schema_pair(
            "field became required",
            "response body",
            _object([], p=s),
            _object(["p"], p=s),
            expect(("response-property-became-required", "INFO")),
            expect(("response-property-became-optional", "ERR")),
        ),
        # A readOnly field is never sent, a writeOnly one never received: adding or removing them is silent.
        schema_pair(
            "readOnly field added", "request body", empty, _object(["p"], p={**s, "readOnly": True}), expect(), expect()
        ),
        schema_pair(
            "writeOnly field added",
            "response body",
            empty,
            _object(["p"], p={**s, "writeOnly": True}),
            expect(),
            expect(),
        ),
    ]
    for place, new_id, became_id in (
        ("parameter", "new-required-request-parameter-property", "request-parameter-property-became-required"),
        ("header", "new-required-request-header-property", "request-header-property-became-required"),
    ):
        for name, old_schema, new_schema, expected in (
            ("required property added", empty, _object(["p"], p=s), new_id),
            ("property became required", _object([], p=s), _object(["p"], p=s), became_id),
        ):
            pair = edit_pair(f"{place} object: {name}", None, None, expect((expected, "ERR")))
            for doc, schema in ((pair.old, old_schema), (pair.new, new_schema)):
                param(doc)["schema"] = copy.deepcopy(schema)
                if place == "header":
                    param(doc).update({"in": "header", "name": "X-Filter"})
            pairs.append(pair)
    header_enum = edit_pair(
        "header object: property became an enum", None, None, expect(("request-header-property-became-enum", "ERR"))
    )
    for doc, values in ((header_enum.old, None), (header_enum.new, ["a"])):
        prop = {"type": "string", **({"enum": values} if values else {})}
        param(doc).update({"in": "header", "name": "X-Filter", "schema": _object([], p=prop)})
    pairs.append(header_enum)
    for side, place in (("request", "request body"), ("response", "response body")):
        for required in (True, False):
            kind = "required" if required else "optional"
            for flag, token in (("readOnly", "read-only"), ("writeOnly", "write-only")):
                became = f"{side}-{kind}-property-became-{token}"
                back = f"{side}-{kind}-property-became-not-{token}"
                back_level = "WARN" if back == "response-required-property-became-not-write-only" else "INFO"
                old_schema = _object(["p"] if required else [], p=s)
                new_schema = _object(["p"] if required else [], p={**s, flag: True})
                pairs.append(
                    schema_pair(
                        f"{kind} field became {flag}",
                        place,
                        old_schema,
                        new_schema,
                        expect((became, "INFO")),
                        expect((back, back_level)),
                    )
                )
        pairs.append(
            schema_pair(
                "field deprecated",
                place,
                _object([], p=s),
                _object([], p={**s, "deprecated": True}),
                expect((f"{side}-property-deprecated", "INFO")),
                expect((f"{side}-property-reactivated", "INFO")),
            )
        )
    # Map values (additionalProperties) are compared like any field, at /{*}.
    pairs.append(
        schema_pair(
            "map value maxLength tightened",
            "request body",
            {"type": "object", "additionalProperties": {"type": "string", "maxLength": 10}},
            {"type": "object", "additionalProperties": {"type": "string", "maxLength": 5}},
            expect(("request-property-max-length-decreased", "ERR")),
            expect(("request-property-max-length-increased", "INFO")),
        )
    )
    return pairs


def _sunset(node: Doc, when: str | None, deprecated: bool = True) -> None:
    node["deprecated"] = deprecated
    if when is not None:
        node["x-sunset"] = when


PAST, FUTURE, LATER = "2000-01-01", "9999-01-01", "9999-06-01"


def _two_operations(doc: Doc) -> None:
    doc["paths"]["/items/{id}"]["delete"] = {"responses": {"204": {"description": "gone"}}}


def _operation_pairs() -> list[Pair]:
    get = lambda doc: doc["paths"]["/items/{id}"]["get"]  # noqa: E731
    drop_get = lambda doc: doc["paths"]["/items/{id}"].pop("get")  # noqa: E731
    drop_path = lambda doc: doc["paths"].pop("/items/{id}")  # noqa: E731
    pairs = [
        edit_pair(
            "operation added",
            _two_operations,
            lambda d: (
                _two_operations(d),
                d["paths"]["/items/{id}"].__setitem__("put", {"responses": {"200": {"description": "ok"}}}),
            ),
            expect(("endpoint-added", "INFO")),
            expect(("api-removed-without-deprecation", "ERR")),
        )
    ]
    for name, when, rule, level in (
        ("deprecated", None, "api-removed-with-deprecation", "INFO"),
        ("past its sunset", PAST, "api-removed-with-deprecation", "INFO"),
        ("before its sunset", FUTURE, "api-removed-before-sunset", "ERR"),
        ("with an unreadable sunset", "next spring", "api-deprecated-sunset-parse", "ERR"),
    ):
        pairs.append(
            edit_pair(
                f"operation removed {name}",
                lambda d, when=when: (_two_operations(d), _sunset(get(d), when)),
                lambda d: (_two_operations(d), drop_get(d)),
                expect((rule, level)),
                expect(("endpoint-added", "INFO")),
            )
        )
    for name, deprecated, when, rule, level in (
        ("without deprecation", False, None, "api-path-removed-without-deprecation", "ERR"),
        ("deprecated", True, None, "api-path-removed-with-deprecation", "INFO"),
        ("before its sunset", True, FUTURE, "api-path-removed-before-sunset", "ERR"),
        ("with an unreadable sunset", True, "soon", "api-path-sunset-parse", "ERR"),
    ):
        pairs.append(
            edit_pair(
                f"path removed {name}",
                lambda d, deprecated=deprecated, when=when: _sunset(get(d), when, deprecated),
                drop_path,
                expect((rule, level)),
                expect(("endpoint-added", "INFO")),
            )
        )
    pairs += [
        edit_pair(
            "operation deprecated",
            None,
            lambda d: _sunset(get(d), None),
            expect(("endpoint-deprecated", "INFO")),
            expect(("endpoint-reactivated", "INFO")),
        ),
        edit_pair(
            "operation deprecated with a sunset",
            None,
            lambda d: _sunset(get(d), FUTURE),
            expect(("endpoint-deprecated-with-sunset", "INFO")),
            expect(("endpoint-reactivated", "INFO")),
        ),
        edit_pair(
            "operation deprecated with an unreadable sunset",
            None,
            lambda d: _sunset(get(d), "31/12/2031"),
            expect(("api-deprecated-sunset-parse", "ERR")),
            expect(("endpoint-reactivated", "INFO")),
        ),
        edit_pair(
            "sunset moved earlier",
            lambda d: _sunset(get(d), LATER),
            lambda d: _sunset(get(d), FUTURE),
            expect(("api-sunset-date-changed-too-small", "ERR")),
            expect(),
        ),
        edit_pair(
            "sunset deleted",
            lambda d: _sunset(get(d), FUTURE),
            lambda d: _sunset(get(d), None),
            expect(("sunset-deleted", "ERR")),
            expect(),
        ),
        edit_pair(
            "operationId added",
            None,
            lambda d: get(d).__setitem__("operationId", "getItem"),
            expect(("api-operation-id-added", "INFO")),
            expect(("api-operation-id-removed", "INFO")),
        ),
    ]
    return pairs


def _parameter_pairs() -> list[Pair]:
    def add(required: bool) -> object:
        return lambda d: post(d)["parameters"].append(
            {"name": "X-Trace", "in": "header", "required": required, "schema": {"type": "string"}}
        )

    pairs = [
        edit_pair(
            "required parameter added",
            None,
            add(True),
            expect(("new-required-request-parameter", "ERR")),
            expect(("request-parameter-removed", "WARN")),
        ),
        edit_pair(
            "optional parameter added",
            None,
            add(False),
            expect(("new-optional-request-parameter", "INFO")),
            expect(("request-parameter-removed", "WARN")),
        ),
        edit_pair(
            "path parameter declared",
            lambda d: d["paths"]["/items/{id}"]["get"].pop("parameters"),
            None,
            expect(("new-request-path-parameter", "ERR")),
            expect(("request-parameter-removed", "WARN")),
        ),
        edit_pair(
            "parameter became required",
            None,
            lambda d: param(d).__setitem__("required", True),
            expect(("request-parameter-became-required", "ERR")),
            expect(("request-parameter-became-optional", "INFO")),
        ),
        edit_pair(
            "parameter deprecated",
            None,
            lambda d: _sunset(param(d), None),
            expect(("request-parameter-deprecated", "INFO")),
            expect(("request-parameter-reactivated", "INFO")),
        ),
        edit_pair(
            "parameter sunset moved earlier",
            lambda d: _sunset(param(d), LATER),
            lambda d: _sunset(param(d), FUTURE),
            expect(("request-parameter-sunset-date-changed-too-small", "ERR")),
            expect(),
        ),
        edit_pair(
            "parameter sunset deleted",
            lambda d: _sunset(param(d), FUTURE),
            lambda d: _sunset(param(d), None),
            expect(("request-parameter-sunset-deleted", "ERR")),
            expect(),
        ),
    ]
    for name, when, rule, level in (
        ("deprecated", None, "request-parameter-removed-with-deprecation", "INFO"),
        ("past its sunset", PAST, "request-parameter-removed-with-deprecation", "INFO"),
        ("before its sunset", FUTURE, "request-parameter-removed-before-sunset", "ERR"),
        ("with an unreadable sunset", "later", "request-parameter-sunset-parse", "ERR"),
    ):
        pairs.append(
            edit_pair(
                f"parameter removed {name}",
                lambda d, when=when: _sunset(param(d), when),
                lambda d: post(d).pop("parameters"),
                expect((rule, level)),
                expect(("new-optional-request-parameter", "INFO")),
            )
        )
    return pairs


def _body_pairs() -> list[Pair]:
    def drop(d: Doc) -> None:
        post(d).pop("requestBody")

    return [
        edit_pair(
            "required body added",
            drop,
            None,
            expect(("request-body-added-required", "ERR")),
            expect(("request-body-removed", "ERR")),
        ),
        edit_pair(
            "optional body added",
            drop,
            lambda d: post(d)["requestBody"].__setitem__("required", False),
            expect(("request-body-added-optional", "INFO")),
            expect(("request-body-removed", "ERR")),
        ),
        edit_pair(
            "body became optional",
            None,
            lambda d: post(d)["requestBody"].__setitem__("required", False),
            expect(("request-body-became-optional", "INFO")),
            expect(("request-body-became-required", "ERR")),
        ),
        edit_pair(
            "body media type added",
            None,
            lambda d: post(d)["requestBody"]["content"].__setitem__(
                "application/x-www-form-urlencoded", {"schema": {"type": "object"}}
            ),
            expect(("request-body-media-type-added", "INFO")),
            expect(("request-body-media-type-removed", "ERR")),
        ),
    ]


def _response_pairs() -> list[Pair]:
    responses = lambda d: post(d)["responses"]  # noqa: E731
    headers = lambda d: post(d)["responses"]["200"].setdefault("headers", {})  # noqa: E731
    return [
        edit_pair(
            "success status added",
            None,
            lambda d: responses(d).__setitem__("201", {"description": "created"}),
            expect(("response-success-status-added", "INFO")),
            expect(("response-success-status-removed", "ERR")),
        ),
        edit_pair(
            "error status added",
            None,
            lambda d: responses(d).__setitem__("404", {"description": "no such item"}),
            expect(("response-non-success-status-added", "INFO")),
            expect(("response-non-success-status-removed", "INFO")),
        ),
        edit_pair(
            "response media type added",
            None,
            lambda d: responses(d)["200"]["content"].__setitem__("application/xml", {"schema": {"type": "string"}}),
            expect(("response-media-type-added", "INFO")),
            expect(("response-media-type-removed", "ERR")),
        ),
        edit_pair(
            "response media type parameters changed",
            None,
            lambda d: responses(d)["200"]["content"].__setitem__(
                "application/json; charset=utf-8", responses(d)["200"]["content"].pop("application/json")
            ),
            expect(("response-media-type-name-changed", "INFO")),
            expect(("response-media-type-name-changed", "INFO")),
        ),
        edit_pair(
            "required header added",
            None,
            lambda d: headers(d).__setitem__("X-Rate", {"required": True, "schema": {"type": "integer"}}),
            expect(("response-header-added", "INFO")),
            expect(("required-response-header-removed", "ERR")),
        ),
        edit_pair(
            "optional header added",
            None,
            lambda d: headers(d).__setitem__("X-Rate", {"schema": {"type": "integer"}}),
            expect(("response-header-added", "INFO")),
            expect(("optional-response-header-removed", "WARN")),
        ),
        edit_pair(
            "header became optional",
            lambda d: headers(d).__setitem__("X-Rate", {"required": True, "schema": {"type": "integer"}}),
            lambda d: headers(d).__setitem__("X-Rate", {"schema": {"type": "integer"}}),
            expect(("response-header-became-optional", "ERR")),
            expect(),
        ),
    ]


def _security_pairs() -> list[Pair]:
    def op_security(*requirements: dict[str, list[str]]) -> object:
        return lambda d: post(d).__setitem__("security", list(requirements))

    def global_security(*requirements: dict[str, list[str]]) -> object:
        return lambda d: d.__setitem__("security", list(requirements))

    oauth, key, scoped = {"oauth": []}, {"key": []}, {"oauth": ["items:write"]}
    flow = lambda d: d["components"]["securitySchemes"]["oauth"]["flows"]["clientCredentials"]  # noqa: E731
    both_ops = lambda *pairs: expect(*pairs)  # noqa: E731 - one change per operation, the same ids
    return [
        edit_pair(
            "requirement removed",
            op_security(oauth, key),
            op_security(oauth),
            expect(("api-security-removed", "ERR")),
            expect(("api-security-added", "INFO")),
        ),
        edit_pair(
            "scope added",
            op_security(oauth),
            op_security(scoped),
            expect(("api-security-scope-added", "ERR")),
            expect(("api-security-scope-removed", "INFO")),
        ),
        edit_pair(
            "credentials now required",
            None,
            op_security(oauth),
            expect(("api-security-anonymous-access-removed", "ERR"), ("api-security-added", "INFO")),
            expect(("api-security-anonymous-access-added", "INFO")),
        ),
        edit_pair(
            "top-level requirement removed",
            global_security(oauth, key),
            global_security(oauth),
            both_ops(("api-global-security-removed", "ERR")),
            both_ops(("api-global-security-added", "INFO")),
        ),
        edit_pair(
            "top-level scope added",
            global_security(oauth),
            global_security(scoped),
            both_ops(("api-global-security-scope-added", "ERR")),
            both_ops(("api-global-security-scope-removed", "INFO")),
        ),
        edit_pair(
            "token URL changed",
            op_security(oauth),
            lambda d: (op_security(oauth)(d), flow(d).__setitem__("tokenUrl", "https://auth.example/v2/token")),
            expect(("api-security-component-oauth-token-url-changed", "INFO")),
            expect(("api-security-component-oauth-token-url-changed", "INFO")),
        ),
        edit_pair(
            "authorization URL changed",
            lambda d: (op_security(oauth)(d), flow(d).__setitem__("authorizationUrl", "https://auth.example/a")),
            lambda d: (op_security(oauth)(d), flow(d).__setitem__("authorizationUrl", "https://auth.example/b")),
            expect(("api-security-component-oauth-url-changed", "INFO")),
            expect(("api-security-component-oauth-url-changed", "INFO")),
        ),
        edit_pair(
            "OAuth scope defined",
            op_security(oauth),
            lambda d: (op_security(oauth)(d), flow(d)["scopes"].__setitem__("items:read", "read")),
            expect(("api-security-component-oauth-scope-added", "INFO")),
            expect(("api-security-component-oauth-scope-removed", "INFO")),
        ),
        edit_pair(
            "scheme type changed",
            op_security(key),
            lambda d: (
                op_security(key)(d),
                d["components"]["securitySchemes"].__setitem__("key", {"type": "http", "scheme": "bearer"}),
            ),
            expect(("api-security-component-type-changed", "INFO")),
            expect(("api-security-component-type-changed", "INFO")),
        ),
    ]


def _media_pairs() -> list[Pair]:
    """Any JSON-like media type is compared, vendor and wildcard ones included."""
    pairs = []
    for media in ("application/vnd.items+json", "*/*", "application/problem+json; charset=utf-8"):

        def move(d: Doc, media: str = media) -> None:
            content = post(d)["responses"]["200"]["content"]
            content[media] = content.pop("application/json")

        pair = schema_pair(
            f"field retyped under {media}",
            "response property",
            {"type": "string"},
            {"type": "integer"},
            expect(("response-property-type-changed", "ERR")),
            expect(("response-property-type-changed", "ERR")),
        )
        move(pair.old)
        move(pair.new)
        pairs.append(Pair(pair.name, pair.old, pair.new, pair.forward, pair.backward))
    return pairs


def _silent_pairs() -> list[Pair]:
    """Valid variants of one spec: nothing a client can tell apart."""
    described = {"type": "string", "description": "a note", "example": "x"}
    pairs = [
        schema_pair(
            "description and example added", "request property", {"type": "string"}, described, expect(), expect()
        ),
        schema_pair(
            "3.0 exclusive bound spelled as 3.1",
            "request property",
            {"type": "number", "maximum": 10, "exclusiveMaximum": True},
            {"type": "number", "exclusiveMaximum": 10},
            expect(),
            expect(),
        ),
        schema_pair(
            "3.0 nullable spelled as 3.1",
            "response property",
            {"type": "string", "nullable": True},
            {"type": ["string", "null"]},
            expect(),
            expect(),
        ),
        schema_pair(
            "inline schema moved to components",
            "response body",
            _object(["id"], id={"type": "string"}),
            {"$ref": "#/components/schemas/Item"},
            expect(),
            expect(),
        ),
    ]
    pairs[-1].new["components"]["schemas"] = {"Item": _object(["id"], id={"type": "string"})}
    pairs[-1].old["components"]["schemas"] = {"Item": _object(["id"], id={"type": "string"})}
    renamed = edit_pair("path parameter renamed", None, None, expect(), expect())
    item = renamed.new["paths"].pop("/items/{id}")
    item["get"]["parameters"][0]["name"] = "itemId"
    renamed.new["paths"]["/items/{itemId}"] = item
    pairs.append(renamed)
    reordered = edit_pair("properties reordered", None, None, expect(), expect())
    for doc, names in ((reordered.old, ("a", "b")), (reordered.new, ("b", "a"))):
        body(doc)["schema"] = {"type": "object", "properties": {n: {"type": "string"} for n in names}}
    pairs.append(reordered)
    return pairs


def _hook(doc: Doc, name: str = "item.created", *, header: bool = False, form: bool = False) -> None:
    """A top-level webhook (issue 27): an event posting a JSON payload, optionally signed and form-encoded."""
    content: Doc = {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "string"}}}}}
    if form:
        content["application/x-www-form-urlencoded"] = {"schema": {"type": "object", "properties": {}}}
    post_node: Doc = {"requestBody": {"content": content}, "responses": {"200": {"description": "ok"}}}
    if header:
        post_node["parameters"] = [
            {"name": "Signature", "in": "header", "required": True, "schema": {"type": "string"}}
        ]
    doc.setdefault("webhooks", {})[name] = {"post": post_node}


def _webhook_pairs() -> list[Pair]:
    return [
        edit_pair(
            "webhook added",
            None,
            _hook,
            expect(("webhook-added", "INFO")),
            expect(("webhook-removed", "ERR")),
        ),
        edit_pair(
            "webhook media type added",
            _hook,
            lambda d: _hook(d, form=True),
            expect(("webhook-media-type-added", "ERR")),
            expect(("webhook-media-type-removed", "INFO")),
        ),
        edit_pair(
            "webhook signature header added",
            _hook,
            lambda d: _hook(d, header=True),
            expect(("webhook-required-header-added", "INFO")),
            expect(("webhook-header-removed", "ERR")),
        ),
        edit_pair(
            "webhook optional header added",
            _hook,
            lambda d: (
                _hook(d, header=True),
                d["webhooks"]["item.created"]["post"]["parameters"][0].update(required=False),
            ),
            expect(("webhook-header-added", "INFO")),
            expect(("webhook-header-removed", "ERR")),
        ),
        edit_pair(
            "webhook payload field retyped",
            _hook,
            lambda d: (
                _hook(d),
                d["webhooks"]["item.created"]["post"]["requestBody"]["content"]["application/json"]["schema"][
                    "properties"
                ].update(id={"type": "integer"}),
            ),
            expect(("response-property-type-changed", "ERR")),
            expect(("response-property-type-changed", "ERR")),
        ),
    ]


def corpus() -> list[Pair]:
    return [
        *_webhook_pairs(),
        *_bound_pairs(),
        *_type_pairs(),
        *_nullable_pairs(),
        *_enum_pairs(),
        *_pattern_pairs(),
        *_composition_pairs(),
        *_property_pairs(),
        *_operation_pairs(),
        *_parameter_pairs(),
        *_body_pairs(),
        *_response_pairs(),
        *_security_pairs(),
        *_media_pairs(),
        *_silent_pairs(),
    ]


__all__ = ["base", "corpus", "reply"]
