"""Every secret known to the run, in every spelling it could reach a file or the terminal.

Credentials are registered when a provider's credentials are read, tokens and cookies when a client
sends or receives them (conformance.http.transport). `scrub` replaces each spelling — raw, URL-encoded,
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
GLUE = 6  # token characters an escape may glue to either side of a token

_lock = threading.Lock()
_seen: set[str] = set()  # values registered, to skip recomputing their spellings
_spellings: set[str] = set()  # spellings with characters outside a token: matched by one regex
_pattern: re.Pattern[str] | None = None
# Token-like spellings (a bearer token, a cookie): a server can set a new cookie on every answer, so
# there may be thousands; they are looked up in a set per run of token characters, not by a regex.
_TOKEN_CHARS = r"A-Za-z0-9_\-.~"
_TOKEN_RUN = re.compile(f"[{_TOKEN_CHARS}]{{{MIN_LENGTH},}}")
_IS_TOKEN = re.compile(f"[{_TOKEN_CHARS}]+")
_tokens: set[str] = set()
_token_lengths: set[int] = set()
# Spellings whose documented, public prefix (WooshPay's whsec_) stays in place of the whole: a schema may
# judge the prefix (pattern ^whsec_), and a replay must judge the recording as the live run judged the answer.
_kept: dict[str, str] = {}


def _encodings(value: str) -> set[str]:
    encoded = {value, quote(value, safe=""), quote(value), quote_plus(value)}
    for raw in (value, value + ":"):
        data = raw.encode("utf-8")
        encoded |= {base64.b64encode(data).decode(), base64.urlsafe_b64encode(data).decode()}
        # Unpadded, as JWTs and some headers write it.
        encoded |= {base64.b64encode(data).decode().rstrip("="), base64.urlsafe_b64encode(data).decode().rstrip("=")}
    return encoded


def _escapes(text: str) -> set[str]:
    once = {json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}
    # Twice: JSON text echoed inside a JSON string (a request body quoted in an error message).
    as_json = once | {json.dumps(j)[1:-1] for j in once}
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


def register(values: Iterable[object], *, token: bool = False, public_prefix: str = "") -> None:
    """Register secrets: credentials in every spelling; `token`s (bearer tokens, cookies: opaque
    values the server made) raw, URL-, JSON- and HTML-escaped only. A spelling that starts with
    `public_prefix` (a documented, non-secret prefix such as whsec_) is replaced by the prefix + REDACTED."""
    fresh = [str(v) for v in values if v is not None and str(v) not in _seen]
    if not fresh:
        return
    if token:
        new = {s for v in fresh if len(v) >= MIN_LENGTH for e in (v, quote(v, safe="")) for s in _escapes(e)}
    else:
        new = spellings(fresh)
    global _pattern
    with _lock:
        _seen.update(fresh)
        if public_prefix:
            _kept.update({s: public_prefix + REDACTED for s in new if s.startswith(public_prefix)})
        for spelling in new - {REDACTED}:
            if _IS_TOKEN.fullmatch(spelling):
                _tokens.add(spelling)
                _token_lengths.add(len(spelling))
            elif spelling not in _spellings:
                _spellings.add(spelling)
                _pattern = None


def register_basic(user: str, password: str) -> None:
    """HTTP Basic credentials: `user:password` base64-encoded is a secret of its own."""
    register([user, password])
    if user and password:
        pair = f"{user}:{password}".encode()
        register([base64.b64encode(pair).decode()])


# HTTP's own credential headers. Every other credential header is named by a provider's spec
# (securitySchemes, Spec.credential_headers) and registered when the spec is loaded.
_credential_headers: set[str] = {"authorization", "proxy-authorization"}


def register_headers(names: Iterable[str]) -> None:
    with _lock:
        _credential_headers.update(name.lower() for name in names)


def credential_headers() -> frozenset[str]:
    """Headers whose whole value is a credential: redacted in every cassette and report, never forwarded."""
    return frozenset(_credential_headers)


def known() -> frozenset[str]:
    return frozenset(_spellings | _tokens)


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
    if not text:
        return text
    pattern = _compiled()
    if pattern is not None:
        text = pattern.sub(_replacement, text)
    return _TOKEN_RUN.sub(_scrub_run, text) if _tokens else text


def _replacement(match: re.Match[str]) -> str:
    return _kept.get(match.group(0), REDACTED)


def _scrub_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if run in _tokens:
        return _kept.get(run, REDACTED)
    # A token glued to a few other token characters, as an escape leaves it (`%22TOKEN`, `u0022TOKEN`):
    # windows of a registered length that start or end near the run's edges.
    hits: set[str] = set()
    for n in _token_lengths:
        last = len(run) - n
        if last > 0:
            starts = {*range(min(GLUE, last) + 1), *range(max(0, last - GLUE), last + 1)}
            hits |= {run[i : i + n] for i in starts} & _tokens
    for hit in sorted(hits, key=len, reverse=True):
        run = run.replace(hit, _kept.get(hit, REDACTED))
    return run


def forget() -> None:
    """Tests only: start from an empty registry."""
    global _pattern
    with _lock:
        _seen.clear()
        _spellings.clear()
        _tokens.clear()
        _token_lengths.clear()
        _kept.clear()
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
