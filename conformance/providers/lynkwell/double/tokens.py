"""The Lynkwell double's OAuth2 tokens: POST /oauth/token (Auth0's client-credentials grant, outside the
billing API and its faults) and the Bearer token every API call needs."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from werkzeug.wrappers import Request, Response

from conformance.providers.lynkwell import AUDIENCE
from conformance.providers.lynkwell.double.store import LynkwellStore
from conformance.sandbox.double import JSON

TOKEN_PATH = "/oauth/token"
TOKEN_LIFETIME = 86400  # seconds; Auth0's default for machine-to-machine tokens


class _OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


class Tokens(LynkwellStore):
    def extra_routes(self) -> Sequence[tuple[str, str, str]]:
        return ((TOKEN_PATH, "POST", "issue_token"),)

    def unauthenticated_routes(self) -> frozenset[str]:
        return frozenset({"issue_token"})

    def handle(self, request: Request) -> Response:
        # The token endpoint is Auth0's, not the billing API's: none of the API's faults reach it.
        if request.method == "POST" and request.path.rstrip("/") == TOKEN_PATH:
            return self.issue_token(request)
        return super().handle(request)

    def issue_token(self, request: Request) -> Response:
        try:
            self._check_token_request(_token_fields(request))
        except _OAuthError as refused:
            return _json_response(refused.status, refused.body)
        token = secrets.token_urlsafe(32)
        with self._lock:
            self.tokens[token] = self.clock() + TOKEN_LIFETIME
        body = {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "scope": ""}
        return _json_response(200, body, {"Cache-Control": "no-store"})

    def _check_token_request(self, fields: Mapping[str, Any]) -> None:
        grant = fields.get("grant_type")
        if grant is None:
            raise _OAuthError(400, "invalid_request", "Missing required parameter: grant_type")
        if grant != "client_credentials":
            raise _OAuthError(400, "unsupported_grant_type", f"Unsupported grant type: {grant}")
        if (fields.get("client_id"), fields.get("client_secret")) != (
            self.credentials.get("LYNKWELL_CLIENT_ID"),
            self.credentials.get("LYNKWELL_CLIENT_SECRET"),
        ):
            raise _OAuthError(401, "access_denied", "Unauthorized")
        audience = fields.get("audience")
        if audience is None:
            raise _OAuthError(
                403, "access_denied", "No audience parameter was provided, and no default audience has been configured"
            )
        if audience != AUDIENCE:
            raise _OAuthError(403, "access_denied", f"Service not found: {audience}")

    def authenticate(self, request: Request) -> bool:
        scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        with self._lock:
            expires = self.tokens.get(token.strip())
        return expires is not None and self.clock() < expires


def _token_fields(request: Request) -> Mapping[str, Any]:
    """The token request's parameters: a JSON object as documented, or a form as Auth0 also accepts."""
    if request.mimetype == "application/x-www-form-urlencoded":
        return request.form.to_dict()
    try:
        fields = json.loads(request.get_data() or b"null")
    except ValueError:
        raise _OAuthError(400, "invalid_request", "The request body is not valid JSON.") from None
    if not isinstance(fields, dict):
        raise _OAuthError(400, "invalid_request", "The request body must be a JSON object.")
    return fields


def _json_response(status: int, body: JSON, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=dict(headers or {}), content_type="application/json")
