"""Secrets never reach disk: credential headers, token fields and every known secret value become REDACTED."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from conformance.core import secrets as registry

REDACTED = registry.REDACTED
# Credential headers come from the specs' securitySchemes (conformance.core.secrets.credential_headers).
# Cookies are credentials too, but not part of the replay match key (credential headers are).
COOKIE_HEADERS = frozenset({"cookie", "set-cookie"})
SENSITIVE_KEYS = frozenset({"client_secret", "client_id", "access_token", "refresh_token", "id_token", "password"})
_COOKIE_VALUE = re.compile(r"(^|;\s*)([^=;,\s]+)=([^;]*)")


def scrub_text(text: str, secrets: Iterable[str]) -> str:
    """`text` without `secrets` nor any secret the run registered (conformance.core.secrets)."""
    return registry.scrub(text, secrets)


def cookie_values(header: str) -> list[str]:
    """The values of a Cookie header, or of a Set-Cookie header's cookie (attributes excluded)."""
    found = _COOKIE_VALUE.findall(header)
    return [value for _, name, value in found if name.lower() not in _COOKIE_ATTRIBUTES]


_COOKIE_ATTRIBUTES = frozenset({"path", "domain", "expires", "max-age", "samesite", "priority"})


def scrub_cookie(header: str) -> str:
    def redact(match: re.Match[str]) -> str:
        lead, name, _value = match.groups()
        return match.group(0) if name.lower() in _COOKIE_ATTRIBUTES else f"{lead}{name}={REDACTED}"

    return _COOKIE_VALUE.sub(redact, header)


def scrub_headers(headers: dict[str, Any], secrets: Iterable[str]) -> dict[str, Any]:
    secrets = list(secrets)
    credential = registry.credential_headers()
    clean: dict[str, Any] = {}
    for name, value in headers.items():
        if name.lower() in credential:
            clean[name] = [REDACTED] if isinstance(value, list) else REDACTED
        elif name.lower() in COOKIE_HEADERS:
            clean[name] = [scrub_cookie(str(v)) for v in value] if isinstance(value, list) else scrub_cookie(str(value))
        elif isinstance(value, list):
            clean[name] = [scrub_text(str(v), secrets) for v in value]
        else:
            clean[name] = scrub_text(str(value), secrets)
    return clean


def _redact_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if k.lower() in SENSITIVE_KEYS else _redact_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_keys(v) for v in value]
    return value


def scrub_body(body: str | bytes | None, secrets: Iterable[str]) -> str | bytes | None:
    """Token fields redacted in JSON bodies (keeping the original formatting otherwise), then secret values."""
    if body is None:
        return None
    was_bytes = isinstance(body, bytes)
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        return body  # binary bodies carry no credentials of ours
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict | list):
        redacted = _redact_keys(parsed)
        if redacted != parsed:
            # Compact separators match requests' JSON encoding, so replayed token requests still match.
            text = json.dumps(redacted, separators=(", ", ": "))
    text = scrub_text(text, secrets)
    return text.encode("utf-8") if was_bytes else text


def scrub_interaction(interaction: dict[str, Any], secrets: Iterable[str]) -> dict[str, Any]:
    """A VCR interaction dict ({"request": ..., "response": ...}) with every secret removed."""
    secrets = list(secrets)
    request = dict(interaction["request"])
    request["uri"] = scrub_text(request.get("uri", ""), secrets)
    request["headers"] = scrub_headers(request.get("headers") or {}, secrets)
    request["body"] = scrub_body(request.get("body"), secrets)
    response = dict(interaction["response"])
    response["headers"] = scrub_headers(response.get("headers") or {}, secrets)
    body = dict(response.get("body") or {})
    if "string" in body:
        body["string"] = scrub_body(body["string"], secrets)
    response["body"] = body
    return {"request": request, "response": response}
