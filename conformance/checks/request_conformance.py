"""Whether a request, as actually sent on the wire, is valid for its documented operation, and if not, which
documented (or inferred) constraints it breaks (`wire_constraints`: [] is valid on the wire).

schemathesis judges a negative case by what it generated; what reaches the server can differ (the
provider's auth fills in the credential headers a mutation removed). A server that accepts a request
which is valid on the wire has rejected nothing it should have, so such a case is not a finding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from conformance.core import pointers
from conformance.core.kinds import Basis
from conformance.spec.specs import Operation, Spec
from conformance.spec.validation import inference_of, show, violations


def _first(value: Any) -> str:
    return str(value[0]) if isinstance(value, list) and value else str(value)


def parameter_pointers(spec: Spec, operation: Operation) -> list[str]:
    """Pointers to the operation's parameters (path-item ones first; the operation's override them)."""
    found: dict[tuple[str, str], str] = {}
    item = operation.pointer.rsplit("/", 1)[0]
    for owner in (item, operation.pointer):
        for index, parameter in enumerate(spec.resolve(owner).get("parameters") or []):
            pointer = owner + pointers.join("parameters", index)
            if isinstance(parameter, dict) and "$ref" in parameter:
                pointer = str(parameter["$ref"]).removeprefix("#")
                parameter = spec.resolve(pointer)
            found[(str(parameter.get("in")), str(parameter.get("name")))] = pointer
    return list(found.values())


def _path_values(template: str, path: str) -> dict[str, str] | None:
    names = re.findall(r"\{([^}]+)\}", template)
    pattern = "".join(
        f"(?P<p{names.index(part[1:-1])}>[^/]+)" if part.startswith("{") else re.escape(part)
        for part in re.split(r"(\{[^}]+\})", template)
    )
    match = re.search(pattern + "$", path)
    if match is None:
        return None
    return {name: match.group(f"p{index}") for index, name in enumerate(names)}


def _valid(spec: Spec, schema_pointer: str, raw: list[str], schema: dict[str, Any]) -> bool:
    validator = spec.validator(schema_pointer)
    return any(validator.is_valid(value) for value in _readings(raw, schema))


def _readings(raw: list[str], schema: dict[str, Any]) -> list[Any]:
    """The typed values a string parameter can stand for (query and header values arrive as text)."""
    if schema.get("type") == "array":
        found = schema.get("items")
        items = found if isinstance(found, dict) else {}
        values = raw if len(raw) > 1 else raw[0].split(",") if raw and raw[0] else []
        return [[read_parameter(v, items) for v in values]]
    value = raw[-1]
    return [value, read_parameter(value, schema)]


def read_parameter(value: str, schema: dict[str, Any]) -> Any:
    """The typed value a query, header or path parameter's text stands for."""
    types = schema.get("type")
    types = set(types) if isinstance(types, list) else {types}
    try:
        if "integer" in types and re.fullmatch(r"-?\d+", value):
            return int(value)
        if "number" in types:
            return float(value)
    except ValueError:
        return value
    if "boolean" in types and value in ("true", "false"):
        return value == "true"
    return value


def _credentials_sent(
    spec: Spec, node: Mapping[str, Any], headers: Mapping[str, str], query: Mapping[str, Any]
) -> bool:
    requirements = node.get("security", spec.document.get("security") or [])
    if not requirements:
        return True
    schemes = (spec.document.get("components") or {}).get("securitySchemes") or {}
    for requirement in requirements:
        if all(_scheme_sent(schemes.get(name) or {}, headers, query) for name in requirement):
            return True
    return False


def _scheme_sent(scheme: Mapping[str, Any], headers: Mapping[str, str], query: Mapping[str, Any]) -> bool:
    if scheme.get("type") == "apiKey":
        name = str(scheme.get("name", ""))
        if scheme.get("in") == "header":
            return bool(headers.get(name.lower()))
        if scheme.get("in") == "query":
            return bool(query.get(name))
        return False
    return bool(headers.get("authorization"))  # http basic/bearer, oauth2, openIdConnect


@dataclass(frozen=True)
class Constraint:
    """One documented (or inferred) constraint a sent request breaks: where in the request, which keyword."""

    pointer: str  # /body/metadata, /query/page_size, /header/x-api-key, /path/id; array indices as *
    keyword: str  # the JSON Schema keyword (type, required, enum, maxLength...)
    expected: str
    sent: str
    basis: Basis = Basis.DOCUMENTED
    inference: str = ""
    instance_pointer: str = ""  # into the request body, concrete indices ('' outside the body)

    @property
    def name(self) -> str:
        return f"{self.pointer or '/'} {self.keyword}"


def wire_constraints(
    spec: Spec,
    operation: Operation,
    url: str,
    headers: Mapping[str, Any],
    body: bytes | str | None,
) -> list[Constraint] | None:
    """The constraints the sent request breaks, most specific first; [] when valid, None when it cannot be told."""
    node = spec.resolve(operation.pointer)
    header_values = {name.lower(): _first(value) for name, value in headers.items()}
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    path_values = _path_values(operation.path, unquote(parts.path))
    found: list[Constraint] = []
    for pointer in parameter_pointers(spec, operation):
        parameter = spec.resolve(pointer)
        name, location = str(parameter.get("name")), str(parameter.get("in"))
        schema = parameter.get("schema")
        where = f"/{location}/{pointers.escape(name)}"
        if location == "query":
            raw = query.get(name)
        elif location == "header":
            raw = [header_values[name.lower()]] if name.lower() in header_values else None
        elif location == "path":
            raw = [path_values[name]] if path_values is not None and name in path_values else None
        else:
            return None
        if raw is None:
            if parameter.get("required") or location == "path":
                reason = inference_of(parameter)
                basis = Basis.INFERRED if reason else Basis.DOCUMENTED
                found.append(Constraint(where, "required", "present", "absent", basis, reason))
            continue
        if isinstance(schema, dict) and not _valid(spec, pointer + "/schema", raw, schema):
            problems = violations(spec.validator(pointer + "/schema"), _readings(raw, schema)[-1])
            first = problems[0] if problems else None
            found.append(
                Constraint(
                    where,
                    first.keyword if first else "schema",
                    first.expected if first else "a valid value",
                    show(raw[-1] if len(raw) == 1 else raw),
                    first.basis if first else Basis.DOCUMENTED,
                    first.inference if first else "",
                )
            )
    body_found = _body_constraints(spec, operation, node, header_values, body)
    if body_found is None:
        return None
    if not _credentials_sent(spec, node, header_values, query):
        found.append(Constraint("/header", "security", "credentials", "absent"))
    return body_found + found


def _body_constraints(
    spec: Spec, operation: Operation, node: Mapping[str, Any], headers: Mapping[str, str], body: bytes | str | None
) -> list[Constraint] | None:
    request_body = node.get("requestBody")
    owner = operation.pointer + "/requestBody"
    if isinstance(request_body, dict) and "$ref" in request_body:
        owner = str(request_body["$ref"]).removeprefix("#")
        request_body = spec.resolve(owner)
    if not body:
        if isinstance(request_body, dict) and request_body.get("required"):
            return [Constraint("/body", "required", "a body", "absent")]
        return []
    if not isinstance(request_body, dict):
        return []
    content = request_body.get("content") or {}
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in content:
        return [Constraint("/body", "content-type", f"one of {', '.join(content)}", media or "(none)")]
    if "json" not in media:
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return [Constraint("/body", "json", "a JSON body", "not JSON")]
    if "schema" not in content[media]:
        return []
    validator = spec.validator(owner + pointers.join("content", media, "schema"))
    return [
        Constraint(
            "/body" + v.pointer,
            v.keyword,
            v.expected,
            v.observed,
            v.basis,
            v.inference,
            v.instance_pointer,
        )
        for v in violations(validator, value)
    ]


def path_values(operation: Operation, url: str) -> dict[str, str] | None:
    """The path parameters of a sent request, by name."""
    return _path_values(operation.path, unquote(urlsplit(url).path))


def body_value(body: bytes | str | None) -> Any:
    """A sent JSON body as data (None when there is none or it is not JSON)."""
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None
