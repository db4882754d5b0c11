"""A cassette set read for comparison: every interaction mapped to its operation via the spec.

A set is a directory laid out as `<dir>/<provider>/<suite>/<name>.yaml` (conformance.cassettes.store).
Interactions that match no operation of the provider's spec (probes of unknown paths, methods the
API does not have, the OAuth token endpoint) are counted and left out: drift is about operations.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from conformance.cassettes.store import read_cassette
from conformance.core.errors import UsageError
from conformance.drift.changes import Location
from conformance.providers import get_provider
from conformance.sandbox.faults import FAULT_HEADER
from conformance.spec.specs import Operation, Spec


class Opaque(str):
    """A response body that is not JSON: its shape is just this marker ("text" or "empty")."""


TEXT = Opaque("text")
EMPTY = Opaque("empty")


@dataclass(frozen=True)
class Observation:
    provider: str
    operation: Operation
    status: int
    content_type: str | None  # media type without parameters, lower case
    headers: frozenset[str]  # header names, lower case
    body: Any  # parsed JSON, or TEXT / EMPTY
    location: Location


@dataclass
class CassetteSet:
    root: Path
    providers: list[str] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    # Every string and object key a client sent, per provider: a response value or member name
    # that echoes one is input, not the provider's vocabulary or fields.
    client_values: dict[str, set[str]] = field(default_factory=dict)
    client_keys: dict[str, set[str]] = field(default_factory=dict)
    # The recorded request behind each observation: pairing matches on it, evidence shows it as curl.
    requests: dict[Location, dict[str, Any]] = field(default_factory=dict)
    interactions: int = 0
    unmapped: int = 0


def load_set(root: Path) -> CassetteSet:
    """Read every cassette under `root`; a missing directory or corrupt cassette is a UsageError."""
    root = Path(root)
    if root.is_file():
        raise UsageError(f"{root} is a file, not a cassette directory; to compare two spec files pass --spec.")
    if not root.is_dir():
        raise UsageError(f"cassette directory {root} does not exist; pass a directory of recorded cassettes.")
    files = sorted(p for p in root.glob("*/*/*.yaml") if not p.name.startswith("."))
    if not files:
        raise UsageError(
            f"no cassettes under {root}; expected {root}/<provider>/<suite>/<name>.yaml "
            "as `conformance run --target record --cassette-dir DIR` writes them."
        )
    found = CassetteSet(root=root)
    specs: dict[str, Spec] = {}
    for path in files:
        provider_name, suite = path.parent.parent.name, path.parent.name
        if provider_name not in specs:
            specs[provider_name] = get_provider(provider_name).spec
            found.providers.append(provider_name)
        cassette = read_cassette(path, provider_name, suite)
        values = found.client_values.setdefault(provider_name, set())
        keys = found.client_keys.setdefault(provider_name, set())
        for index, interaction in enumerate(cassette.interactions):
            found.interactions += 1
            observation = _observe(provider_name, specs[provider_name], path, index, interaction, values, keys)
            if observation is None:
                found.unmapped += 1
            else:
                found.observations.append(observation)
                found.requests[observation.location] = interaction["request"]
    return found


def _observe(
    provider: str,
    spec: Spec,
    path: Path,
    index: int,
    interaction: dict[str, Any],
    values: set[str],
    keys: set[str],
) -> Observation | None:
    request, response = interaction["request"], interaction["response"]
    try:
        method, uri = str(request["method"]), str(request["uri"])
        status = int(response["status"]["code"])
    except (KeyError, TypeError, ValueError):
        raise UsageError(
            f"cassette {path} is corrupt (interaction {index} lacks a request method/uri or a response status); "
            "restore it from git or re-record it."
        ) from None
    url = urlsplit(uri)
    sent_values, sent_keys = _client_input(url.path, url.query, request.get("body"))
    values.update(sent_values)
    keys.update(sent_keys)
    operation = spec.operation_at(method, url.path)
    if operation is None:
        return None
    headers = {str(name).lower(): value for name, value in (response.get("headers") or {}).items()}
    headers.pop(FAULT_HEADER.lower(), None)  # a double's mark of its faults, not part of the API
    return Observation(
        provider=provider,
        operation=operation,
        status=status,
        content_type=_media_type(headers.get("content-type")),
        headers=frozenset(headers),
        body=_body(response.get("body")),
        location=Location(cassette=_label(path), interaction=index, status=status),
    )


def _media_type(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if not value:
        return None
    return str(value).split(";", 1)[0].strip().lower() or None


def _text(body: Any) -> str:
    raw = body.get("string") if isinstance(body, dict) else body
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "replace")
    return "" if raw is None else str(raw)


def _body(body: Any) -> Any:
    text = _text(body)
    if not text.strip():
        return EMPTY
    try:
        return json.loads(text)
    except ValueError:
        return TEXT


def _client_input(path: str, query: str, body: Any) -> tuple[set[str], set[str]]:
    """The string values and the object keys a request sent (path segments and query values count)."""
    values = {unquote(segment) for segment in path.split("/") if segment}
    values.update(value for _, value in parse_qsl(query, keep_blank_values=True))
    keys: set[str] = set()
    text = _text(body)
    try:
        _walk(json.loads(text), values, keys)
    except ValueError:  # a form: a[b][c]=v sends the keys a, b and c
        for name, value in parse_qsl(text, keep_blank_values=True):
            values.add(value)
            keys.update(re.findall(r"[^\[\]]+", name))
    return values, keys


def _walk(value: Any, values: set[str], keys: set[str]) -> None:
    if isinstance(value, str):
        values.add(value)
    elif isinstance(value, dict):
        keys.update(str(k) for k in value)
        for item in value.values():
            _walk(item, values, keys)
    elif isinstance(value, list):
        for item in value:
            _walk(item, values, keys)


def _label(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
