"""The HTTP side of a workflow: calls by operationId through the provider's auth, every exchange kept.

Every request and response is kept, in order, for the evidence of findings (the whole sequence)
and to locate each one in its cassette.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from vcr.errors import CannotOverwriteExistingCassetteException

from conformance.core import form
from conformance.http.auth import ProviderAuth
from conformance.http.ratelimit import RateLimitPolicy, RetryAfterAuth, retry_after_seconds
from conformance.http.transport import OriginBoundSession
from conformance.spec.specs import Operation, Spec


class StaleCassette(Exception):
    """A replay reached a request its cassette holds no answer for."""

    def __init__(self, operation: Operation, where: str) -> None:
        super().__init__(where)
        self.operation = operation
        self.where = where


class TransportFailure(Exception):
    """The request got no HTTP response at all."""

    def __init__(self, operation: Operation, cause: Exception) -> None:
        super().__init__(str(cause))
        self.operation = operation
        self.cause = cause


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as sent and received."""

    index: int  # position in the workflow's sequence
    operation: Operation
    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: bytes | None
    status: int
    content_type: str
    text: str
    body: Any  # the parsed JSON body, or None
    retry_after: float | None = None  # seconds, from a Retry-After header
    attempts: int = 1  # sends of this request: the 429s waited out before this answer, plus one
    json_error: str | None = None  # why a body labelled JSON did not parse
    # time.monotonic() when the request was sent and its answer read: webhooks are judged against them.
    sent_at: float = 0.0
    answered_at: float = 0.0

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class WorkflowClient:
    def __init__(
        self,
        spec: Spec,
        base_url: str,
        auth: ProviderAuth,
        *,
        timeout: float = 10.0,
        rate_limit: RateLimitPolicy | None = None,
        honour_retry_after: bool = True,  # False: resend after a 429 without waiting (replays)
    ) -> None:
        self.spec = spec
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.timeout = timeout
        self.rate_limit = rate_limit or RateLimitPolicy(honour_waits=honour_retry_after)
        # Redirects to another origin are not followed: the provider's credentials go to its origin only.
        self.session = OriginBoundSession()
        # 429s are waited out inside the auth, as for the engine (conformance.http.ratelimit).
        self.session.auth = RetryAfterAuth(auth, self.rate_limit)
        self.exchanges: list[Exchange] = []

    def close(self) -> None:
        self.session.close()

    def call(
        self,
        operation_id: str,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, Any] | None = None,
        json_body: Any = None,
        form_body: bool = False,
    ) -> Exchange:
        """Send one operation; a 429 is retried after its Retry-After, as a well-behaved client does.

        `form_body`: the body goes form-encoded with Stripe's bracket keys, as WooshPay's curl samples send it."""
        operation = self.spec.operations[operation_id]
        url = self.base_url + _fill(operation.path, path or {})
        return self._send(operation, url, query, json_body, form_body)

    def _send(
        self, operation: Operation, url: str, query: Mapping[str, Any] | None, json_body: Any, form_body: bool = False
    ) -> Exchange:
        sent_at = time.monotonic()
        encoded: dict[str, Any] = {"json": json_body}
        if form_body and json_body is not None:
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            encoded = {"data": form.encode(json_body), "headers": headers}
        try:
            response = self.session.request(
                operation.method,
                url,
                params=dict(query) if query else None,
                timeout=self.timeout,
                **encoded,
            )
        except CannotOverwriteExistingCassetteException:
            raise StaleCassette(operation, f"{operation.method} {operation.path}") from None
        except requests.RequestException as exc:
            if _caused_by_cassette(exc):
                raise StaleCassette(operation, f"{operation.method} {operation.path}") from None
            raise TransportFailure(operation, exc) from None
        self.auth.observe(response.request.headers, response.status_code)
        body = response.request.body
        parsed, json_error = _parse_json(response.text, response.headers.get("Content-Type", ""))
        exchange = Exchange(
            index=len(self.exchanges),
            operation=operation,
            method=operation.method,
            url=str(response.request.url),
            request_headers=dict(response.request.headers),
            request_body=body.encode("utf-8") if isinstance(body, str) else body,
            status=response.status_code,
            content_type=response.headers.get("Content-Type", ""),
            text=response.text,
            body=parsed,
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            attempts=1 + sum(1 for earlier in response.history if earlier.status_code == 429),
            json_error=json_error,
            sent_at=sent_at,
            answered_at=time.monotonic(),
        )
        self.exchanges.append(exchange)  # what it created is in the ledger already (conformance.targets)
        return exchange


def _fill(template: str, values: Mapping[str, str]) -> str:
    path = template
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    return path


def _caused_by_cassette(error: BaseException) -> bool:
    """Whether a replay's missing answer hides behind a requests error."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, CannotOverwriteExistingCassetteException):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _parse_json(text: str, content_type: str) -> tuple[Any, str | None]:
    """The JSON body, and why a body labelled JSON is not JSON (None when it is, or is not labelled so)."""
    if not text:
        return None, None
    try:
        return json.loads(text), None
    except ValueError as exc:
        return None, (f"not JSON ({exc})" if "json" in content_type.lower() else None)
