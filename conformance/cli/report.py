"""`conformance report FINDINGS_JSON`: re-render every report from a findings file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from conformance.cli.common import clear_errors, console
from conformance.cli.run_summary import conclude, format_option, quiet_option
from conformance.core.fsutil import require_writable
from conformance.document.baseline import load_baseline
from conformance.document.model import load_findings
from conformance.reports import findings_json
from conformance.reports.writer import write_all
from conformance.targets.environment_secrets import environment_secrets


@click.command("report")
@click.argument("findings_file", metavar="FINDINGS_JSON", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the reports are written.  [default: the directory of FINDINGS_JSON]",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Re-apply these accepted discrepancies (replacing the file's own marking); findings.json is rewritten to match.",
)
@format_option
@quiet_option
@clear_errors
def report_command(
    findings_file: Path, report_dir: Path | None, baseline_file: Path | None, output_format: str, quiet: bool
) -> None:
    """Re-render Markdown, HTML, JUnit and the comparison from a findings file; exit with its verdict."""
    baseline = load_baseline(baseline_file) if baseline_file else None
    document = load_findings(findings_file)
    if baseline is not None:
        document = baseline.apply_to_document(document)
    report_dir = report_dir or findings_file.parent
    require_writable(report_dir, "--report-dir")
    target = report_dir / findings_json.FILE_NAME
    # The reports link to findings.json beside them, and must agree with it.
    secrets = environment_secrets()
    if baseline is not None or not _same_file(target, findings_file):
        findings_json.write(document, report_dir, secrets=secrets)
    write_all(document, report_dir, secrets=secrets)
    trailer = f"reports: {report_dir}/ (report.html, junit.xml, comparison.md/.html, <provider>.md)"
    sys.exit(
        conclude(
            document,
            console,
            report_dir=report_dir,
            trailer=trailer,
            output_format=output_format,
            quiet=quiet,
            baseline=baseline,
        )
    )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
