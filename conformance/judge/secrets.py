"""Secrets in a user's recordings, found and removed before anything is judged.

A recording made by a user's own suite was never scrubbed: credential headers, Basic and Bearer
values, cookies, token fields of JSON and form bodies, and key-like query parameters all hold real
secrets. They are collected from every exchange first (a token issued in one exchange is sent in the
next), then every exchange is scrubbed of all of them in every encoding before the judge reads it, so
no finding, curl line or report can carry one.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from conformance.cassettes.scrub import COOKIE_HEADERS, REDACTED, SENSITIVE_KEYS, scrub_interaction, scrub_text
from conformance.core.secrets import credential_headers
from conformance.providers.base import secret_variants

MIN_SECRET_LENGTH = 6
# Query parameters that carry keys in the wild (the providers here use headers, other services do not).
SECRET_QUERY_KEYS = frozenset({"api_key", "apikey", "key", "token", "access_token", "client_secret", "secret", "sig"})


def collect(interactions: Iterable[dict[str, Any]]) -> list[str]:
    """Every secret value the recordings hold, in every form it could be written in."""
    found: set[str] = set()
    credential = credential_headers()
    for interaction in interactions:
        request, response = interaction["request"], interaction["response"]
        for name, values in (request.get("headers") or {}).items():
            if name.lower() in credential:
                for value in values:
                    found.update(_credential_parts(value))
            elif name.lower() in COOKIE_HEADERS:
                found.update(_cookie_values(values))
        for name, values in (response.get("headers") or {}).items():
            if name.lower() in COOKIE_HEADERS:
                found.update(_cookie_values(values))
        query = urlsplit(str(request.get("uri", ""))).query
        found.update(v for k, v in parse_qsl(query) if k.lower() in SECRET_QUERY_KEYS)
        found.update(_body_secrets(request.get("body")))
        found.update(_body_secrets((response.get("body") or {}).get("string")))
    # Very short values ("1", "true") are not credentials, and replacing them would corrupt the bodies judged.
    return secret_variants(sorted(s for s in found if len(s) >= MIN_SECRET_LENGTH))


def scrub(interaction: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
    clean = scrub_interaction(interaction, secrets)
    for side in ("request", "response"):
        headers = clean[side].get("headers") or {}
        clean[side]["headers"] = {k: [REDACTED] if k.lower() in COOKIE_HEADERS else v for k, v in headers.items()}
    # Form-encoded bodies (token requests) keep their values after scrub_body's JSON pass.
    body = clean["request"].get("body")
    if isinstance(body, str | bytes):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        clean["request"]["body"] = scrub_text(text, secrets)
    return clean


def _credential_parts(value: str) -> set[str]:
    scheme, _, credential = value.strip().partition(" ")
    parts = {value.strip(), credential.strip()} if credential else {value.strip()}
    if scheme.lower() == "basic" and credential:
        try:
            user, _, password = base64.b64decode(credential.strip()).decode("utf-8").partition(":")
        except (binascii.Error, ValueError):
            return parts
        parts.update({user, password})
    return {p for p in parts if p}


def _cookie_values(values: list[str]) -> set[str]:
    found = set()
    for value in values:
        for pair in value.split(";"):
            name, sep, item = pair.strip().partition("=")
            if sep and name.lower() not in ("path", "domain", "expires", "max-age", "samesite") and item:
                found.add(item)
    return found


def _body_secrets(body: Any) -> set[str]:
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return set()
    if not isinstance(body, str) or not body:
        return set()
    try:
        parsed = json.loads(body)
    except ValueError:
        return {v for k, v in parse_qsl(body) if k.lower() in SENSITIVE_KEYS | SECRET_QUERY_KEYS}
    found: set[str] = set()
    _walk(parsed, found)
    return found


def _walk(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower() in SENSITIVE_KEYS and isinstance(item, str | int):
                found.add(str(item))
            else:
                _walk(item, found)
    elif isinstance(value, list):
        for item in value:
            _walk(item, found)
