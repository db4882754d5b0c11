"""Lynkwell: /billing/v1, OAuth2 client credentials, bearer token on every call."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from conformance.core import secrets
from conformance.core.errors import TargetUnreachable, UsageError
from conformance.http import transport
from conformance.http.auth import ProviderAuth
from conformance.providers.base import Credentials, CredentialVar, Provider

# Documented on https://docs.lynkwell.com/api ("Basic Authentication" section).
AUDIENCE = "https://api.lynkwell.com"
TOKEN_TIMEOUT = 30


class ClientCredentialsAuth(ProviderAuth):
    """Fetches a token once, caches it, and fetches a new one after a 401 to a request that carried it."""

    def __init__(self, token_url: str, client_id: str, client_secret: str) -> None:
        self.token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._token: str | None = None
        self._lock = threading.Lock()
        self.fetches = 0

    def token(self) -> str:
        with self._lock:
            if self._token is None:
                self._token = self._fetch()
            return self._token

    def _fetch(self) -> str:
        payload = {
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "audience": AUDIENCE,
            "grant_type": "client_credentials",
        }
        guard = transport.current()
        try:
            # Never follows a redirect off the token endpoint's origin: the client secret is in the body.
            with transport.OriginBoundSession() as session:
                response = session.post(self.token_url, json=payload, timeout=guard.timeout if guard else TOKEN_TIMEOUT)
        except requests.RequestException as exc:
            raise TargetUnreachable(
                f"the Lynkwell token endpoint {self.token_url} could not be reached ({type(exc).__name__}); "
                "check the URL or set LYNKWELL_TOKEN_URL."
            ) from None
        self.fetches += 1
        if response.is_redirect:
            raise TargetUnreachable(
                f"the Lynkwell token endpoint {self.token_url} redirected to another origin "
                f"({response.headers.get('Location', '?')}); the client credentials were not sent there; set "
                "LYNKWELL_TOKEN_URL to the token endpoint itself."
            )
        if response.status_code in (401, 403):
            raise UsageError(
                f"the Lynkwell token endpoint {self.token_url} refused the client credentials "
                f"(HTTP {response.status_code}); check LYNKWELL_CLIENT_ID and LYNKWELL_CLIENT_SECRET."
            )
        try:
            token = str(response.json()["access_token"])
        except (ValueError, KeyError, TypeError):
            raise TargetUnreachable(
                f"the Lynkwell token endpoint {self.token_url} answered HTTP {response.status_code} without an "
                "access_token; check LYNKWELL_TOKEN_URL."
            ) from None
        secrets.register([token], token=True)  # every token issued during the run is a secret of the run
        return token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request

    def observe(self, request_headers: Mapping[str, str], status: int) -> None:
        if status != 401:
            return
        sent = {k.lower(): v for k, v in request_headers.items()}.get("authorization")
        with self._lock:
            if self._token is not None and sent == f"Bearer {self._token}":
                self._token = None


class Lynkwell(Provider):
    name = "lynkwell"
    title = "Lynkwell"
    credential_vars = (
        CredentialVar("LYNKWELL_CLIENT_ID", "conformance-client"),
        CredentialVar("LYNKWELL_CLIENT_SECRET", "conformance-secret"),
    )

    # Every answer is a {"data": ...} envelope: a create's object (its id) is inside it.
    created_object = "/data"

    def cleanup_steps(self, operation_id: str, body: Any) -> list[tuple[str, str]]:
        # Archiving a driver removes its PII, the only removal the pages document (Archive a driver,
        # https://docs.lynkwell.com/api/identity/Driver); payment profiles and subscriptions have none documented.
        if operation_id == "createDriver" and isinstance(body, dict) and body.get("id"):
            return [("PATCH", f"/identity/v1/drivers/{body['id']}/archive")]
        return []

    def token_url(self, base_url: str, env: Mapping[str, str] | None = None) -> str:
        """LYNKWELL_TOKEN_URL, else the documented Auth0 URL for Lynkwell's own hosts, else BASE/oauth/token.

        Any other server (a double, a proxy) is expected to issue tokens itself at /oauth/token.
        """
        env = os.environ if env is None else env
        if env.get("LYNKWELL_TOKEN_URL"):
            return env["LYNKWELL_TOKEN_URL"]
        if base_url.rstrip("/") in {s.url.rstrip("/") for s in self.spec.servers}:
            scheme = self.spec.document["components"]["securitySchemes"]
            for definition in scheme.values():
                flow = definition.get("flows", {}).get("clientCredentials")
                if flow:
                    return str(flow["tokenUrl"])
        parts = urlsplit(base_url)
        return f"{parts.scheme}://{parts.netloc}/oauth/token"

    def double_environment(self, base_url: str) -> dict[str, str]:
        # The double issues tokens itself; a client configured by environment must not ask Auth0.
        return {"LYNKWELL_TOKEN_URL": f"{base_url}/oauth/token"}

    def auth(self, credentials: Credentials, base_url: str) -> ProviderAuth:
        return ClientCredentialsAuth(
            self.token_url(base_url), credentials["LYNKWELL_CLIENT_ID"], credentials["LYNKWELL_CLIENT_SECRET"]
        )


PROVIDER = Lynkwell()
