"""`conformance drift --spec OLD NEW`: two OpenAPI files compared, findings written, verdict given.

Kept light on purpose: it reads the two files it is given and nothing else (no bundled spec is
loaded or validated, no provider registry, no schemathesis), prints the changes and writes
findings.json. The other formats are rendered on demand (`conformance report findings.json`): the
renderers load every provider's spec, which took most of the old command's 7-20 s. Comparing two
copies of a spec takes a fraction of a second (benchmarks/spec_drift_benchmark.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from conformance import __version__
from conformance.core.errors import EXIT_BREAKING, EXIT_OK
from conformance.document.model import FindingsDocument, RunInfo, Summary
from conformance.drift.changes import Change
from conformance.drift.grading import Grading
from conformance.drift.report import to_findings
from conformance.drift.spec_diff import compare_specs
from conformance.drift.spec_loader import load_document
from conformance.findings.model import Source, sort_findings
from conformance.reports import findings_json

if TYPE_CHECKING:
    from rich.console import Console

    from conformance.document.baseline import Baseline

TARGET = "drift"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def run_spec_drift(
    old_path: Path,
    new_path: Path,
    *,
    report_dir: Path,
    baseline: Baseline | None,
    grading: Grading,
    console: Callable[[], Console],
) -> int:
    """`console` is called only when there is a table to print: "no changes" needs no rich."""
    """The exit code: 1 when a change at or above the fail-on level is outside the baseline."""
    started = _now()
    old, new = load_document(old_path), load_document(new_path)
    changes = [c for c in compare_specs(old, new) if grading.severity(c.rule) is not None]
    findings = sort_findings(to_findings(changes, source=Source.DOCUMENTATION, grading=grading))
    if baseline is not None:
        findings = baseline.apply(findings)
    operations = len({(m, p) for m, p in (*_keys(old.document), *_keys(new.document))})
    document = FindingsDocument(
        tool_version=__version__,
        run=RunInfo(
            target=TARGET,
            providers=(new.provider,),
            base_urls={},
            seed=0,
            started_at=started,
            finished_at=_now(),
        ),
        summary=Summary.of(findings, operations=operations, requests=0),
        findings=tuple(findings),
    )
    findings_json.write(document, report_dir)  # talks to no provider: no credentials to scrub
    _print(changes, document, grading, console, old_path, new_path, report_dir)
    expired = baseline is not None and baseline.outcome(document).fails
    return EXIT_BREAKING if document.summary.breaking or expired else EXIT_OK


def _keys(document: dict[str, Any]) -> list[tuple[str, str]]:
    paths = document.get("paths") or {}
    return [(m, p) for p, item in paths.items() if isinstance(item, dict) for m in item if not m.startswith("x-")]


def _print(
    changes: list[Change],
    document: FindingsDocument,
    grading: Grading,
    make_console: Callable[[], Console],
    old_path: Path,
    new_path: Path,
    report_dir: Path,
) -> None:
    if not changes:
        click.echo(f"no changes between {old_path} and {new_path}")
        return
    from rich.markup import escape
    from rich.table import Table

    console = make_console()
    table = Table(title="Spec drift", title_justify="left")
    table.add_column("level", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("what changed", overflow="fold")
    for change in sorted(changes, key=lambda c: (-grading.level(c.rule), c.operation, c.pointer)):
        level = grading.level(change.rule).name
        style = "bold red" if level == "ERR" else "yellow" if level == "WARN" else "dim"
        where = f" [{change.pointer}]" if change.pointer else ""
        table.add_row(f"[{style}]{level}[/]", change.rule, escape(f"{change.operation} {change.clause}{where}"))
    console.print(table)
    s = document.summary
    verdict = "[bold red]BREAKING DRIFT[/]" if s.breaking else "[bold green]NO BREAKING DRIFT[/]"
    console.print(
        f"{verdict}  fail-on: {grading.fail_on.name}  breaking: {s.breaking}  non-breaking: {s.non_breaking}  "
        f"baselined: {s.baselined}"
    )
    console.print(
        f"findings: {report_dir / 'findings.json'} (other formats: conformance report {report_dir / 'findings.json'})",
        highlight=False,
        soft_wrap=True,
    )
