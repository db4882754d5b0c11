"""`conformance run --target sandbox --fault NAME`: every double the run serves (engine and workflows) shows the
fault; the same run without it stays silent; a fault the run cannot serve is a usage error before anything runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conformance.cli.main import main as cli
from conformance.run import assembly
from conformance.targets.stage import StageResult


def run(args: list[str], report_dir: Path) -> tuple[Result, dict[str, Any] | None]:
    result = CliRunner().invoke(cli, ["run", "--no-audit", "--report-dir", str(report_dir), *args])
    report = report_dir / "findings.json"
    return result, json.loads(report.read_text()) if report.exists() else None


def kinds_on(document: dict[str, Any], operation: str) -> set[str]:
    return {f["kind"] for f in document["findings"] if f["operation"] == operation}


@pytest.mark.parametrize("faulty", [False, True], ids=["clean", "faulted"])
def test_the_engine_runs_against_a_faulted_double(tmp_path: Path, faulty: bool) -> None:
    args = ["--target", "sandbox", "--provider", "wooshpay", "--no-workflows", "--max-examples", "3"]
    args += ["--include-operation-id", "createInvoice", *(["--fault", "server_error"] if faulty else [])]
    result, document = run(args, tmp_path)
    assert document is not None, result.output
    assert ("server_error" in kinds_on(document, "createInvoice")) is faulty
    assert result.exit_code == (1 if faulty else 0), result.output


@pytest.mark.parametrize("faulty", [False, True], ids=["clean", "faulted"])
def test_the_workflows_run_against_a_faulted_double(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, faulty: bool
) -> None:
    monkeypatch.setattr(assembly, "engine_stage", lambda *args, **kwargs: lambda providers: StageResult())
    args = ["--target", "sandbox", "--provider", "useepay", *(["--fault", "totals_mismatch"] if faulty else [])]
    result, document = run(args, tmp_path)
    assert document is not None, result.output
    assert ("invariant_violation" in kinds_on(document, "retrieveInvoice")) is faulty
    assert result.exit_code == (1 if faulty else 0), result.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--fault", "server_error"], "--fault needs --target sandbox"),
        (["--target", "sandbox", "--fault", "no_such_fault"], "unknown fault 'no_such_fault'"),
        (["--target", "sandbox", "--provider", "lynkwell", "--fault", "form_nested_dropped"], "cannot show"),
        (["--target", "sandbox", "--fault", "page_base_shifted"], "with --provider"),
        (
            [
                "--target",
                "sandbox",
                "--provider",
                "useepay",
                "--base-url",
                "useepay=http://127.0.0.1:9",
                "--fault",
                "x",
            ],
            "has a --base-url",
        ),
    ],
    ids=["not-sandbox", "unknown", "not-on-this-double", "not-on-every-double", "base-url"],
)
def test_a_fault_the_run_cannot_serve_is_a_usage_error(tmp_path: Path, args: list[str], said: str) -> None:
    result, document = run(args, tmp_path)
    assert result.exit_code == 2, result.output
    assert document is None
    assert "Traceback" not in result.output
    message = result.output.strip()
    assert message.startswith("error: "), message
    assert said in message
