"""The engine against each double over real HTTP: clean doubles pass, single-request faults are found."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from conformance.providers import get_provider
from conformance.targets.double_server import running_double
from tests.conftest import PROVIDERS
from tests.engine.conftest import FAST, run_cli

# Faults a single request/response shows, with the finding kind each must produce.
SINGLE_REQUEST_FAULTS = {
    "field_removed": "missing_field",
    "field_retyped": "type_mismatch",
    "field_renamed": "missing_field",
    "field_added": "undocumented_field",
    "enum_value_added": "enum_violation",
    "null_not_nullable": "nullability",
    "wrong_success_status": "undocumented_status",
    "wrong_content_type": "content_type",
    "server_error": "server_error",
    "auth_not_enforced": "auth_not_enforced",
}


def _run_against(provider: str, tmp_path, faults: tuple[str, ...] = (), narrow: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    """A run against the double; `narrow`: the engine alone, on these operations."""
    with running_double(provider, faults=faults, seed=7, demo_data=True) as double:
        args = ["run", "--provider", provider, "--base-url", f"{provider}={double.base_url}", *FAST]
        args += ["--report-dir", str(tmp_path / "reports")]
        if narrow:
            args += ["--no-workflows", *(arg for op in narrow for arg in ("--include-operation-id", op))]
        result, document = run_cli(args, env=dict(double.credentials))
        return double, result, document


@pytest.mark.parametrize("provider", PROVIDERS)
def test_clean_double_has_no_breaking_finding(provider: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, result, document = _run_against(provider, tmp_path)
    assert document is not None, result.output
    # Not even a non-breaking one: e.g. a negative case made valid on the wire by the auth is no finding.
    found = [f for f in document["findings"] if f["severity"] != "info"]
    assert found == [], [(f["operation"], f["kind"], f["pointer"], f["observed"]) for f in found]
    assert result.exit_code == 0, result.output
    assert document["summary"]["requests"] > 50
    # --base-url makes the run live for that provider, and every report says so.
    assert document["run"]["target"] == "replay"
    assert document["run"]["targets"] == {provider: "live"}
    assert document["run"]["base_urls"][provider].startswith("http://127.0.0.1:")
    reports = tmp_path / "reports"
    junit = ET.parse(reports / "junit.xml").getroot()
    properties = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert properties["target"] == "live"
    assert "from a `live` run" in (reports / f"{provider}.md").read_text()


# Each fault on one provider, the providers taken in turn: a fault is injected by the shared double
# framework, so one engine run per fault shows the engine catching it (every provider's doubles
# show every fault in tests/sandboxes, and the recorded drift tests record them per provider).
FAULT_CASES = [(PROVIDERS[i % len(PROVIDERS)], fault) for i, fault in enumerate(sorted(SINGLE_REQUEST_FAULTS))]
# Every fault but server_error shows on the invoice list (its invoices, its status, its content type, its
# answer without credentials), and the engine alone must find it there; the clean run above is the silent
# twin over every operation.
INVOICE_LIST = "listInvoices"


@pytest.mark.parametrize(("provider", "fault"), FAULT_CASES)
def test_single_request_fault_is_reported(provider: str, fault: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    targets = get_provider(provider).double().fault_targets
    narrow = (INVOICE_LIST, targets.server_error_operation) if fault == "server_error" else (INVOICE_LIST,)
    double, result, document = _run_against(provider, tmp_path, (fault,), narrow)
    assert document is not None, result.output
    kind = SINGLE_REQUEST_FAULTS[fault]
    found = [f for f in document["findings"] if f["kind"] == kind]
    assert found, f"{fault} should produce {kind}; got {sorted({f['kind'] for f in document['findings']})}"
    assert targets == double.double.fault_targets
    field = {
        "field_removed": targets.removed_field,
        "field_retyped": targets.retyped_field,
        "field_renamed": targets.renamed_field[0],
        "field_added": targets.added_field[0],
        "enum_value_added": targets.enum_field[0],
        "null_not_nullable": targets.nullable_field,
    }.get(fault)
    if field is not None:
        assert any(f["pointer"].endswith("/" + field) for f in found), [f["pointer"] for f in found]
    if fault == "server_error":
        assert {f["operation"] for f in found} == {targets.server_error_operation}
    if fault == "wrong_success_status":
        # Status ranges as the spec writes them (5XX), not as 100 numbers.
        assert all("501" not in f["expected"] for f in found), [f["expected"] for f in found]
        if provider == "wooshpay":
            assert all("5XX" in f["expected"] for f in found), [f["expected"] for f in found]
    for finding in found:
        assert finding["evidence"]["curl"].startswith("curl -X ")
        assert finding["doc_ref"]
    # The gate follows the basis: a deviation from what the spec only infers (WooshPay's Stripe required list,
    # UseePay's inferred enums) is non_breaking and labelled; a documented one is breaking.
    for finding in found:
        if finding["basis"] == "inferred":
            assert finding["severity"] == "non_breaking", finding
            # Lowered by the gate, and labelled so, unless the kind was never breaking (an added field).
            assert ("--strict-inferred" in finding.get("graded", "")) is (fault != "field_added"), finding
        elif fault != "field_added":
            assert finding["severity"] == "breaking", finding
    expected_exit = 1 if any(f["severity"] == "breaking" for f in found) else 0
    assert result.exit_code == expected_exit, result.output


@pytest.mark.parametrize("provider", PROVIDERS)
def test_rate_limiting_is_honoured_not_reported(provider: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # The double answers the run's first requests 429: the engine's, on whichever operation it starts with.
    _, result, document = _run_against(provider, tmp_path, ("rate_limited",), (INVOICE_LIST,))
    assert document is not None, result.output
    assert result.exit_code == 0, [(f["operation"], f["kind"], f["observed"]) for f in document["findings"]]
    assert not [f for f in document["findings"] if "429" in f["observed"]]
