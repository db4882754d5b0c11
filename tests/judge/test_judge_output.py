"""`conformance judge` prints like `conformance run`: --quiet, --format json, and off a terminal every
line whole (the closing `findings: ...; not judged: ...` line too, however long its paths)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from conformance.cli.main import main

MAPPING = ("--base-url", "wooshpay=http://127.0.0.1")


def _ci(args: list[str]) -> tuple[int, str]:
    """As in a CI log: stdout is no terminal and COLUMNS is unset (rich's default is 80)."""
    result = CliRunner().invoke(main, args, env={"COLUMNS": None, "FORCE_COLOR": None, "TTY_COMPATIBLE": None})
    return result.exit_code, result.stdout


def test_the_closing_line_never_wraps_off_a_terminal(tmp_path: Path, billing: Path) -> None:
    reports = tmp_path / ("a-report-directory-with-a-long-name-" * 3) / "reports"
    code, output = _ci(["judge", str(billing), *MAPPING, "--report-dir", str(reports)])
    assert code == 0, output
    closing = f"findings: {reports / 'findings.json'}; not judged: {reports / 'judge.json'}"
    assert len(closing) > 80
    assert closing in output.splitlines()


def test_quiet_prints_the_verdict_line_only(tmp_path: Path, billing: Path) -> None:
    code, output = _ci(["judge", str(billing), *MAPPING, "--report-dir", str(tmp_path / "r"), "--quiet"])
    assert code == 0
    lines = output.splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("PASS  providers: wooshpay  target: judge")


def test_format_json_is_one_document(tmp_path: Path, billing: Path) -> None:
    code, output = _ci(["judge", str(billing), *MAPPING, "--report-dir", str(tmp_path / "r"), "--format", "json"])
    data = json.loads(output)
    assert data["exit_code"] == code == 0
    assert data["verdict"] == "pass"
    assert data["summary"]["requests"] == 6
