"""The lifecycle probe: every rule of every provider's x-lifecycle, flipped alone in its double, is caught;
the clean doubles pass; states no documented operation reaches are said to be unreachable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance.checks.lifecycle import Rule, require_lifecycle
from conformance.core.kinds import Kind
from conformance.findings.model import Source
from conformance.providers import get_provider
from conformance.providers.wooshpay.double import WooshPayDouble
from conformance.sandbox.double import ApiError
from conformance.scenarios.lifecycle_probe import ProbeDriver, probe
from conformance.scenarios.scenario import Scenario
from conformance.targets.double_server import running_double
from conformance.workflows.runner import ScenarioOutcome, Target, replay, run_live
from tests.workflows.conftest import WORKFLOWS, committed_cassette, network_blocked

LIFECYCLES = {name: require_lifecycle(get_provider(name).spec) for name in WORKFLOWS}


def _driver(provider: str) -> ProbeDriver:
    return __import__(f"conformance.providers.{provider}.workflows", fromlist=["PROBE"]).PROBE


def _reachable_cells() -> Iterator[tuple[str, str, str]]:
    for provider, lifecycle in LIFECYCLES.items():
        for state, rule in lifecycle.cells():
            if state in lifecycle.reachable:
                yield provider, state, rule.key


def _flip(rule: Rule, state: str) -> str:
    return f"{'refuse' if rule.allows(state) else 'accept'}:{rule.name}@{state}"


def _probe_cell(provider: str, state: str, action: str, faults: tuple[str, ...] = ()) -> ScenarioOutcome:
    """Only what one cell needs: the way to `state`, then `action` there, on a fresh double without demo data."""
    workflows = WORKFLOWS[provider]
    scenario = Scenario("lifecycle_probe", "one cell", lambda run: probe(run, _driver(provider), focus=(state, action)))
    with running_double(provider, faults=faults, seed=1) as double:
        target = Target(get_provider(provider), double.base_url, double.credentials, Source.LIVE)
        return run_live(workflows, scenario, target)


def _cell(outcome: ScenarioOutcome, state: str, action: str) -> dict[str, Any]:
    assert outcome.lifecycle is not None
    return next(c for c in outcome.lifecycle["cells"] if (c["state"], c["action"]) == (state, action))


@pytest.mark.parametrize(("provider", "state", "action"), sorted(_reachable_cells()), ids=lambda v: str(v))
def test_every_rule_flipped_alone_is_caught(provider: str, state: str, action: str) -> None:
    lifecycle = LIFECYCLES[provider]
    rule = lifecycle.action(action)
    outcome = _probe_cell(provider, state, action, faults=(_flip(rule, state),))
    assert _cell(outcome, state, action)["result"] == "failed"
    caught = [f for f in outcome.findings if f.kind is Kind.STATE_TRANSITION and f.operation == action]
    # The probe's own finding names the state, the action and where the rule comes from.
    named = [f for f in caught if f"{state} invoice" in f.message and action in f.message]
    assert named, [(f.kind, f.operation, f.message) for f in outcome.findings]
    finding = named[0]
    assert finding.breaking
    # x-lifecycle's per-rule provenance is the finding's basis: the gate lowers an inferred rule's breach.
    assert (finding.basis, finding.inference) == (rule.provenance.basis, rule.provenance.inference)
    assert rule.provenance.describe() in finding.message + finding.expected
    assert finding.doc_ref == rule.provenance.url


@pytest.mark.parametrize("provider", sorted(LIFECYCLES))
def test_clean_double_passes_every_reachable_cell_and_names_the_unreachable_states(provider: str) -> None:
    """From the committed cassette, offline: the recording of the clean double."""
    workflows = WORKFLOWS[provider]
    scenario = workflows.scenario("lifecycle_probe")
    with network_blocked():
        outcome = replay(workflows, scenario, committed_cassette(workflows, scenario))
    assert [f.message for f in outcome.findings] == []
    lifecycle = LIFECYCLES[provider]
    coverage = outcome.lifecycle
    assert coverage is not None
    assert set(coverage["unreachable"]) == set(lifecycle.states) - lifecycle.reachable
    assert all(reason for reason in coverage["unreachable"].values())
    for cell in coverage["cells"]:
        expected = "passed" if cell["state"] in lifecycle.reachable else "not_reachable"
        assert cell["result"] == expected, cell
    assert len(coverage["cells"]) == len(lifecycle.states) * len(lifecycle.actions)
    with network_blocked():
        again = replay(workflows, scenario, committed_cassette(workflows, scenario))
    assert again.lifecycle == coverage  # deterministic offline
    assert again.requests == outcome.requests


def test_useepay_cancelled_is_stated_unreachable() -> None:
    lifecycle = LIFECYCLES["useepay"]
    assert "cancelled" not in lifecycle.reachable
    outcome = _probe_cell("useepay", "cancelled", "payInvoice")
    assert "no documented operation" in outcome.lifecycle["unreachable"]["cancelled"]  # type: ignore[index]
    assert _cell(outcome, "cancelled", "payInvoice")["result"] == "not_reachable"
    assert outcome.findings == []


def test_a_refusal_with_an_undocumented_status_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_found(self: WooshPayDouble, rule: Rule, current: str) -> ApiError:
        return ApiError(404, "resource_missing", "No such invoice.")

    monkeypatch.setattr(WooshPayDouble, "refusal", not_found)
    outcome = _probe_cell("wooshpay", "open", "finalizeInvoice")
    assert _cell(outcome, "open", "finalizeInvoice")["result"] == "failed"
    found = [f for f in outcome.findings if f.operation == "finalizeInvoice" and f.kind is Kind.STATE_TRANSITION]
    assert found
    assert "not the documented 400" in found[0].message


def test_a_refusal_that_changes_the_invoice_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    guard = WooshPayDouble.guard

    def sloppy(self: WooshPayDouble, action: str, current: str) -> None:
        try:
            guard(self, action, current)
        except ApiError:
            for invoice in self.invoices.values():
                invoice["description"] = "touched by a refused request"
            raise

    monkeypatch.setattr(WooshPayDouble, "guard", sloppy)
    outcome = _probe_cell("wooshpay", "open", "finalizeInvoice")
    found = [f for f in outcome.findings if f.operation == "finalizeInvoice" and f.kind is Kind.STATE_TRANSITION]
    assert found
    assert "description" in found[0].observed
    assert found[0].evidence.steps[-1]["operation"] == "retrieveInvoice"  # the read-back proves it


def test_a_wrong_resulting_state_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(WooshPayDouble, "_void", lambda self, invoice: None)  # void answers 200, changes nothing
    outcome = _probe_cell("wooshpay", "open", "voidInvoice")
    found = [f for f in outcome.findings if f.kind is Kind.STATE_TRANSITION and f.pointer == "/status"]
    assert found
    assert "open" in found[0].observed


def test_every_provider_has_reachable_cells_and_the_probe_is_a_scenario() -> None:
    for provider, lifecycle in LIFECYCLES.items():
        assert lifecycle.reachable, provider
        assert WORKFLOWS[provider].scenario("lifecycle_probe")


def test_a_new_invoice_in_an_undocumented_state_stops_the_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    create = WooshPayDouble._create_invoice

    def born_open(self: WooshPayDouble, body: Any, customer: Any) -> Any:
        invoice = create(self, body, customer)
        invoice["status"] = "open"
        return invoice

    monkeypatch.setattr(WooshPayDouble, "_create_invoice", born_open)
    outcome = _probe_cell("wooshpay", "draft", "finalizeInvoice")
    found = [f for f in outcome.findings if f.kind is Kind.STATE_TRANSITION and f.pointer == "/status"]
    assert found
    assert "not draft" in found[0].message
    assert not outcome.completed
    assert outcome.lifecycle is not None
    assert "draft" in outcome.lifecycle["unreachable"]
