"""429 Too Many Requests with Retry-After, waited out the same way by every client of a run.

A requests auth wrapper: the engine (through schemathesis's `set_from_requests`) and the workflow
client both send through a provider's requests auth, so the retry lives there and neither client
sees the 429s it waited out. Each wait is capped (`max_wait`); a Retry-After beyond the cap, or
`max_consecutive` 429s in a row, makes the run stop waiting and report the rate limiting once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from conformance.core.kinds import Kind
from conformance.findings.model import Finding, Source, make_finding

if TYPE_CHECKING:
    from conformance.spec.specs import Spec

DEFAULT_MAX_WAIT = 60.0  # seconds
DEFAULT_MAX_CONSECUTIVE = 5
NO_RETRY_AFTER_WAIT = 1.0  # a 429 that names no wait is retried after one second


@dataclass
class RateLimitPolicy:
    """How long to wait, and what was waited, over one provider's run (shared by its clients)."""

    max_wait: float = DEFAULT_MAX_WAIT
    max_consecutive: int = DEFAULT_MAX_CONSECUTIVE
    # Replays answer from the cassette at once: the recorded retries are resent without waiting.
    honour_waits: bool = True
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    waited: float = 0.0
    retries: int = 0
    consecutive: int = 0
    gave_up: str | None = None  # why the run stopped waiting, reported once
    gave_up_on: tuple[str, str] | None = None  # (method, url) of the request it stopped on

    def next_wait(self, response: requests.Response) -> float | None:
        """Seconds to wait before resending, or None to give the 429 back (and stop waiting from now on)."""
        if self.gave_up is not None:
            return None
        delay = retry_after_seconds(response.headers.get("Retry-After"))
        wait = NO_RETRY_AFTER_WAIT if delay is None else delay
        if wait > self.max_wait:
            self._give_up(response, f"Retry-After asked for {wait:g} s, more than the {self.max_wait:g} s cap")
            return None
        if self.consecutive >= self.max_consecutive:
            self._give_up(response, f"{self.consecutive + 1} consecutive 429 answers")
            return None
        return wait

    def waited_out(self, seconds: float) -> None:
        self.consecutive += 1
        self.retries += 1
        self.waited += seconds
        if self.honour_waits and seconds > 0:
            self.sleep(seconds)

    def answered(self) -> None:
        self.consecutive = 0

    def _give_up(self, response: requests.Response, why: str) -> None:
        self.gave_up = why
        request = response.request
        self.gave_up_on = (str(request.method), str(request.url))


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); None if absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


class RetryAfterAuth(requests.auth.AuthBase):
    """The provider's auth, plus waiting out 429s: the caller gets the first non-429 answer."""

    def __init__(self, inner: requests.auth.AuthBase | None, policy: RateLimitPolicy) -> None:
        self.inner = inner
        self.policy = policy

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self.inner is not None:
            request = self.inner(request)
        request.register_hook("response", self._on_response)  # type: ignore[no-untyped-call]  # unannotated in the stubs
        return request

    def _on_response(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        history: list[requests.Response] = []
        while response.status_code == 429:
            wait = self.policy.next_wait(response)
            if wait is None:
                break
            self.policy.waited_out(wait)
            response.content  # noqa: B018 - read it whole, so the connection can be reused
            response.close()
            history.append(response)
            request = response.request.copy()
            response = response.connection.send(request, **kwargs)
            response.request = request
        if response.status_code != 429:
            self.policy.answered()
        response.history = [*response.history, *history]
        return response


def rate_limit_finding(spec: Spec, title: str, policy: RateLimitPolicy, source: Source) -> Finding | None:
    """The one finding for a run that stopped waiting out 429s, or None when every 429 was waited out."""
    if policy.gave_up is None or policy.gave_up_on is None:
        return None
    method, url = policy.gave_up_on
    path = urlsplit(url).path
    operation = spec.operation_at(method, path)
    return make_finding(
        provider=spec.provider,
        operation=operation.operation_id if operation else f"{method} {path}",
        method=method,
        path=operation.path if operation else path,
        kind=Kind.TRANSPORT_ERROR,
        pointer="",
        expected=f"answers within the {policy.max_wait:g} s Retry-After cap",
        observed=f"rate limited: {policy.gave_up} (waited {policy.waited:g} s over {policy.retries} retries)",
        message=(
            f"{title} kept answering 429 ({policy.gave_up}); the run stopped waiting and judged no "
            "rate-limited answer. Raise --max-retry-after, or throttle the run with --rate-limit."
        ),
        source=source,
        doc_ref=operation.doc_ref if operation else "",
        check="transport.rate_limited",
    )


_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def share_of(total: str, shards: int) -> str:
    """One shard's part of a quota `total` (N/UNIT, schemathesis's syntax) shared by `shards` parallel runs:
    rounded down, so that the shards together never exceed it; in the same unit while it stays at least 1,
    else in the first longer unit where it does (10/s over 3 shards: 3/s each; 2/s over 3: 40/m each)."""
    count, _, unit = total.partition("/")
    per_second = int(count) / _UNIT_SECONDS[unit]
    units = list(_UNIT_SECONDS)
    for candidate in units[units.index(unit) :]:
        share = int(per_second * _UNIT_SECONDS[candidate] / shards + 1e-9)
        if share >= 1:
            return f"{share}/{candidate}"
    return f"1/{units[-1]}"  # below one request a day each: the slowest pace the syntax has
