"""Evidence of a workflow finding: the request/response sequence up to it, and its place in the cassette."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from conformance.cassettes.scrub import scrub_body, scrub_text
from conformance.cassettes.store import display_path
from conformance.engine.evidence import curl_command, request_key
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


class CassettePositions:
    """Where each exchange of a sequence sits in its cassette.

    A workflow may send the same request twice (retrieve before and after a change), so the n-th
    exchange with a given key is the n-th interaction with that key; requests the client did not
    make itself (an OAuth token fetch) sit between them and are skipped.
    """

    def __init__(self, path: Path, interactions: list[dict[str, Any]], root: Path) -> None:
        self.label = display_path(path, root)
        self._by_key: dict[tuple[str, str, str], list[int]] = {}
        for position, interaction in enumerate(interactions):
            request = interaction["request"]
            key = request_key(request["method"], request["uri"], request.get("body"))
            self._by_key.setdefault(key, []).append(position)

    def positions(self, exchanges: Sequence[Exchange]) -> list[int | None]:
        seen: dict[tuple[str, str, str], int] = {}
        found: list[int | None] = []
        for exchange in exchanges:
            key = request_key(exchange.method, exchange.url, exchange.request_body)
            # The 429s waited out before this answer are recorded before it, under the same key.
            occurrence = seen.get(key, 0) + exchange.attempts - 1
            seen[key] = occurrence + 1
            candidates = self._by_key.get(key, [])
            found.append(candidates[occurrence] if occurrence < len(candidates) else None)
        return found
