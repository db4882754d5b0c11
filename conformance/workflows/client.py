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

from conformance.providers.base import ProviderAuth
from conformance.specs import Operation, Spec
from conformance.transport import OriginBoundSession

MAX_RETRY_AFTER = 10.0  # seconds; a longer Retry-After is cut short rather than stalling the run
RATE_LIMIT_RETRIES = 3


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

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class WorkflowClient:
    def __init__(
        self, spec: Spec, base_url: str, auth: ProviderAuth, *, timeout: float = 10.0, honour_retry_after: bool = True
    ) -> None:
        self.spec = spec
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.timeout = timeout
        self.honour_retry_after = honour_retry_after
        # Redirects to another origin are not followed: the provider's credentials go to its origin only.
        self.session = OriginBoundSession()
        self.session.auth = auth
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
    ) -> Exchange:
        """Send one operation; a 429 is retried after its Retry-After, as a well-behaved client does."""
        operation = self.spec.operations[operation_id]
        url = self.base_url + _fill(operation.path, path or {})
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            exchange = self._send(operation, url, query, json_body)
            if exchange.status != 429 or attempt == RATE_LIMIT_RETRIES:
                break
            self._wait(exchange)
        return exchange

    def _send(self, operation: Operation, url: str, query: Mapping[str, Any] | None, json_body: Any) -> Exchange:
        try:
            response = self.session.request(
                operation.method,
                url,
                params=dict(query) if query else None,
                json=json_body,
                timeout=self.timeout,
            )
        except CannotOverwriteExistingCassetteException:
            raise StaleCassette(operation, f"{operation.method} {operation.path}") from None
        except requests.RequestException as exc:
            if _caused_by_cassette(exc):
                raise StaleCassette(operation, f"{operation.method} {operation.path}") from None
            raise TransportFailure(operation, exc) from None
        self.auth.observe(response.request.headers, response.status_code)
        body = response.request.body
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
            body=_json_or_none(response.text),
            retry_after=_seconds(response.headers.get("Retry-After")),
        )
        self.exchanges.append(exchange)
        return exchange

    def _wait(self, exchange: Exchange) -> None:
        if self.honour_retry_after:
            time.sleep(min(exchange.retry_after if exchange.retry_after is not None else 1.0, MAX_RETRY_AFTER))


def _seconds(value: str | None) -> float | None:
    """Retry-After in seconds (an HTTP date is taken as one second: rare, and never worth a long wait)."""
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        return 1.0


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


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
