"""A scenario's deliveries recorded beside its cassette are judged again offline, as they were live: the same
findings (signatures by their recorded verification, early events by the recorded reads, retries by the
recorded watch), nothing from a clean recording, and no secret in the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cassettes import deliveries, store
from conformance.core import secrets
from conformance.findings.model import Finding, Source
from conformance.providers import get_provider
from conformance.targets import scenario_cassette
from conformance.workflows import WORKFLOW_SUITE
from conformance.workflows.doubles import run_on_double
from conformance.workflows.runner import replay
from tests.hostile.conftest import conformance

SCENARIO = "invoice_lifecycle"


def _verdict(findings: list[Finding]) -> set[tuple[str, str, str, str]]:
    return {
        (f.operation, f.check or "", str(f.kind), f.pointer) for f in findings if f.operation.startswith("webhook ")
    }


@pytest.mark.parametrize(
    ("provider", "fault"),
    [
        ("wooshpay", ""),
        ("useepay", ""),
        ("wooshpay", "signature_invalid"),
        ("useepay", "signature_invalid"),
        ("wooshpay", "event_early"),
        ("useepay", "retries_ignored"),
        ("wooshpay", "events_reordered"),
        ("useepay", "event_payload_drift"),
    ],
)
def test_a_recording_is_judged_again_offline_as_it_was_live(tmp_path: Path, provider: str, fault: str) -> None:
    workflows = get_provider(provider).workflows()
    assert workflows is not None
    cassette = scenario_cassette(tmp_path, provider, WORKFLOW_SUITE, SCENARIO)
    cassette.parent.mkdir(parents=True)
    live = run_on_double(workflows, workflows.scenario(SCENARIO), faults=(fault,) if fault else (), cassette=cassette)
    recorded = deliveries.read(deliveries.deliveries_path(cassette))
    assert recorded is not None
    assert recorded.received
    assert recorded.deliveries
    # The double posted from this process while the scenario was recorded: none of it is in the cassette.
    text = cassette.read_text()
    assert "/webhooks" not in text
    assert store.PASS_THROUGH_HEADER not in text
    offline = replay(workflows, workflows.scenario(SCENARIO), cassette)
    assert offline.unplayed == 0
    assert _verdict(offline.findings) == _verdict(live.findings)
    assert bool(_verdict(live.findings)) is bool(fault)
    assert offline.events == live.events
    assert {f.source for f in offline.findings} <= {Source.REPLAY}
    # The evidence names the recording and the delivery.
    for finding in offline.findings:
        if finding.operation.startswith("webhook ") and finding.evidence.interaction is not None:
            assert finding.evidence.cassette is not None
            assert finding.evidence.cassette.endswith(f"{SCENARIO}.webhooks.json")


def test_the_recording_holds_no_secret_and_keeps_signatures_with_their_verification(tmp_path: Path) -> None:
    workflows = get_provider("wooshpay").workflows()
    assert workflows is not None
    cassette = scenario_cassette(tmp_path, "wooshpay", WORKFLOW_SUITE, SCENARIO)
    cassette.parent.mkdir(parents=True)
    run_on_double(workflows, workflows.scenario(SCENARIO), cassette=cassette)
    path = deliveries.deliveries_path(cassette)
    text = path.read_text()
    # The endpoint's signing secret was registered when the run read it: none of the known secrets is written.
    assert [s for s in secrets.known() if len(s) > 8 and s in text and "whsec" in s] == []
    assert "whsec_" not in text
    entries = json.loads(text)["deliveries"]
    assert entries
    assert all(entry["signature_verified"] is True for entry in entries)
    assert all(dict(entry["headers"])["wooshpay-signature"].startswith("t=") for entry in entries)


def test_a_scenario_recorded_without_receiving_is_replayed_without_events(tmp_path: Path) -> None:
    workflows = get_provider("useepay").workflows()
    assert workflows is not None
    cassette = scenario_cassette(tmp_path, "useepay", WORKFLOW_SUITE, SCENARIO)
    cassette.parent.mkdir(parents=True)
    run_on_double(workflows, workflows.scenario(SCENARIO), cassette=cassette)
    path = deliveries.deliveries_path(cassette)
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "received": False, "deliveries": [], "reads": []}))
    offline = replay(workflows, workflows.scenario(SCENARIO), cassette)
    assert _verdict(offline.findings) == set()
    assert offline.events is None  # not received: nothing observed, nothing missing
    path.unlink()
    assert replay(workflows, workflows.scenario(SCENARIO), cassette).events is None


@pytest.mark.parametrize("provider", ["wooshpay", "useepay"])
def test_conformance_judge_reads_the_suites_recording_on_its_recorded_clock(tmp_path: Path, provider: str) -> None:
    workflows = get_provider(provider).workflows()
    assert workflows is not None
    cassette = scenario_cassette(tmp_path, provider, WORKFLOW_SUITE, SCENARIO)
    cassette.parent.mkdir(parents=True)
    run_on_double(workflows, workflows.scenario(SCENARIO), cassette=cassette)
    path = deliveries.deliveries_path(cassette)
    ran = conformance(["judge", str(path), "--report-dir", str(tmp_path / "a")])
    assert ran.code == 0, ran.stdout[-1500:]
    assert json.loads((tmp_path / "a" / "findings.json").read_text())["findings"] == []
    # The same deliveries said to come on a clock a hundred times slower: the retry came far too early for it.
    data = json.loads(path.read_text())
    data["time_scale"] = 100.0
    path.write_text(json.dumps(data))
    conformance(["judge", str(path), "--report-dir", str(tmp_path / "b")])
    checks = {f["check"] for f in json.loads((tmp_path / "b" / "findings.json").read_text())["findings"]}
    assert checks == {"webhook.retries"}
