"""`conformance merge FINDINGS...`: the shards of one run (`run --shard K/N`) as one document, every
report and one exit code (interfaces.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from conformance.cli.common import clear_errors, console, report_dir_option
from conformance.cli.reporting import write_run
from conformance.cli.run_summary import conclude, format_option, quiet_option
from conformance.core.errors import UsageError
from conformance.core.fsutil import require_writable
from conformance.coverage.gate import parse_thresholds
from conformance.document.baseline import load_baseline
from conformance.document.model import load_findings
from conformance.run.merge import ShardDocument, merge

FILE_NAME = "findings.json"


def shard_files(paths: tuple[Path, ...]) -> list[Path]:
    """The files given, and every findings.json under a directory given (sorted, so the order is stable)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(path.rglob(FILE_NAME))
            if not inside:
                raise UsageError(f"{path} holds no {FILE_NAME}; pass the shards' findings files or their directory.")
            found.extend(inside)
        else:
            found.append(path)
    return found


@click.command("merge")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="FINDINGS...")
@report_dir_option
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), help="Accepted discrepancies.")
@click.option(
    "--min-coverage",
    "min_coverage",
    multiple=True,
    metavar="METRIC=PERCENT,...",
    help="Fail (exit 1) when a provider's merged contract coverage is below, e.g. operations=100,fields=80.",
)
@click.option(
    "--allow-partial",
    is_flag=True,
    help="Merge even when shards are missing; the reports say which and what they would have run.",
)
@format_option
@quiet_option
@clear_errors
def merge_command(
    paths: tuple[Path, ...],
    report_dir: Path,
    baseline: Path | None,
    min_coverage: tuple[str, ...],
    allow_partial: bool,
    output_format: str,
    quiet: bool,
) -> None:
    """Merge the findings.json of a run's shards into one findings.json and every report; exit with the verdict."""
    thresholds = parse_thresholds(min_coverage)
    accepted = load_baseline(baseline) if baseline else None
    shards = [ShardDocument(path, load_findings(path)) for path in shard_files(paths)]
    document = merge(shards, allow_partial=allow_partial, baseline=accepted)
    require_writable(report_dir, "--report-dir")
    document = write_run(document, report_dir)
    trailer = f"findings: {report_dir / FILE_NAME}; reports: report.html, junit.xml, comparison.md beside it"
    sys.exit(
        conclude(
            document,
            console,
            report_dir=report_dir,
            trailer=trailer,
            output_format=output_format,
            quiet=quiet,
            baseline=accepted,
            thresholds=thresholds,
        )
    )
