"""`--max-requests` / `--max-duration` over real HTTP against the doubles: the run stops at its budget (clean-up
included: a reserve is kept for it), counts every request the double served, says what it did not reach, and
leaves no open object of its own; without a budget nothing is said."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.cli.main import main
from conformance.http import budget
from conformance.sandbox.double import ProviderDouble
from conformance.targets.double_server import running_double

OPEN = {"invoices": {"draft", "open"}, "subscriptions": {"active", "trialing", "past_due", "incomplete", "unpaid"}}
FEW = settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class Served:
    """Requests the doubles of this process served, counted on the server's side of the socket."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Served:
    counter = Served()
    handle = ProviderDouble.handle

    def counting(self: ProviderDouble, request: Any) -> Any:
        with counter._lock:
            counter.count += 1
        return handle(self, request)

    monkeypatch.setattr(ProviderDouble, "handle", counting)
    return counter


def _findings(report_dir: Path) -> dict[str, Any]:
    return dict(json.loads((report_dir / "findings.json").read_text()))


@FEW
@given(limit=st.integers(min_value=5, max_value=160))
def test_a_sandbox_run_stops_at_its_budget_and_names_what_it_did_not_reach(
    limit: int, served: Served, tmp_path_factory: pytest.TempPathFactory
) -> None:
    reports = tmp_path_factory.mktemp("budget")
    before = served.count
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--target",
            "sandbox",
            "--provider",
            "useepay",
            "--no-audit",
            "--max-examples",
            "2",
            "--max-requests",
            str(limit),
            "--report-dir",
            str(reports),
        ],
    )
    assert result.exit_code in (0, 1), result.output
    sent = served.count - before
    assert sent <= limit
    document = _findings(reports)
    spent = document["run"]["budget"]
    assert spent["spent"] + spent["cleanup"] == sent, "every request the doubles served is counted"
    assert spent["exhausted"] == "requests"  # the whole useepay run takes far more than 160 requests
    coverage = document["coverage"]
    unreached = spent["not_reached"]["useepay"]
    named = [*unreached["operations"], *(f"workflow {s}" for s in unreached["scenarios"])]
    assert named, "a run cut this short cannot have reached every operation and scenario"
    assert coverage["useepay"]["not_reached"] == named
    assert "Budget spent (--max-requests" in result.output
    for name in named:
        assert name in result.output


@FEW
@given(limit=st.integers(min_value=30, max_value=260))
def test_a_live_run_within_its_budget_keeps_a_reserve_and_leaves_no_open_object(
    limit: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    reports = tmp_path_factory.mktemp("live-budget")
    with running_double("wooshpay", demo_data=True) as running:
        double: Any = running.double
        demo = {store: set(getattr(double, store)) for store in OPEN}
        before = double.requests_seen
        result = CliRunner().invoke(
            main,
            [
                "run",
                "--base-url",
                f"wooshpay={running.base_url}",
                "--provider",
                "wooshpay",
                "--no-audit",
                "--max-examples",
                "2",
                "--max-requests",
                str(limit),
                "--report-dir",
                str(reports),
            ],
            env=running.credentials,
        )
        assert result.exit_code in (0, 1), result.output
        sent = double.requests_seen - before
        spent = _findings(reports)["run"]["budget"]
        assert sent <= limit, "clean-up included: its reserve was kept"
        assert spent["spent"] + spent["cleanup"] == sent
        left = {
            store: {
                key
                for key, o in getattr(double, store).items()
                if key not in demo[store] and o["status"] in OPEN[store]
            }
            for store in OPEN
        }
        assert left == {"invoices": set(), "subscriptions": set()}, left


def test_the_first_requests_reach_every_operation_before_any_operation_gets_more(
    served: Served, tmp_path: Path
) -> None:
    # A budget far below the whole run, enough for the first pass (one case per operation, 97 on WooshPay).
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--target",
            "sandbox",
            "--provider",
            "wooshpay",
            "--no-audit",
            "--no-workflows",
            "--max-examples",
            "1",
            "--max-requests",
            "140",
            "--report-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code in (0, 1), result.output
    document = _findings(tmp_path)
    assert document["run"]["budget"]["exhausted"] == "requests"
    assert document["run"]["budget"]["not_reached"] == {}, "every operation got its first exchange"
    wooshpay = document["coverage"]["wooshpay"]
    assert set(wooshpay["called"]) == set(wooshpay["operations"])


def _small_useepay_run(tmp_path: Path, *budget: str) -> Result:
    args = ["run", "--target", "sandbox", "--provider", "useepay", "--no-audit", "--no-workflows"]
    args += ["--include-operation-id", "listInvoices", "--max-examples", "2", *budget, "--report-dir", str(tmp_path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 1), result.output
    return result


def test_without_a_budget_nothing_is_said(served: Served, tmp_path: Path) -> None:
    result = _small_useepay_run(tmp_path)
    document = _findings(tmp_path)
    assert "budget" not in document["run"]
    assert all("not_reached" not in c for c in document["coverage"].values())
    assert "Budget" not in result.output
    assert "not reached" not in result.output


def test_a_budget_that_lasts_says_nothing_of_unreached_work(served: Served, tmp_path: Path) -> None:
    result = _small_useepay_run(tmp_path, "--max-requests", "100000", "--max-duration", "1h")
    spent = _findings(tmp_path)["run"]["budget"]
    assert spent["exhausted"] is None
    assert spent["not_reached"] == {}
    assert spent["gaps"] == []
    assert spent["spent"] > 0
    assert spent["max_duration"] == 3600
    assert "Budget" not in result.output


def test_a_spent_duration_stops_the_run_cleanly(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "run",
            "--target",
            "sandbox",
            "--provider",
            "useepay",
            "--no-audit",
            "--max-duration",
            "0.001s",
            "--report-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    spent = _findings(tmp_path)["run"]["budget"]
    assert spent["exhausted"] == "duration"
    assert "Budget spent (--max-duration 0.001 s" in result.output


@pytest.mark.parametrize("option", [["--max-requests", "10"], ["--max-duration", "15m"]])
def test_a_budget_for_a_replay_is_a_usage_error(option: list[str], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", "--provider", "useepay", *option, "--report-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "a replay sends none" in result.output
    assert not (tmp_path / "findings.json").exists()


@pytest.mark.parametrize("value", ["fast", "0", "-5s", "10d", ""])
def test_a_bad_duration_is_a_usage_error(value: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["run", "--target", "sandbox", "--max-duration", value, "--report-dir", str(tmp_path)]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


@given(text=st.sampled_from(["90", "90s", "15m", "1.5h", "0.5s"]))
def test_durations_read_as_the_options_say(text: str) -> None:
    seconds = budget.parse_duration(text)
    number = float(text.rstrip("smh"))
    assert seconds == number * {"s": 1, "m": 60, "h": 3600}.get(text[-1], 1)


@given(
    limit=st.integers(min_value=1, max_value=40),
    steps=st.lists(st.tuples(st.sampled_from(["plain", "create", "refused"]), st.integers(0, 3)), max_size=60),
)
def test_the_reserve_keeps_work_and_teardown_within_the_limit(limit: int, steps: list[tuple[str, int]]) -> None:
    """Whatever requests come, a request that may create an object is admitted only with room for its removal,
    and the removal of every object created then fits: work and clean-up together stay within the limit."""
    spending = budget.Budget(max_requests=limit)
    created: list[int] = []
    for kind, teardown in steps:
        cost = 0 if kind == "plain" else teardown
        try:
            spending.admit(cost)
        except budget.BudgetSpent:
            continue
        if kind == "create":
            spending.hold(teardown)
            created.append(teardown)
        spending.release(cost)
    with budget.teardown():
        for requests in created:
            for _ in range(requests):
                spending.admit()  # never refused
    assert spending.spent + spending.cleanup <= limit
    assert spending.cleanup == sum(created)


@pytest.mark.parametrize(("limit", "whole"), [("12", False), ("100000", True)], ids=["cut", "lasting"])
def test_a_recording_cut_by_its_budget_replaces_no_cassette(limit: str, whole: bool, tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    with running_double("useepay", demo_data=True) as running:
        result = CliRunner().invoke(
            main,
            [
                "run",
                "--target",
                "record",
                "--base-url",
                f"useepay={running.base_url}",
                "--provider",
                "useepay",
                "--no-audit",
                "--no-workflows",
                "--include-operation-id",
                "listInvoices",
                "--max-examples",
                "1",
                "--max-requests",
                limit,
                "--cassette-dir",
                str(cassettes),
                "--report-dir",
                str(tmp_path / "reports"),
            ],
            env=running.credentials,
        )
    assert result.exit_code in (0, 1), result.output
    written = sorted(p.name for p in cassettes.rglob("*.yaml"))
    assert bool(written) == whole, written
    assert ("no cassette was replaced" in result.output) != whole
    assert not list(cassettes.rglob(".*.recording")), "no staging file is left behind"
