"""Every scenario holds on its clean double and replays from its committed cassette with the network blocked."""

from __future__ import annotations

import pytest
import vcr
import yaml

from conformance.core.secrets import credential_headers
from conformance.scenarios.scenario import ProviderWorkflows, Scenario
from conformance.workflows.doubles import run_on_double
from conformance.workflows.runner import replay
from tests.workflows.conftest import CASES, case_id, committed_cassette, network_blocked

RECORDING_MODES = ("rewrite", "all", "new_episodes")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_scenario_holds_on_the_clean_double_and_replays_offline(
    case: tuple[ProviderWorkflows, Scenario], record_mode: str
) -> None:
    workflows, scenario = case
    cassette = committed_cassette(workflows, scenario)
    record = record_mode in RECORDING_MODES or (record_mode == "once" and not cassette.exists())
    live = run_on_double(workflows, scenario, cassette=cassette if record else None)
    assert [f.message for f in live.findings] == []
    assert live.completed
    assert live.stopped is None

    with network_blocked():
        replayed = replay(workflows, scenario, cassette)
    assert [f.message for f in replayed.findings] == []
    assert replayed.completed
    assert replayed.unplayed == 0, "the cassette holds requests the scenario no longer sends; re-record it"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_committed_cassette_is_plain_vcrpy_without_secrets(case: tuple[ProviderWorkflows, Scenario]) -> None:
    path = committed_cassette(*case)
    with vcr.VCR(record_mode="none").use_cassette(str(path)) as cassette:
        assert len(cassette) > 0
    data = yaml.safe_load(path.read_text())
    assert data["metadata"]["scenario"] == case[1].name
    for interaction in data["interactions"]:
        for name, values in interaction["request"]["headers"].items():
            if name.lower() in credential_headers():
                assert values == ["REDACTED"], f"{name} in {path}"


def test_every_committed_workflow_cassette_belongs_to_a_scenario() -> None:
    expected = {committed_cassette(*case) for case in CASES}
    root = committed_cassette(*CASES[0]).parents[2]
    found = set(root.glob("*/workflows/*.yaml"))
    assert found == expected, sorted(str(p) for p in found ^ expected)


def test_scenarios_cover_the_documented_lifecycles() -> None:
    operations: dict[str, set[str]] = {}
    for workflows, scenario in CASES:
        operations.setdefault(workflows.provider, set()).update(_operations(workflows, scenario))
    assert {"createInvoice", "addInvoiceLines", "createInvoiceItem", "finalizeInvoice", "payInvoice"} <= operations[
        "wooshpay"
    ]
    assert {"voidInvoice", "deleteInvoice", "listInvoices"} <= operations["wooshpay"]
    assert {"createInvoice", "retrieveInvoice", "updateInvoice", "listInvoices", "payInvoice"} <= operations["useepay"]
    assert {"listInvoices", "getInvoice", "retryInvoicePayment", "createPaymentProfile", "listSubscriptions"} <= (
        operations["lynkwell"]
    )


def _operations(workflows: ProviderWorkflows, scenario: Scenario) -> set[str]:
    with network_blocked():
        outcome = replay(workflows, scenario, committed_cassette(workflows, scenario))
    return outcome.operations
