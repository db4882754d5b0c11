"""429 + Retry-After: waited out by every client, capped, and reported once when it never ends (issue #10, item 5).

Measured: the engine sent 565 requests in 18 s against `Retry-After: 1` and reported the 429s as
findings; only the workflow client waited. Over real HTTP against the doubles' `rate_limited` fault.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from conformance.engine.runner import EngineResult, EngineRun
from conformance.engine.settings import Settings
from conformance.findings.model import Source
from conformance.http.ratelimit import RateLimitPolicy, retry_after_seconds
from conformance.providers import get_provider
from conformance.scenarios.client import WorkflowClient
from conformance.targets.double_server import RunningDouble, running_double

LIST = {"wooshpay": "listInvoices", "useepay": "listInvoices", "lynkwell": "listInvoices"}


@contextmanager
def limited(provider: str, answers: int) -> Iterator[RunningDouble]:
    """A double whose first `answers` requests get 429 with Retry-After: 1."""
    with running_double(provider, faults=("rate_limited",), demo_data=True) as double:
        double.double.rate_limited_requests = answers  # type: ignore[misc]
        yield double


class Clock:
    """A sleep that records what it was asked to wait (and waits for real when told to)."""

    def __init__(self, real: bool = False) -> None:
        self.waits: list[float] = []
        self.real = real

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.real:
            time.sleep(seconds)


def _engine(double: RunningDouble, policy: RateLimitPolicy) -> tuple[EngineRun, EngineResult]:
    provider = double.provider
    run = EngineRun(
        provider=provider,
        spec=provider.spec,
        base_url=double.base_url,
        auth=provider.auth(double.credentials, double.base_url),
        settings=Settings(max_examples=1, stateful=False),
        source=Source.LIVE,
        secrets=[],
        safe_methods_only=True,  # fewer operations, same clients
        rate_limit=policy,
    )
    return run, run.execute()


def _count_limited(double: RunningDouble, header: str, value: str) -> list[int]:
    """Count the 429s the double gives to requests with valid credentials (probes and auth checks have none)."""
    counted = [0]
    handle = double.double.handle

    def counting(request):  # type: ignore[no-untyped-def]
        response = handle(request)
        if response.status_code == 429 and request.headers.get(header) == value:
            counted[0] += 1
        return response

    double.double.handle = counting  # type: ignore[method-assign]
    return counted


def test_the_engine_waits_out_retry_after_and_reports_nothing() -> None:
    clock = Clock(real=True)
    policy = RateLimitPolicy(sleep=clock)
    with limited("useepay", 6) as double:
        limited_answers = _count_limited(double, "x-api-key", double.credentials["USEEPAY_API_KEY"])
        started = time.monotonic()
        run, result = _engine(double, policy)
        elapsed = time.monotonic() - started
    assert limited_answers[0] >= 1
    assert policy.retries == limited_answers[0]
    assert clock.waits == [1.0] * policy.retries
    assert policy.waited == float(policy.retries)
    assert elapsed >= policy.waited
    assert policy.gave_up is None
    assert run.finish(None) + result.findings == []


def test_the_workflow_client_waits_out_retry_after_in_the_same_way() -> None:
    clock = Clock()
    policy = RateLimitPolicy(sleep=clock)
    with limited("wooshpay", 2) as double:
        provider = get_provider("wooshpay")
        client = WorkflowClient(
            provider.spec, double.base_url, provider.auth(double.credentials, double.base_url), rate_limit=policy
        )
        exchange = client.call("listInvoices")
        client.close()
    assert (exchange.status, exchange.attempts) == (200, 3)
    assert (policy.retries, policy.waited, clock.waits) == (2, 2.0, [1.0, 1.0])


def test_endless_429s_are_reported_once_after_n_in_a_row_and_the_run_moves_on() -> None:
    clock = Clock()
    policy = RateLimitPolicy(sleep=clock, max_consecutive=4)
    # More 429s than the policy retries, then real answers: the run must go on to judge those.
    with limited("lynkwell", 8) as double:
        run, result = _engine(double, policy)
        sent = double.double.requests_seen
    assert (policy.retries, clock.waits) == (4, [1.0] * 4)
    assert policy.gave_up == "5 consecutive 429 answers"
    findings = run.finish(None) + result.findings
    assert [(f.kind, f.check, f.severity.value) for f in findings] == [
        ("transport_error", "transport.rate_limited", "non_breaking")
    ]
    assert "waited 4 s over 4 retries" in findings[0].observed
    # After giving up, each request is sent once: no more waiting, no more retries.
    probes = len(run._first_success)  # one unauthenticated resend per operation that answered 2xx
    assert sent <= result.requests + 4 + 2 + probes  # + the retries, token fetches and the auth probes


def test_a_retry_after_past_the_cap_is_not_waited_and_reported_once() -> None:
    clock = Clock()
    policy = RateLimitPolicy(sleep=clock, max_wait=0.5)
    with limited("useepay", 3) as double:
        run, result = _engine(double, policy)
    assert (policy.retries, policy.waited, clock.waits) == (0, 0.0, [])
    assert policy.gave_up == "Retry-After asked for 1 s, more than the 0.5 s cap"
    findings = run.finish(None) + result.findings
    assert [f.check for f in findings] == ["transport.rate_limited"]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("3", 3.0), ("0", 0.0), ("-5", 0.0), ("soon", None), (None, None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value) == seconds
