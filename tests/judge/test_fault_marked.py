"""Answers a double altered under a fault are marked (a response header naming the fault), and
`conformance judge` reports their findings as expected by that fault, outside the verdict; a baseline
made from them takes none of them. The same answer without the mark is a vendor's defect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests
import yaml
from click.testing import CliRunner

from conformance.cli.main import main
from conformance.sandbox.faults import FAULT_HEADER
from conformance.targets.double_server import running_double
from tests.judge.recorders import bill, recording

MAPPING = ("--base-url", "wooshpay=http://127.0.0.1")


def _record(tmp_path: Path, faults: list[str]) -> Path:
    cassette, har = tmp_path / "c.yaml", tmp_path / "c.har"
    with (
        running_double("wooshpay", faults=faults) as running,
        recording(running, cassette, har, fault_mark=True) as session,
    ):
        bill(session, running.base_url, [300, 200])
    return cassette


def _judge(tmp_path: Path, *args: str) -> tuple[int, str, dict[str, Any]]:
    reports = tmp_path / "reports"
    result = CliRunner().invoke(main, ["judge", *args, *MAPPING, "--report-dir", str(reports)])
    return result.exit_code, result.output, json.loads((reports / "findings.json").read_text())


def test_the_double_names_the_fault_on_the_answers_it_gives_under_it() -> None:
    with running_double("wooshpay", faults=["totals_mismatch", "field_added"]) as running:
        session = requests.Session()
        session.auth = running.provider.auth(running.credentials, running.base_url)
        marked = session.get(f"{running.base_url}/v1/invoices", timeout=10)
        running.double.restart([])
        plain = session.get(f"{running.base_url}/v1/invoices", timeout=10)
    assert marked.headers[FAULT_HEADER] == "field_added, totals_mismatch"
    assert FAULT_HEADER not in plain.headers


def test_findings_on_fault_marked_answers_are_expected_and_outside_the_verdict(tmp_path: Path) -> None:
    cassette = _record(tmp_path, ["totals_mismatch"])
    # Judged strictly, so that the (inferred) totals invariant would be breaking were it not expected.
    code, output, document = _judge(tmp_path, str(cassette), "--strict-inferred")
    assert code == 0, output
    marked = [f for f in document["findings"] if f["kind"] == "invariant_violation"]
    assert marked
    assert {f["expected_by_fault"] for f in marked} == {"totals_mismatch"}
    assert document["summary"]["breaking"] == 0
    assert document["summary"]["expected_by_fault"] == len(marked)
    assert "expected under the double's fault totals_mismatch" in " ".join(output.split())
    assert f"expected by fault: {len(marked)}" in output
    # CI reads junit.xml: outside the verdict there too (skipped, saying why), never a failure.
    junit = (tmp_path / "reports" / "junit.xml").read_text()
    assert "<failure" not in junit
    assert "expected under the double's fault totals_mismatch" in junit


def test_the_same_answers_without_the_mark_are_a_vendors_defect(tmp_path: Path) -> None:
    cassette = _record(tmp_path, ["totals_mismatch"])
    data = yaml.safe_load(cassette.read_text())
    for interaction in data["interactions"]:
        interaction["response"]["headers"].pop(FAULT_HEADER, None)
    cassette.write_text(yaml.safe_dump(data))
    code, _, document = _judge(tmp_path, str(cassette), "--strict-inferred")
    assert code == 1
    assert all(not f["expected_by_fault"] for f in document["findings"])
    assert document["summary"]["breaking"] >= 1


def test_a_baseline_takes_no_fault_expected_finding(tmp_path: Path) -> None:
    cassette = _record(tmp_path, ["totals_mismatch"])
    _judge(tmp_path, str(cassette))
    baseline = tmp_path / "baseline.yaml"
    made = CliRunner().invoke(
        main,
        [
            "baseline",
            "update",
            "--all",
            "--baseline",
            str(baseline),
            "--findings",
            str(tmp_path / "reports" / "findings.json"),
        ],
    )
    assert made.exit_code == 0, made.output  # no finding needed accepting, so no --reason either
    entries = yaml.safe_load(baseline.read_text()) if baseline.exists() else None
    assert not (entries or {}).get("entries")
