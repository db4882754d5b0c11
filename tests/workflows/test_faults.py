"""Each lifecycle or arithmetic fault of the doubles' catalogue is reported with the catalogue's kind, on
the operation that shows it, with the request sequence as evidence."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conformance.cassettes.store import cassette_path, read_cassette
from conformance.findings.model import Finding
from conformance.providers import get_provider
from conformance.sandbox.faults import BY_NAME
from conformance.workflows import WORKFLOW_SUITE
from conformance.workflows.doubles import run_on_double
from conformance.workflows.runner import replay
from tests.workflows.conftest import WORKFLOWS, network_blocked

SEQUENCE_FAULTS = sorted(fault.name for fault in BY_NAME.values() if fault.observed_by == "sequence")

# (provider, fault) -> the operation whose response shows the fault.
WHERE = {
    ("wooshpay", "totals_mismatch"): "retrieveInvoice",
    ("useepay", "totals_mismatch"): "retrieveInvoice",  # total_amount read back is not the one written
    ("lynkwell", "totals_mismatch"): "getInvoice",
    ("wooshpay", "illegal_transition_accepted"): "finalizeInvoice",  # finalizing an open invoice
    ("useepay", "illegal_transition_accepted"): "payInvoice",  # paying a paid invoice
    ("lynkwell", "illegal_transition_accepted"): "retryInvoicePayment",  # retrying a PAID invoice
    **{
        (provider, fault): "listInvoices"
        for provider in WORKFLOWS
        for fault in ("pagination_repeats", "pagination_skips", "has_more_lies")
    },
    ("wooshpay", "deleted_still_retrievable"): "retrieveInvoice",
}
# What a double declares its spec cannot show (UseePay and Lynkwell document no delete operation).
NOT_APPLICABLE = {
    (provider, fault)
    for provider in WORKFLOWS
    for fault in get_provider(provider).double().inapplicable_faults
    if fault in SEQUENCE_FAULTS
}


def test_every_sequence_fault_is_covered_for_every_provider() -> None:
    pairs = {(provider, fault) for provider in WORKFLOWS for fault in SEQUENCE_FAULTS}
    assert pairs == set(WHERE) | NOT_APPLICABLE


def _findings(provider: str, fault: str) -> list[Finding]:
    workflows = WORKFLOWS[provider]
    # Only lifecycle faults can show in the lifecycle probe, the longest scenario: skip it for the others.
    # The behaviour probes have their own fault twins (tests/behaviour/test_faults_end_to_end.py).
    scenarios = [
        s
        for s in workflows.scenarios
        if (s.name != "lifecycle_probe" or fault == "illegal_transition_accepted")
        and not s.name.startswith("behaviour_")
    ]
    return [f for scenario in scenarios for f in run_on_double(workflows, scenario, faults=(fault,)).findings]


@pytest.mark.parametrize(("provider", "fault"), sorted(WHERE), ids=lambda v: str(v))
def test_sequence_fault_is_reported_with_the_sequence_as_evidence(provider: str, fault: str) -> None:
    kind = BY_NAME[fault].expect_kind
    findings = _findings(provider, fault)
    found = [f for f in findings if f.kind == kind and f.operation == WHERE[(provider, fault)]]
    assert found, (
        f"{fault} should give {kind} on {WHERE[(provider, fault)]}; got {[(f.kind, f.operation) for f in findings]}"
    )
    for finding in found:
        assert finding.breaking
        assert finding.doc_ref.startswith("https://")
        assert finding.evidence.curl
        assert finding.evidence.curl.startswith("curl -X ")
        steps = finding.evidence.steps
        assert len(steps) > 1, "a sequence, not one request"
        assert [step["step"] for step in steps] == list(range(1, len(steps) + 1))
        assert steps[-1]["operation"] == finding.operation
        assert finding.evidence.status in {step["status"] for step in steps}
    pointers = {f.pointer for f in found}
    if fault == "pagination_repeats":
        assert any(p.endswith("/id") for p in pointers), pointers
    if fault == "has_more_lies":
        assert any(p.endswith(("/has_more", "/hasMore")) for p in pointers), pointers
    if fault == "pagination_skips":
        assert any("never listed" in f.message for f in found)


@pytest.mark.parametrize(("provider", "fault"), sorted(NOT_APPLICABLE), ids=lambda v: str(v))
def test_fault_that_cannot_apply_finds_nothing(provider: str, fault: str) -> None:
    assert [f.message for f in _findings(provider, fault)] == []


@pytest.mark.parametrize("provider", sorted(WORKFLOWS))
def test_replayed_findings_point_at_their_cassette_interaction(provider: str, tmp_path: Path) -> None:
    """Recorded with a fault, replayed offline: the same findings, each naming the interaction it saw."""
    workflows = WORKFLOWS[provider]
    scenario = next(s for s in workflows.scenarios if not s.read_only)
    cassette = cassette_path(tmp_path, provider, WORKFLOW_SUITE, scenario.name)
    recorded = run_on_double(workflows, scenario, faults=("totals_mismatch",), cassette=cassette)
    with network_blocked():
        replayed = replay(workflows, scenario, cassette)
    assert recorded.findings
    assert sorted(f.fingerprint for f in replayed.findings) == sorted(f.fingerprint for f in recorded.findings)
    interactions = read_cassette(cassette, provider, WORKFLOW_SUITE).interactions
    for finding in replayed.findings:
        assert finding.evidence.cassette == str(cassette)
        assert finding.evidence.interaction is not None
        shown = interactions[finding.evidence.interaction]
        method, url = finding.evidence.steps[-1]["request"].split(" ", 1)
        assert shown["request"]["method"] == method
        assert urlsplit(shown["request"]["uri"])[2:4] == urlsplit(url)[2:4]
        assert shown["response"]["status"]["code"] == finding.evidence.status
