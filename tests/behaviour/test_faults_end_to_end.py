"""Done-when of issue 26: each behaviour fault of the doubles is caught on every operation it breaks (the
double's fault_operations, where the spec declares the promise), with the expected kind and a `behaviour.*`
check, in `conformance run --target sandbox --fault NAME` runs over real HTTP; the clean doubles give no
finding from a probe. The engine is narrowed to one operation (the probes are workflow scenarios)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.behaviour.declarations import declarations
from conformance.providers import get_provider
from conformance.sandbox.faults import BY_NAME
from tests.conftest import made_once
from tests.engine.conftest import run_cli

# fault -> the check its promise is probed by
CHECKS = {
    "update_not_persisted": "behaviour.persistence",
    "quantity_ignored": "behaviour.persistence",
    "form_nested_dropped": "behaviour.persistence",
    "filter_ignored": "behaviour.filter",
    "page_base_shifted": "behaviour.pagination",
    "page_skips_item": "behaviour.pagination",
    "limit_unbounded": "behaviour.pagination",
    "required_not_enforced": "behaviour.constraint",
}
CASES = [
    (provider, fault)
    for provider in ("wooshpay", "useepay", "lynkwell")
    for fault in CHECKS
    if get_provider(provider).double().fault_operations.get(fault)
]


def _sandbox_run(out: Path, provider: str, faults: tuple[str, ...] = (), operation: str | None = None) -> None:
    args = ["run", "--target", "sandbox", "--provider", provider, "--no-audit", "--max-examples", "1"]
    args += ["--include-operation-id", operation or next(iter(get_provider(provider).spec.operations))]
    for fault in faults:
        args += ["--fault", fault]
    result, document = run_cli([*args, "--report-dir", str(out)])
    assert document is not None, result.output
    assert result.exit_code in (0, 1), result.output


def _findings(out: Path) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = json.loads((out / "findings.json").read_text())["findings"]
    return findings


def _probed(provider: str, operation: str) -> bool:
    """Whether the spec declares a promise of `operation` (listInvoiceLines, for one, declares none)."""
    return any(p.operation_id == operation for p in declarations(get_provider(provider).spec).promises())


def _broken(provider: str, fault: str) -> list[str]:
    return [op for op in get_provider(provider).double().fault_operations[fault] if _probed(provider, op)]


def _faulted(factory: pytest.TempPathFactory, provider: str, fault: str) -> list[dict[str, Any]]:
    """The findings of a sandbox run of `provider` with `fault`, made once per session (the engine narrowed to
    the spec's first operation: the probes run with the workflows, whatever the engine runs)."""
    out = made_once(factory, f"behaviour-{provider}-{fault}", lambda d: _sandbox_run(d, provider, (fault,)))
    return _findings(out)


@pytest.mark.parametrize(("provider", "fault"), CASES, ids=[f"{p}-{f}" for p, f in CASES])
def test_a_behaviour_fault_is_caught_on_each_operation_it_breaks(
    provider: str, fault: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    broken = _broken(provider, fault)
    assert broken, f"{provider} declares no promise {fault} breaks"
    findings = _faulted(tmp_path_factory, provider, fault)
    kind = str(BY_NAME[fault].expect_kind)
    caught = {f["operation"] for f in findings if (f["kind"], f["check"]) == (kind, CHECKS[fault])}
    assert set(broken) <= caught, (sorted(set(broken) - caught), [(f["operation"], f["check"]) for f in findings])
    # Caught where it is, never on another operation's promise.
    others = {f["operation"] for f in findings if f["check"].startswith("behaviour.")} - set(broken)
    assert others == set(), others


@pytest.mark.parametrize("provider", ["wooshpay", "useepay", "lynkwell"])
def test_the_clean_doubles_give_no_finding_from_a_probe(
    provider: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    out = made_once(tmp_path_factory, f"behaviour-clean-sandbox-{provider}", lambda d: _sandbox_run(d, provider))
    findings = _findings(out)
    assert [f for f in findings if f["check"].startswith("behaviour.")] == []
    assert [f for f in findings if f["severity"] == "breaking"] == []


def test_a_fault_outside_a_sandbox_run_or_a_double_lacks_is_a_usage_error(tmp_path: Path) -> None:
    result, _ = run_cli(["run", "--provider", "wooshpay", "--fault", "filter_ignored", "--report-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "--target sandbox" in result.output
    args = ["run", "--target", "sandbox", "--provider", "lynkwell", "--fault", "page_base_shifted"]
    result, _ = run_cli([*args, "--report-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "cannot show page_base_shifted" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "findings.json").exists()


def test_an_inferred_promise_broken_is_non_breaking_and_a_documented_one_breaks(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """UseePay's invoice and subscription lists copy customer_id from the mandates page (x-inferred); the
    mandates list documents it: the same ignored filter grades by the promise's basis."""
    findings = _faulted(tmp_path_factory, "useepay", "filter_ignored")
    graded = {f["operation"]: (f["basis"], f["severity"]) for f in findings if f["check"] == "behaviour.filter"}
    assert graded == {
        "listInvoices": ("inferred", "non_breaking"),
        "listSubscriptions": ("inferred", "non_breaking"),
        "listMandates": ("documented", "breaking"),
    }
