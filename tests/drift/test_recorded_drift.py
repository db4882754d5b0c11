"""The regression workflow end to end: record a provider double with and without each response-shape
fault of the catalogue, then `conformance drift` the two cassette sets."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import pytest

from conformance.cassettes.store import read_cassette
from conformance.drift.cassette_sets import load_set
from conformance.providers import get_provider
from conformance.sandbox.double import FaultTargets
from tests.drift.conftest import (
    BODY_FAULTS,
    NEW_SEED,
    PROVIDERS,
    RESPONSE_FAULTS,
    DriftBetween,
    Recorder,
    recorded_with,
)

CONTENT_TYPE_CLAUSES = ("no longer labels its responses application/json", "labels its responses text/plain")
STATUS_CLAUSE = re.compile(r"no longer returns status 2\d\d|now returns status 202")


def expected_fields(fault: str, targets: FaultTargets) -> dict[str, tuple[str, str]]:
    """The invoice fields a body fault changes → (severity, words of the finding's message)."""
    old_name, new_name = targets.renamed_field
    field, value = targets.enum_field
    return {
        "field_removed": {targets.removed_field: ("breaking", "no longer has")},
        "field_retyped": {targets.retyped_field: ("breaking", "as string")},
        "field_renamed": {old_name: ("breaking", "no longer has"), new_name: ("non_breaking", "new field")},
        "field_added": {targets.added_field[0]: ("non_breaking", "new field")},
        "enum_value_added": {field: ("breaking", f"{value!r} the spec does not list")},
        "null_not_nullable": {targets.nullable_field: ("breaking", "returns null")},
    }.get(fault, {})


def _field(finding: dict[str, Any]) -> str:
    return finding["pointer"].rsplit("/", 1)[-1]


def _clauses(finding: dict[str, Any]) -> list[str]:
    return finding["message"].removesuffix(".").split(" ", 1)[1].split("; ")


@functools.cache
def _interactions(cassette: str) -> list[dict[str, Any]]:
    return read_cassette(Path(cassette), "any").interactions


def _check_evidence(finding: dict[str, Any]) -> None:
    """The evidence names an interaction of the new set with the status it claims."""
    evidence = finding["evidence"]
    shown = _interactions(evidence["cassette"])[evidence["interaction"]]
    assert shown["response"]["status"]["code"] == evidence["status"]


def _explains(faults: tuple[str, ...], clause: str) -> bool:
    """Whether a whole-response fault of the recording accounts for a clause at the response."""
    if "wrong_content_type" in faults and clause in CONTENT_TYPE_CLAUSES:
        return True
    return "wrong_success_status" in faults and bool(STATUS_CLAUSE.fullmatch(clause))


def _unexplained(findings: list[dict[str, Any]], faults: tuple[str, ...], provider: str) -> list[str]:
    """Messages of findings that no fault of the recording accounts for."""
    targets = get_provider(provider).double().fault_targets
    fields = {name for fault in faults for name in expected_fields(fault, targets)}
    return [
        finding["message"]
        for finding in findings
        if (finding["pointer"] and _field(finding) not in fields)
        or (not finding["pointer"] and not all(_explains(faults, c) for c in _clauses(finding)))
    ]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_two_clean_recordings_with_different_data_show_no_drift(
    recordings: Recorder, drift_between: DriftBetween, provider: str
) -> None:
    old, new = recordings(provider), recordings(provider, seed=NEW_SEED)
    assert _ids(old) != _ids(new)  # the seeds really gave the two runs different data
    result, findings = drift_between(old, new)
    assert findings == [], result.output
    assert result.exit_code == 0


def _ids(cassettes: Path) -> set[str]:
    text = "".join(path.read_text() for path in cassettes.rglob("*.yaml"))
    return set(re.findall(r'"id": "([^"]+)"', text))


@pytest.mark.parametrize("fault", BODY_FAULTS)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_body_fault_is_reported_as_exactly_its_change(
    recordings: Recorder, drift_between: DriftBetween, provider: str, fault: str
) -> None:
    faults = recorded_with(fault)
    result, findings = drift_between(recordings(provider), recordings(provider, faults, NEW_SEED))
    assert _unexplained(findings, faults, provider) == []
    for name, (severity, words) in expected_fields(fault, get_provider(provider).double().fault_targets).items():
        # Other objects may have a field of the same name (a customer's `status`): the fault's own change
        # is the one its words describe; what else changed there is checked by _unexplained above.
        mine = [f for f in findings if f["pointer"] and _field(f) == name and words in f["message"]]
        assert mine, f"{fault}: nothing reported at {name}; got {[f['message'] for f in findings]}"
        for finding in mine:
            assert (finding["kind"], finding["severity"]) == ("drift", severity), finding["message"]
            _check_evidence(finding)
    breaking = any(f["severity"] == "breaking" for f in findings)
    assert result.exit_code == (1 if breaking else 0)


@pytest.mark.parametrize("fault", RESPONSE_FAULTS)
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_whole_response_fault_is_reported_at_the_response(
    recordings: Recorder, drift_between: DriftBetween, provider: str, fault: str
) -> None:
    faults = recorded_with(fault)
    old, new = recordings(provider), recordings(provider, faults, NEW_SEED)
    result, findings = drift_between(old, new)
    assert _unexplained(findings, faults, provider) == []
    at_response = {f["operation"]: f for f in findings if f["pointer"] == ""}
    old_set, new_set = load_set(old), load_set(new)
    compared = {o.operation.operation_id for o in old_set.observations} & {
        o.operation.operation_id for o in new_set.observations
    }
    if fault == "wrong_success_status":
        # Requests that do not depend on earlier responses are re-sent as they were: each must show it.
        plain = {
            o.operation.operation_id
            for o in old_set.observations
            if 200 <= o.status < 300 and "{" not in o.operation.path and o.operation.method == "GET"
        } & compared
        assert plain, "the clean recording has successful list calls"
        for op in plain:
            assert at_response[op]["severity"] == "breaking"
            assert re.search(r"no longer returns status 2\d\d", at_response[op]["message"])
            assert "now returns status 202" in at_response[op]["message"]
    else:
        for op in compared:
            assert at_response[op]["severity"] == "breaking"
            assert set(CONTENT_TYPE_CLAUSES) <= set(_clauses(at_response[op]))
    for finding in at_response.values():
        _check_evidence(finding)
    assert result.exit_code == 1
