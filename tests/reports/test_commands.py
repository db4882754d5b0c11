"""`conformance report`, the terminal summary and the last-line redaction of every report."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from conformance.cli.main import main
from conformance.document.model import FindingsDocument, load_findings
from conformance.reports import findings_json
from conformance.reports.terminal import TOP_BREAKING, print_summary
from conformance.reports.writer import write_all
from conformance.targets.environment_secrets import environment_secrets
from tests.reports.expect import failing

REPORTS = ("report.html", "junit.xml", "comparison.md", "comparison.html", "wooshpay.md", "useepay.md", "lynkwell.md")


def test_report_rerenders_everything_and_exits_with_the_verdict(
    cli: CliRunner, document: FindingsDocument, tmp_path: Path
) -> None:
    findings_json.write(document, tmp_path / "in")
    result = cli.invoke(main, ["report", str(tmp_path / "in" / "findings.json"), "--report-dir", str(tmp_path / "out")])
    assert result.exit_code == 1  # the sample has breaking findings outside the baseline
    for name in (*REPORTS, "findings.json"):
        assert (tmp_path / "out" / name).is_file(), name
    assert load_findings(tmp_path / "out" / "findings.json") == document

    in_place = cli.invoke(main, ["report", str(tmp_path / "in" / "findings.json")])
    assert (tmp_path / "in" / "report.html").is_file(), in_place.output


def test_report_of_a_missing_file_is_a_usage_error(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(main, ["report", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_terminal_lists_the_top_breaking_findings(document: FindingsDocument) -> None:
    console = Console(record=True, width=200)
    print_summary(document, console)
    text = console.export_text()
    assert "FAIL" in text
    assert f"Breaking findings ({min(len(failing(document.findings)), TOP_BREAKING)} of" in text
    for finding in failing(document.findings):
        assert finding.kind.value in text
    baselined = next(f for f in document.findings if f.baselined and f.breaking)
    assert baselined.pointer not in text  # accepted findings are not listed


def test_expired_entries_turn_the_verdict(document: FindingsDocument) -> None:
    clean = replace(document, findings=(), summary=replace(document.summary, breaking=0))
    console = Console(record=True, width=200)
    print_summary(clean, console, expired=1)
    assert "FAIL" in console.export_text()


def test_no_credential_from_the_environment_reaches_a_report(
    document: FindingsDocument, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk_live_leaky<&>value"
    monkeypatch.setenv("WOOSHPAY_API_KEY", secret)
    leaky = replace(document.findings[0], observed=f"echoed {secret}", message=f"key {secret} echoed")
    # The run and `conformance report` pass the environment's credentials; the reports know no provider.
    write_all(replace(document, findings=(leaky, *document.findings[1:])), tmp_path, secrets=environment_secrets())
    for path in tmp_path.iterdir():
        text = path.read_text()
        assert "sk_live_leaky" not in text, path.name
    assert "REDACTED" in (tmp_path / "wooshpay.md").read_text()
