"""How a command ends: the summary in the asked-for form, the coverage gate, and the exit code."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console

from conformance.core.errors import EXIT_BREAKING, EXIT_OK
from conformance.coverage.gate import Threshold, shortfalls
from conformance.document.baseline import Baseline
from conformance.document.model import FindingsDocument
from conformance.reports.console_output import line
from conformance.reports.terminal import print_baseline, print_json, print_summary, summary_json
from conformance.run import pipeline

FORMATS = ("text", "json")

format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="The summary as text (tables on a terminal, one line per item elsewhere) or as one JSON document.",
)
quiet_option = click.option("--quiet", "-q", is_flag=True, help="Print only the verdict line and what fails the gate.")


def conclude(
    document: FindingsDocument,
    console: Console,
    *,
    report_dir: Path,
    trailer: str,
    output_format: str = "text",
    quiet: bool = False,
    baseline: Baseline | None = None,
    thresholds: Sequence[Threshold] = (),
) -> int:
    """Print the summary; the exit code: 1 also when coverage is below a `--min-coverage` threshold."""
    outcome = baseline.outcome(document) if baseline else None
    gate = shortfalls(document.coverage, thresholds) if thresholds else []
    code = pipeline.exit_code(document, baseline)
    if code == EXIT_OK and gate:
        code = EXIT_BREAKING
    if output_format == "json":
        print_json(summary_json(document, exit_code=code, report_dir=report_dir, outcome=outcome, gate=gate), console)
        return code
    print_summary(document, console, expired=len(outcome.expired) if outcome else 0, gate=gate, quiet=quiet)
    if outcome is not None:
        print_baseline(outcome, console, quiet=quiet)
    if not quiet:
        line(console, trailer)
    return code
