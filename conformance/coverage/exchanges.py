"""One request and its response as coverage needs it, from whichever stage saw it (engine or workflow).

Kept small and picklable: the engine may run each provider in its own process. Header values are
dropped (only names say which parameters were sent), so no credential is carried.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Exchange:
    method: str
    url: str
    status: int
    operation: str | None = None  # operationId when the stage knows it
    request_headers: tuple[str, ...] = ()  # names, lower-case
    request_content_type: str = ""
    request_body: str | None = None
    content_type: str = ""
    body: Any = None  # the parsed JSON response body, or None


def exchange_entry(exchange: Exchange) -> tuple[Any, ...]:
    """The exchange as plain data (conformance.core.disk_cache keeps verdicts with their exchanges)."""
    return tuple(getattr(exchange, name.name) for name in fields(Exchange))


def remembered_exchange(entry: Any) -> Exchange:
    """The exchange `exchange_entry` wrote; ValueError when the entry is not one."""
    if not isinstance(entry, tuple) or len(entry) != len(fields(Exchange)):
        raise ValueError("not an exchange entry")
    return Exchange(*entry)


def _text(body: bytes | str | None) -> str | None:
    if body is None:
        return None
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)


def _first(headers: Mapping[str, Any], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list | tuple) and value else value)
    return ""


def parse_json(text: str | bytes | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def from_schemathesis(interaction: Any, operation: str | None) -> Exchange | None:
    """From a schemathesis recorder interaction (request/response with list-valued headers)."""
    response = interaction.response
    if response is None:
        return None
    request = interaction.request
    content_type = _first(response.headers, "content-type")
    return Exchange(
        method=str(request.method).upper(),
        url=str(request.uri),
        status=int(response.status_code),
        operation=operation,
        request_headers=tuple(sorted({str(k).lower() for k in request.headers})),
        request_content_type=_first(request.headers, "content-type"),
        request_body=_text(request.body),
        content_type=content_type,
        body=parse_json(response.content) if "json" in content_type.lower() else None,
    )


def from_workflow(exchange: Any) -> Exchange:
    """From a workflow client's exchange (conformance.scenarios.client.Exchange)."""
    return Exchange(
        method=exchange.method,
        url=exchange.url,
        status=exchange.status,
        operation=exchange.operation.operation_id,
        request_headers=tuple(sorted({str(k).lower() for k in exchange.request_headers})),
        request_content_type=_first(exchange.request_headers, "content-type"),
        request_body=_text(exchange.request_body),
        content_type=exchange.content_type,
        body=exchange.body,
    )


def from_cassette(interaction: Mapping[str, Any]) -> Exchange:
    """From a VCR.py cassette interaction, for stages that judge recordings directly."""
    request, response = interaction["request"], interaction["response"]
    content_type = _first(response.get("headers") or {}, "content-type")
    body = (response.get("body") or {}).get("string")
    return Exchange(
        method=str(request["method"]).upper(),
        url=str(request["uri"]),
        status=int(response["status"]["code"]),
        request_headers=tuple(sorted({str(k).lower() for k in request.get("headers") or {}})),
        request_content_type=_first(request.get("headers") or {}, "content-type"),
        request_body=_text(request.get("body")),
        content_type=content_type,
        body=parse_json(body) if "json" in content_type.lower() else None,
    )
