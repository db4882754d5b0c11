"""Reusing one served double across tests: restart() is a new double, inject() switches faults on mid-run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from pytest_recording import network

from conformance.core.errors import UsageError
from conformance.targets.double_server import RunningDouble, running_double


@pytest.fixture
def double() -> Iterator[RunningDouble]:
    with running_double("wooshpay", seed=3) as running:
        yield running


def _session(running: RunningDouble) -> requests.Session:
    session = requests.Session()
    session.auth = running.provider.auth(running.credentials, running.base_url)
    return session


def _bill(running: RunningDouble, amounts: list[int]) -> list[dict[str, Any]]:
    """A customer, a draft with `amounts`, finalized, retrieved: every answer, in order."""
    session, base = _session(running), running.base_url
    answers = [session.post(f"{base}/v1/customers", json={"name": "Ada"}, timeout=10).json()]
    answers.append(session.post(f"{base}/v1/invoices", json={"customer": answers[0]["id"]}, timeout=10).json())
    invoice = answers[-1]["id"]
    lines = {"lines": [{"amount": a, "description": "Work"} for a in amounts]}
    answers.append(session.post(f"{base}/v1/invoices/{invoice}/add_lines", json=lines, timeout=10).json())
    answers.append(session.post(f"{base}/v1/invoices/{invoice}/finalize", timeout=10).json())
    answers.append(session.get(f"{base}/v1/invoices/{invoice}", timeout=10).json())
    return answers


def _without_clock(answers: list[dict[str, Any]]) -> list[Any]:
    # Timestamps follow the wall clock; everything else (ids, numbers, states) must repeat exactly.
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if not isinstance(v, int) or v < 1_000_000_000}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return [strip(a) for a in answers]


def test_restart_answers_exactly_like_a_new_double(double: RunningDouble) -> None:
    first = _bill(double, [300, 200])
    double.double.restart()
    assert double.double.invoices == {}
    assert double.double.requests_seen == 0
    again = _bill(double, [300, 200])
    with running_double("wooshpay", seed=3) as fresh:
        new = _bill(fresh, [300, 200])
    assert _without_clock(again) == _without_clock(new) == _without_clock(first)


def test_restart_sets_exactly_the_faults_given(double: RunningDouble) -> None:
    double.double.restart(["totals_mismatch"])
    assert _bill(double, [300, 200])[-1]["total"] == 501
    double.double.restart()
    assert not double.double.faults
    assert _bill(double, [300, 200])[-1]["total"] == 500


def test_inject_applies_from_the_next_request(double: RunningDouble) -> None:
    answers = _bill(double, [300, 200])
    assert answers[-1]["total"] == 500
    double.double.inject("totals_mismatch")
    again = _session(double).get(f"{double.base_url}/v1/invoices/{answers[-1]['id']}", timeout=10).json()
    assert again["total"] == 501
    assert double.double.faults.names == {"totals_mismatch"}


def test_inject_rate_limited_limits_the_next_requests(double: RunningDouble) -> None:
    _bill(double, [100])
    double.double.inject("rate_limited")
    statuses = [_session(double).get(f"{double.base_url}/v1/invoices", timeout=10).status_code for _ in range(4)]
    assert statuses == [429, 429, 429, 200]


def test_inject_refuses_an_unknown_fault(double: RunningDouble) -> None:
    with pytest.raises(UsageError, match="unknown fault 'no_such_fault'"):
        double.double.inject("no_such_fault")
    assert not double.double.faults


def test_block_network_lets_the_double_through_only_with_allowed_hosts(double: RunningDouble) -> None:
    """What docs/plugin.md tells pytest-recording users: --block-network needs --allowed-hosts=127.0.0.1."""
    url = f"{double.base_url}/v1/invoices"
    with network.blocking_context(allowed_hosts=["127.0.0.1"]):
        assert _session(double).get(url, timeout=10).status_code == 200
    with network.blocking_context(allowed_hosts=None), pytest.raises(RuntimeError, match="Network is disabled"):
        _session(double).get(url, timeout=10)
