"""What every HTTP client of the suite shares: end-to-end deadlines, a response size cap, a circuit
breaker for targets that keep failing at transport level, redirects that never leave the origin,
and the registration of every credential, token and cookie that crosses the wire.

`guarded(...)` wraps requests' HTTPAdapter.send for its block, so schemathesis's sessions, the
workflow client, the token fetch, the probes and the clean-up are all covered. requests' own
timeout bounds each socket operation only: a server trickling one byte a second never trips it.
Here a timer shuts the connection's socket down when the deadline passes, whatever phase the
request is in (connect is bounded by its own timeout), so one attempt lasts at most the timeout.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.connection
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from conformance.cassettes.scrub import COOKIE_HEADERS, cookie_values
from conformance.core import secrets
from conformance.core.errors import interruption_deferred
from conformance.http import budget

DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
# Consecutive failed attempts (no HTTP answer in between) after which a target is given up on.
TRIP_AFTER = 5
CHUNK = 64 * 1024


class DeadlineExceeded(requests.exceptions.Timeout):
    """No complete answer within the request timeout (connect, headers and the whole body)."""


class ResponseTooLarge(requests.exceptions.RequestException):
    """The answer is larger than the response size cap; it was not read further."""


class TargetGivenUp(requests.exceptions.ConnectionError):
    """The target failed at transport level too many times in a row: no more requests are sent."""


@dataclass
class Guard:
    timeout: float
    max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    retries: int = 2
    consecutive_failures: int = 0
    answers: int = 0
    tripped: bool = False
    last_error: str = ""
    # Told of every answer as soon as it is read, in the thread that sent the request (the clean-up ledger).
    on_answer: Callable[[requests.PreparedRequest, requests.Response], None] | None = None
    # What goes on the wire instead of the request (the run's tag); the caller still sees its own request.
    prepare: Callable[[requests.PreparedRequest], requests.PreparedRequest] | None = None
    # The most requests removing what this request may create takes (the budget keeps them in reserve).
    teardown_cost: Callable[[requests.PreparedRequest], int] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            self.consecutive_failures += 1
            self.last_error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            if self.consecutive_failures >= TRIP_AFTER:
                self.tripped = True

    def answered(self) -> None:
        with self._lock:
            self.consecutive_failures = 0
            self.answers += 1


_stack: list[Guard] = []
_local = threading.local()
_original_send = HTTPAdapter.send
_original_request = urllib3.connection.HTTPConnection.request


def current() -> Guard | None:
    return _stack[-1] if _stack else None


@contextmanager
def guarded(
    timeout: float,
    max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    retries: int = 2,
    on_answer: Callable[[requests.PreparedRequest, requests.Response], None] | None = None,
    prepare: Callable[[requests.PreparedRequest], requests.PreparedRequest] | None = None,
    teardown_cost: Callable[[requests.PreparedRequest], int] | None = None,
) -> Iterator[Guard]:
    """Every request made in this block obeys a fresh guard (one per provider: its own breaker)."""
    guard = Guard(
        timeout=timeout,
        max_bytes=max_bytes,
        retries=retries,
        on_answer=on_answer,
        prepare=prepare,
        teardown_cost=teardown_cost,
    )
    _stack.append(guard)
    HTTPAdapter.send = _guarded_send  # type: ignore[method-assign]
    urllib3.connection.HTTPConnection.request = _capturing_request  # type: ignore[method-assign]
    try:
        yield guard
    finally:
        _stack.remove(guard)
        if not _stack:
            HTTPAdapter.send = _original_send  # type: ignore[method-assign]
            urllib3.connection.HTTPConnection.request = _original_request  # type: ignore[method-assign]


def _capturing_request(self: Any, *args: Any, **kwargs: Any) -> Any:
    # The connection a guarded send uses, so that its deadline can shut the socket down; and the
    # socket itself once connected: an answer that closes the connection (Connection: close, HTTP/1.0)
    # takes the socket from the connection (sock = None) while its body is still being read.
    sink = getattr(_local, "sink", None)
    if sink is not None:
        sink.append(self)
    try:
        return _original_request(self, *args, **kwargs)
    finally:
        if sink is not None and isinstance(getattr(self, "sock", None), socket.socket):
            sink.append(self.sock)


def _guarded_send(self: HTTPAdapter, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
    guard = current()
    if guard is None:
        return _original_send(self, request, *args, **kwargs)
    # Bounded by the deadline: an interruption waits for the answer, so that what it says is not lost.
    with interruption_deferred():
        return _send_guarded(self, guard, request, *args, **kwargs)


def _send_guarded(
    self: HTTPAdapter, guard: Guard, request: requests.PreparedRequest, *args: Any, **kwargs: Any
) -> requests.Response:
    spending = budget.current()
    cost = 0
    if spending is not None and guard.teardown_cost is not None and not budget.tearing_down():
        cost = guard.teardown_cost(request)
    sent = guard.prepare(request) if guard.prepare is not None else request
    if spending is None:
        return _send_attempts(self, guard, request, sent, None, *args, **kwargs)
    if guard.tripped:
        raise TargetGivenUp(f"given up after {TRIP_AFTER} transport failures in a row ({guard.last_error})")
    spending.admit(cost)  # BudgetSpent: nothing is sent, nothing is held
    try:
        return _send_attempts(self, guard, request, sent, spending, *args, **kwargs)
    finally:
        spending.release(cost)  # what the answer created is held by on_answer (conformance.targets)


def _send_attempts(
    self: HTTPAdapter,
    guard: Guard,
    request: requests.PreparedRequest,
    sent: requests.PreparedRequest,
    spending: budget.Budget | None,
    *args: Any,
    **kwargs: Any,
) -> requests.Response:
    attempt = 0
    while True:
        if guard.tripped:
            raise TargetGivenUp(f"given up after {TRIP_AFTER} transport failures in a row ({guard.last_error})")
        if spending is not None and attempt:
            spending.admit()  # every attempt counts (the first was admitted by the caller)
        try:
            response = _attempt(self, sent, guard, *args, **kwargs)
        except ResponseTooLarge:
            guard.answered()  # the server did answer; the answer is reported, not retried
            raise
        except requests.exceptions.RequestException as exc:
            guard.failed(exc)
            # A deadline already took the whole timeout; retrying would multiply the bound.
            if attempt >= guard.retries or isinstance(exc, DeadlineExceeded) or guard.tripped:
                raise
            attempt += 1
            time.sleep(min(0.25 * attempt, 1.0))
            continue
        guard.answered()
        response.request = request  # what was added on the wire (the run's tag) is the transport's alone
        _learn_secrets(sent, response)
        if guard.on_answer is not None:
            guard.on_answer(request, response)
        return response


def _attempt(
    adapter: HTTPAdapter, request: requests.PreparedRequest, guard: Guard, *args: Any, **kwargs: Any
) -> requests.Response:
    kwargs["stream"] = True  # streamed, so the body is read under the deadline and the cap
    kwargs["timeout"] = (guard.timeout, guard.timeout)
    sink: list[Any] = []
    fired = threading.Event()

    def expire() -> None:
        fired.set()
        for held in list(sink):
            sock = held if isinstance(held, socket.socket) else getattr(held, "sock", None)
            if isinstance(sock, socket.socket):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(guard.timeout, expire)
    timer.daemon = True
    _local.sink = sink
    timer.start()
    try:
        response = _original_send(adapter, request, *args, **kwargs)
        _local.sink = None
        _read_capped(response, guard.max_bytes)
        if fired.is_set():
            raise DeadlineExceeded(f"no complete answer within {guard.timeout:g} s")
        return response
    except requests.exceptions.RequestException as exc:
        if fired.is_set() and not isinstance(exc, ResponseTooLarge):
            raise DeadlineExceeded(f"no complete answer within {guard.timeout:g} s", request=request) from None
        raise
    except urllib3.exceptions.HTTPError as exc:  # raised unwrapped where vcrpy reads the body (recording)
        if fired.is_set():
            raise DeadlineExceeded(f"no complete answer within {guard.timeout:g} s", request=request) from None
        if isinstance(exc, urllib3.exceptions.DecodeError):
            raise requests.exceptions.ContentDecodingError(exc, request=request) from None
        raise requests.exceptions.ConnectionError(exc, request=request) from None
    except OSError as exc:  # a socket shut down under a reader that does not wrap its errors
        if fired.is_set():
            raise DeadlineExceeded(f"no complete answer within {guard.timeout:g} s", request=request) from None
        raise requests.exceptions.ConnectionError(exc, request=request) from None
    finally:
        _local.sink = None
        timer.cancel()


def _read_capped(response: requests.Response, max_bytes: int) -> None:
    """Read the whole body now (under the deadline), never more than `max_bytes` of it once decoded."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise ResponseTooLarge(
            f"the answer declares {int(declared)} bytes, more than the {max_bytes}-byte cap (--max-response-bytes)",
            response=response,
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            response.close()
            raise ResponseTooLarge(
                f"the answer is larger than the {max_bytes}-byte cap (--max-response-bytes)", response=response
            )
        chunks.append(chunk)
    response._content = b"".join(chunks)
    response._content_consumed = True  # type: ignore[attr-defined]  # private flag the stubs omit


def _learn_secrets(request: requests.PreparedRequest, response: requests.Response) -> None:
    """Credentials sent, tokens and cookies received: all secrets of the run from now on."""
    credentials: list[str] = []
    tokens: list[str] = []
    for name, value in request.headers.items():
        lower = name.lower()
        if lower in secrets.credential_headers():
            scheme, _, credential = value.partition(" ")
            if credential and scheme.lower() in ("bearer", "token"):
                tokens.append(credential)
            elif not credential or scheme.lower() != "basic":
                credentials.append(value)  # Basic's user and password are registered by the provider
        elif lower in COOKIE_HEADERS:
            tokens.extend(cookie_values(value))
    raw = getattr(response.raw, "headers", None)
    set_cookies = raw.getlist("Set-Cookie") if raw is not None and hasattr(raw, "getlist") else []
    for header in set_cookies:
        tokens.extend(cookie_values(header))
    secrets.register(v for v in credentials if v and v != secrets.REDACTED)
    secrets.register((v for v in tokens if v and v != secrets.REDACTED), token=True)
    for value in _answered_secrets(response):
        prefix = re.match(r"[a-z]+_", value)  # a documented kind prefix (whsec_, pi_) is not the secret
        secrets.register([value], token=True, public_prefix=prefix.group(0) if prefix else "")


def _answered_secrets(response: requests.Response) -> list[str]:
    """Values a JSON answer hands over as secrets (`secret`, `*_secret`: a webhook endpoint's signing secret,
    Stripe's client_secret), at the top or in a `{"data": ...}` envelope: whichever process or double made them,
    they are secrets of the run from the moment they are read."""
    if "json" not in (response.headers.get("Content-Type") or "") or not response.content:
        return []
    try:
        body = json.loads(response.content)
    except ValueError:
        return []
    found: list[str] = []
    for level in (body, body.get("data") if isinstance(body, dict) else None):
        if isinstance(level, dict):
            found += [
                v
                for k, v in level.items()
                if (k == "secret" or k.endswith("_secret")) and isinstance(v, str) and v and v != secrets.REDACTED
            ]
    return found


def same_origin(a: str, b: str) -> bool:
    x, y = urlsplit(a), urlsplit(b)
    return (x.scheme, x.hostname, x.port or _default_port(x.scheme)) == (
        y.scheme,
        y.hostname,
        y.port or _default_port(y.scheme),
    )


def _default_port(scheme: str) -> int | None:
    return {"http": 80, "https": 443}.get(scheme)


class OriginBoundSession(requests.Session):
    """Follows a redirect only within the origin it was sent to: credentials go nowhere else.

    A redirect elsewhere is returned as it is (the 3xx), for the caller to judge and report.
    """

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        target = super().get_redirect_target(resp)
        if target is None:
            return None
        from urllib.parse import urljoin

        return target if same_origin(resp.url, urljoin(resp.url, target)) else None
