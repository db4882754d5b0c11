"""The summary reads well anywhere: plain lines in a CI log, tables on a terminal, JSON for scripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from conformance.cli.main import main
from conformance.cli.run_summary import conclude
from conformance.core.kinds import Kind
from conformance.coverage.gate import parse_thresholds
from conformance.document.model import FindingsDocument
from conformance.reports import findings_json
from conformance.reports.causes_view import cause_views
from conformance.reports.terminal import print_summary
from conformance.sandbox.faults import CATALOGUE, PROBE

BOX = set("│┃━─┏┓┗┛┡┩└┘├┤┼╇╈")


@pytest.fixture
def findings_file(document: FindingsDocument, tmp_path: Path) -> Path:
    return findings_json.write(document, tmp_path)


def _ci(cli: CliRunner, args: list[str]) -> str:
    """As in a CI log: stdout is no terminal and COLUMNS is unset."""
    result = cli.invoke(main, args, env={"COLUMNS": None, "FORCE_COLOR": None, "TTY_COMPATIBLE": None})
    assert result.exit_code in (0, 1), result.output
    return result.output


def test_ci_log_has_one_line_per_item_and_no_table_fragments(
    cli: CliRunner, findings_file: Path, document: FindingsDocument
) -> None:
    output = _ci(cli, ["report", str(findings_file)])
    lines = output.splitlines()
    assert not BOX & set(output), "a rich table was printed into a log"
    breaking = [f for f in document.findings if f.breaking and not f.baselined]
    shown = [f for f in breaking if any(f.message in line for line in lines)]
    assert len(shown) == min(len(breaking), 10)  # every shown message whole, on one line
    for view in cause_views(document):
        if view.live:
            title = " ".join(view.cause.title.split())
            assert any(title in line for line in lines), title
    assert lines[0].startswith("Root causes (")  # root causes lead
    assert sum(line.startswith(("PASS", "FAIL")) for line in lines) == 1


def test_quiet_prints_the_verdict_line_only(cli: CliRunner, findings_file: Path) -> None:
    lines = _ci(cli, ["report", str(findings_file), "--quiet"]).splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("FAIL  providers: ")


def test_json_summary(cli: CliRunner, findings_file: Path, document: FindingsDocument) -> None:
    result = cli.invoke(main, ["report", str(findings_file), "--format", "json"])
    data = json.loads(result.output)
    assert data["exit_code"] == result.exit_code == 1
    assert data["verdict"] == "fail"
    assert data["summary"]["breaking"] == document.summary.breaking
    live = [
        f.fingerprint
        for f in document.findings
        if not f.baselined and f.kind not in (Kind.DOC_DEFECT, Kind.DOC_EXAMPLE_MISMATCH)
    ]
    assert sorted(m for cause in data["root_causes"] for m in cause["members"]) == sorted(live)


def test_a_terminal_still_gets_tables(document: FindingsDocument) -> None:
    console = Console(record=True, width=120, force_terminal=True)
    print_summary(document, console)
    assert BOX & set(console.export_text())


def test_list_faults_as_json(cli: CliRunner) -> None:
    result = cli.invoke(main, ["sandbox", "--list-faults", "--format", "json"])
    assert result.exit_code == 0
    faults = json.loads(result.output)
    assert [f["name"] for f in faults] == [f.name for f in CATALOGUE]
    for fault in faults:
        assert fault["expect_kind"] is None or Kind(fault["expect_kind"])
        assert fault["observed_by"] in ("single request", "sequence", "events", "handler", PROBE)
    plain = _ci(cli, ["sandbox", "--list-faults"])
    # The title, one line per fault, and the hint that a named provider also lists its lifecycle flips.
    assert len(plain.splitlines()) == len(CATALOGUE) + 2


def test_bad_min_coverage_is_a_usage_error(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(main, ["run", "--min-coverage", "speed=9", "--report-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "--min-coverage 'speed=9' is not METRIC=PERCENT" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "findings.json").exists()


def test_coverage_gate_turns_the_verdict(faulty_run: tuple[Path, FindingsDocument, tuple[str, ...]]) -> None:
    directory, document, _ = faulty_run
    operations = document.coverage[0].metric("operations")
    assert operations is not None
    assert operations.exercised is not None
    assert operations.documented is not None
    assert operations.exercised < operations.documented  # the workflows call most operations, not all
    clean = type(document)(
        tool_version=document.tool_version,
        run=document.run,
        summary=type(document.summary)(**{**document.summary.__dict__, "breaking": 0}),
        findings=(),
        coverage=document.coverage,
    )
    console = Console(record=True, width=80)
    assert (
        conclude(clean, console, report_dir=directory, trailer="", thresholds=parse_thresholds(["operations=50"])) == 0
    )
    code = conclude(clean, console, report_dir=directory, trailer="", thresholds=parse_thresholds(["operations=100"]))
    assert code == 1
    text = console.export_text()
    assert "coverage gate: wooshpay operations" in text
    assert "is below the required 100%" in text
