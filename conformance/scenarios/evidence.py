"""Evidence of a workflow finding: the request/response sequence up to it, and its place in the cassette."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from conformance.cassettes.evidence import RequestKey, curl_command, request_key
from conformance.cassettes.scrub import scrub_body, scrub_text
from conformance.scenarios.client import Exchange

# Bodies longer than this are cut in the evidence (a cassette, where there is one, keeps them whole).
MAX_BODY_CHARS = 4000


def steps(exchanges: Sequence[Exchange], secrets: Iterable[str]) -> tuple[dict[str, Any], ...]:
    """Each exchange as a small JSON object, secrets redacted."""
    secrets = list(secrets)
    return tuple(
        {
            "step": exchange.index + 1,
            "operation": exchange.operation.operation_id,
            "request": f"{exchange.method} {scrub_text(exchange.url, secrets)}",
            "request_body": _body(exchange.request_body, secrets),
            "status": exchange.status,
            "response_body": _body(exchange.text, secrets),
        }
        for exchange in exchanges
    )


def curl(exchange: Exchange, secrets: Iterable[str]) -> str:
    return curl_command(exchange.method, exchange.url, exchange.request_headers, exchange.request_body, secrets)


def _body(raw: str | bytes | None, secrets: list[str]) -> Any:
    if not raw:
        return None
    clean = scrub_body(raw, secrets)
    text = clean.decode("utf-8", "replace") if isinstance(clean, bytes) else str(clean)
    if len(text) > MAX_BODY_CHARS:
        return text[:MAX_BODY_CHARS] + f"… ({len(text) - MAX_BODY_CHARS} more characters)"
    try:
        return json.loads(text)
    except ValueError:
        return text


def sent(exchanges: Sequence[Exchange]) -> list[tuple[RequestKey, int]]:
    """Each exchange as what it put on the wire, for `CassettePositions.positions`: its key and sends."""
    return [(request_key(e.method, e.url, e.request_body), e.attempts) for e in exchanges]
