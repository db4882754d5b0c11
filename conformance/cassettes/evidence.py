"""Evidence for a finding: a curl reproduction with secrets redacted, and the cassette interaction."""

from __future__ import annotations

import contextlib
import json
import shlex
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from conformance.cassettes.scrub import scrub_body, scrub_headers, scrub_text
from conformance.cassettes.store import display_path

# The header schemathesis names each test case with; a check's resend carries its case's.
TESTCASE_HEADER = "x-schemathesis-testcaseid"
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


RequestKey = tuple[str, str, str]


class Occurrences:
    """Counts the requests sent with each key: the n-th send of a key (0-based), in sending order."""

    def __init__(self) -> None:
        self._seen: dict[RequestKey, int] = {}

    def count(self, key: RequestKey, attempts: int = 1) -> int:
        """The occurrence of the last of `attempts` sends (the 429s waited out come before their answer)."""
        occurrence = self._seen.get(key, 0) + attempts - 1
        self._seen[key] = occurrence + 1
        return occurrence


class CassettePositions:
    """Where each sent request sits in its cassette: the n-th request sent with a given key is the n-th
    interaction recorded with that key (vcrpy records in sending order and replays identical requests
    in order). A repeated request (retrieve before and after a change) therefore points at its own
    interaction, never at the first one with the same key; requests nobody judges (an OAuth token
    fetch) sit between them under keys of their own."""

    def __init__(self, path: Path, interactions: list[dict[str, Any]], root: Path) -> None:
        self.label = display_path(path, root)
        self._by_key: dict[RequestKey, list[int]] = {}
        for position, interaction in enumerate(interactions):
            request = interaction["request"]
            key = request_key(request["method"], request["uri"], request.get("body"))
            self._by_key.setdefault(key, []).append(position)

    def nth(self, key: RequestKey, occurrence: int) -> int | None:
        candidates = self._by_key.get(key, [])
        return candidates[occurrence] if 0 <= occurrence < len(candidates) else None

    def positions(self, sent: Iterable[tuple[RequestKey, int]]) -> list[int | None]:
        """The position of each (key, attempts) of a sequence of sends, in sending order."""
        occurrences = Occurrences()
        return [self.nth(key, occurrences.count(key, attempts)) for key, attempts in sent]


class SentRequests:
    """Every request the engine puts on the wire, in order, with its occurrence: schemathesis's case
    calls, its check requests (an ignored-auth resend), the 429s waited out, token fetches and probes.

    Counted at requests' HTTPAdapter.send, the one place every client of a run goes through, so the
    occurrences are those of the cassette's interactions (recorded or replayed in sending order).
    """

    def __init__(self) -> None:
        self._occurrences = Occurrences()
        # (test case id, key) -> occurrence of the first send: a case's own call precedes its checks' resends.
        self._first: dict[tuple[str | None, RequestKey], int] = {}

    @contextmanager
    def recording(self) -> Iterator[SentRequests]:
        original = HTTPAdapter.send
        log = self

        def send(adapter: HTTPAdapter, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
            log.sent(str(request.method), str(request.url), request.body, request.headers.get(TESTCASE_HEADER))
            return original(adapter, request, *args, **kwargs)

        HTTPAdapter.send = send  # type: ignore[method-assign,assignment]
        try:
            yield self
        finally:
            HTTPAdapter.send = original  # type: ignore[method-assign]

    def sent(self, method: str, uri: str, body: bytes | str | None, case_id: str | None) -> None:
        key = request_key(method, uri, body)
        self._first.setdefault((case_id, key), self._occurrences.count(key))

    def occurrence(self, key: RequestKey, case_id: str | None) -> int:
        """The occurrence of a case's request; one never seen on the wire is taken as the first."""
        return self._first.get((case_id, key), self._first.get((None, key), 0))
