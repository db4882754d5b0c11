"""`conformance audit`: the documentation audit alone."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from conformance.audit.stage import audit_stage
from conformance.cli.common import clear_errors, console, provider_option, report_dir_option
from conformance.cli.reporting import run_and_report
from conformance.cli.run_summary import conclude, format_option, quiet_option
from conformance.core.fsutil import require_writable


@click.command()
@provider_option
@report_dir_option
@format_option
@quiet_option
@clear_errors
def audit(providers: tuple[str, ...], report_dir: Path, output_format: str, quiet: bool) -> None:
    """The documentation audit alone: specs vs their documented examples and recorded doc defects."""
    require_writable(report_dir, "--report-dir")
    document = run_and_report(
        provider_names=providers,
        target="documentation",
        stages=[audit_stage],
        seed=0,
        report_dir=report_dir,
    )
    trailer = f"findings: {report_dir / 'findings.json'}"
    sys.exit(
        conclude(document, console, report_dir=report_dir, trailer=trailer, output_format=output_format, quiet=quiet)
    )
