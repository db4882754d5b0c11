"""`conformance baseline update`: write or merge the baseline file from a run's findings."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from rich.markup import escape

from conformance.cli.common import clear_errors, console
from conformance.document.baseline import DEFAULT_PATH, Baseline, load_baseline, update_baseline, write_baseline
from conformance.document.model import load_findings


@click.group("baseline")
def baseline_group() -> None:
    """Accepted discrepancies: the file `conformance run --baseline` reads."""


@baseline_group.command("update")
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_PATH,
    show_default=True,
    help="The baseline file to create or merge into (.json for JSON, else YAML).",
)
@click.option(
    "--findings",
    "findings_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("reports/findings.json"),
    show_default=True,
    help="The findings of the run to accept.",
)
@click.option("--reason", help="Why the new findings are accepted (required when there are new ones).")
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), help="Expiry date of the new entries.")
@click.option("--all", "include_all", is_flag=True, help="Accept non-breaking and info findings too.")
@click.option("--prune", is_flag=True, help="Drop entries whose finding no longer reproduces.")
@clear_errors
def update_command(
    baseline_file: Path,
    findings_file: Path,
    reason: str | None,
    expires: datetime | None,
    include_all: bool,
    prune: bool,
) -> None:
    """Add the run's breaking findings to the baseline; existing entries keep their reason and expiry."""
    current = load_baseline(baseline_file) if baseline_file.exists() else Baseline(path=baseline_file)
    document = load_findings(findings_file)
    result = update_baseline(
        current,
        document,
        reason=reason,
        expires=expires.date() if expires else None,
        include_all=include_all,
        prune=prune,
    )
    write_baseline(result.baseline, baseline_file)
    kept = len(result.baseline.entries) - len(result.added)
    console.print(f"{baseline_file}: {len(result.added)} added, {kept} kept.", highlight=False, soft_wrap=True)
    for entry in result.added:
        console.print(f"  + {escape(entry.label)}", highlight=False, soft_wrap=True)
    if result.not_reproduced:
        verb = "removed" if prune else "kept (pass --prune to remove)"
        console.print(f"no longer reproduce, {verb}:", highlight=False, soft_wrap=True)
        for entry in result.not_reproduced:
            console.print(f"  - {escape(entry.label)}", highlight=False, soft_wrap=True)
