"""Every secret known to the run, in every spelling it could reach a file or the terminal.

Credentials are registered when a provider's credentials are read, tokens and cookies when a client
sends or receives them (conformance.transport). `scrub` replaces each spelling — raw, URL-encoded,
base64 (alone, as a Basic user, or user:password), JSON- and HTML-escaped, and combinations — with
REDACTED. The registry is per process: a worker process scrubs what it returns.
"""

from __future__ import annotations

import base64
import html
import json
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "REDACTED"
MIN_LENGTH = 4  # shorter values would redact ordinary text

_lock = threading.Lock()
_spellings: set[str] = set()
_pattern: re.Pattern[str] | None = None


def _encodings(value: str) -> set[str]:
    encoded = {value, quote(value, safe=""), quote(value), quote_plus(value)}
    for raw in (value, value + ":"):
        data = raw.encode("utf-8")
        encoded |= {base64.b64encode(data).decode(), base64.urlsafe_b64encode(data).decode()}
        # Unpadded, as JWTs and some headers write it.
        encoded |= {base64.b64encode(data).decode().rstrip("="), base64.urlsafe_b64encode(data).decode().rstrip("=")}
    return encoded


def _escapes(text: str) -> set[str]:
    as_json = {json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}
    as_html = {html.escape(text), html.escape(text, quote=False)}
    return {text} | as_json | as_html | {html.escape(j) for j in as_json} | {json.dumps(h)[1:-1] for h in as_html}


def spellings(values: Iterable[object]) -> set[str]:
    found: set[str] = set()
    for value in values:
        if value is None or len(str(value)) < MIN_LENGTH:
            continue
        for encoded in _encodings(str(value)):
            found |= _escapes(encoded)
    return {s for s in found if len(s) >= MIN_LENGTH and s != REDACTED}


def register(values: Iterable[object]) -> None:
    new = spellings(values) - _spellings
    if not new:
        return
    global _pattern
    with _lock:
        _spellings.update(new)
        _pattern = None


def register_basic(user: str, password: str) -> None:
    """HTTP Basic credentials: `user:password` base64-encoded is a secret of its own."""
    register([user, password])
    if user and password:
        pair = f"{user}:{password}".encode()
        register([base64.b64encode(pair).decode()])


def known() -> frozenset[str]:
    return frozenset(_spellings)


def _compiled() -> re.Pattern[str] | None:
    global _pattern
    with _lock:
        if _pattern is None and _spellings:
            # Longest first, so a secret containing another is replaced whole.
            ordered = sorted(_spellings, key=len, reverse=True)
            _pattern = re.compile("|".join(re.escape(s) for s in ordered))
        return _pattern


def scrub(text: str, extra: Iterable[str] = ()) -> str:
    """`text` with every registered spelling (and each of `extra`, as given) replaced by REDACTED."""
    for secret in sorted((s for s in extra if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    pattern = _compiled()
    return pattern.sub(REDACTED, text) if pattern is not None and text else text


def forget() -> None:
    """Tests only: start from an empty registry."""
    global _pattern
    with _lock:
        _spellings.clear()
        _pattern = None


def scrub_value(value: Any) -> Any:
    """A JSON-like value with every string scrubbed."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: scrub_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_value(v) for v in value]
    return value
