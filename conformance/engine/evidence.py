"""Evidence for a finding: a curl reproduction with secrets redacted, and the cassette interaction."""

from __future__ import annotations

import contextlib
import json
import shlex
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.cassettes.scrub import scrub_body, scrub_headers, scrub_text
from conformance.cassettes.store import display_path

# Headers every client sends that say nothing about the failure.
_NOISE_HEADERS = frozenset(
    {"user-agent", "accept-encoding", "connection", "content-length", "x-schemathesis-testcaseid", "accept"}
)


def curl_command(
    method: str, uri: str, headers: Mapping[str, Any], body: bytes | str | None, secrets: Iterable[str]
) -> str:
    secrets = list(secrets)
    parts = ["curl", "-X", method.upper(), shlex.quote(scrub_text(uri, secrets))]
    for name, value in scrub_headers(dict(headers), secrets).items():
        if name.lower() in _NOISE_HEADERS:
            continue
        for item in value if isinstance(value, list) else [value]:
            parts += ["-H", shlex.quote(f"{name}: {item}")]
    if body:
        clean = scrub_body(body, secrets)
        text = clean.decode("utf-8", "replace") if isinstance(clean, bytes) else str(clean)
        parts += ["-d", shlex.quote(text)]
    return " ".join(parts)


def request_key(method: str, uri: str, body: bytes | str | None) -> tuple[str, str, str]:
    """How a request is found again in a cassette: method, path with query, and body."""
    parts = urlsplit(uri)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    text = body or ""
    with contextlib.suppress(ValueError):
        text = json.dumps(json.loads(text), sort_keys=True)
    return method.upper(), target, text


class CassetteIndex:
    """Position of each recorded request in a cassette file (first occurrence)."""

    def __init__(self, path: Path, interactions: list[dict[str, Any]], root: Path) -> None:
        self.label = display_path(path, root)
        self._positions: dict[tuple[str, str, str], int] = {}
        for index, interaction in enumerate(interactions):
            request = interaction["request"]
            key = request_key(request["method"], request["uri"], request.get("body"))
            self._positions.setdefault(key, index)

    def position(self, key: tuple[str, str, str]) -> int | None:
        return self._positions.get(key)
