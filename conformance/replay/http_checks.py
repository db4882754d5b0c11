"""Response-side checks of one recorded exchange against its operation in the current spec.

The same judgements schemathesis's status_code_conformance, content_type_conformance and
response_headers_conformance make on a live response, read from the spec directly, so a replay needs
neither schemathesis nor the generated case.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from conformance.checks.expectations import status_in
from conformance.checks.facts import response_facts
from conformance.spec.specs import Operation, Spec


@dataclass(frozen=True)
class Failed:
    """A check that failed: its schemathesis name, title, one-line detail and what was expected."""

    check: str
    title: str
    detail: str
    expected: str


def status_failure(spec: Spec, operation: Operation, status: int) -> Failed | None:
    documented = list(response_facts(spec, operation, status).documented_statuses)
    if "default" in documented or status_in(status, documented):
        return None
    return Failed(
        "status_code_conformance",
        "Undocumented status code",
        f"Received: {status}",
        "a documented status: " + ", ".join(documented),
    )


def content_type_failure(spec: Spec, operation: Operation, status: int, content_type: str | None) -> Failed | None:
    documented = list(response_facts(spec, operation, status).content_types)
    if not documented:
        return None
    expected = "a documented content type: " + ", ".join(documented)
    if not content_type:
        return Failed("content_type_conformance", "Missing Content-Type header", "Missing Content-Type", expected)
    received = _media_type(content_type)
    if any(_matches(_media_type(option), received) for option in documented):
        return None
    return Failed("content_type_conformance", "Undocumented Content-Type", f"Received: {content_type}", expected)


def header_failure(spec: Spec, operation: Operation, status: int, headers: Mapping[str, list[str]]) -> Failed | None:
    documented = response_facts(spec, operation, status).headers
    if not documented:
        return None
    received = {name.lower(): values for name, values in headers.items()}
    missing, invalid = [], []
    for name, header in documented.items():
        if isinstance(header, dict) and "$ref" in header:
            header = spec.resolve(str(header["$ref"]).removeprefix("#"))
        values = received.get(name.lower())
        if not values:
            if isinstance(header, dict) and header.get("required"):
                missing.append(name)
            continue
        schema = header.get("schema") if isinstance(header, dict) else None
        if isinstance(schema, dict) and not _header_validator(spec, json.dumps(schema, sort_keys=True)).is_valid(
            _coerce(values[0], schema)
        ):
            invalid.append(name)
    if not missing and not invalid:
        return None
    detail = "; ".join(
        [f"missing required headers: {', '.join(missing)}"] * bool(missing)
        + [f"headers not matching their schema: {', '.join(invalid)}"] * bool(invalid)
    )
    return Failed("response_headers_conformance", "Response headers do not conform", detail, "the documented headers")


def _media_type(value: str) -> tuple[str, str]:
    main, _, sub = value.split(";")[0].strip().lower().partition("/")
    return main, sub


def _matches(expected: tuple[str, str], received: tuple[str, str]) -> bool:
    return all(e in ("*", r) for e, r in zip(expected, received, strict=True))


_HEADER_VALIDATORS: dict[tuple[int, str], Draft202012Validator] = {}


def _header_validator(spec: Spec, schema_text: str) -> Draft202012Validator:
    key = (id(spec), schema_text)
    found = _HEADER_VALIDATORS.get(key)
    if found is None:
        found = _HEADER_VALIDATORS[key] = Draft202012Validator(json.loads(schema_text), registry=spec.registry)
    return found


def _coerce(value: str, schema: Mapping[str, Any]) -> Any:
    """A header's text as the type its schema declares (headers are strings on the wire)."""
    kind = schema.get("type")
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        return value
    if kind == "boolean" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value
