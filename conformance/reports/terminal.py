"""The rich summary printed at the end of a run: counts, the top breaking findings, the baseline's state."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from conformance.baseline import BaselineOutcome
from conformance.findings import FindingsDocument, Severity
from conformance.reports import lifecycle_table

_STYLE = {Severity.BREAKING: "bold red", Severity.NON_BREAKING: "yellow", Severity.INFO: "cyan"}
TOP_BREAKING = 10  # enough to start on; the rest are in the reports


def print_summary(document: FindingsDocument, console: Console, *, expired: int = 0) -> None:
    counts: Counter[tuple[str, str, Severity]] = Counter()
    for finding in document.findings:
        if not finding.baselined:
            counts[(finding.provider, finding.kind.value, finding.severity)] += 1
    table = Table(title=f"Findings ({document.run.target})", show_lines=False)
    table.add_column("provider")
    table.add_column("kind")
    table.add_column("severity")
    table.add_column("count", justify="right")
    for (provider, kind, severity), count in sorted(counts.items(), key=lambda i: (i[0][0], i[0][2], i[0][1])):
        table.add_row(provider, kind, f"[{_STYLE[severity]}]{severity.value}[/]", str(count))
    if counts:
        console.print(table)
    _print_top_breaking(document, console)
    for line in lifecycle_table.summary_lines(document):
        console.print(escape(line), highlight=False, soft_wrap=True)
    s = document.summary
    verdict = "[bold red]FAIL[/]" if s.breaking or expired else "[bold green]PASS[/]"
    console.print(
        f"{verdict}  providers: {', '.join(document.run.providers)}  operations: {s.operations}  "
        f"requests: {s.requests}  breaking: {s.breaking}  non-breaking: {s.non_breaking}  "
        f"info: {s.info}  baselined: {s.baselined}" + (f"  expired baseline entries: {expired}" if expired else "")
    )


def _print_top_breaking(document: FindingsDocument, console: Console) -> None:
    breaking = [f for f in document.findings if f.breaking and not f.baselined]
    if not breaking:
        return
    table = Table(title=f"Breaking findings ({min(len(breaking), TOP_BREAKING)} of {len(breaking)})", show_lines=False)
    table.add_column("provider", no_wrap=True)
    table.add_column("operation", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("where", overflow="fold")
    table.add_column("message", overflow="fold")
    # Most repeated first: what a client hits most often.
    for finding in sorted(breaking, key=lambda f: -f.count)[:TOP_BREAKING]:
        table.add_row(
            finding.provider,
            finding.operation or "-",
            finding.kind.value,
            escape(finding.pointer or "(response)"),
            escape(finding.message),
        )
    console.print(table)


def print_baseline(outcome: BaselineOutcome, console: Console) -> None:
    """Expired entries fail the run; entries that no longer reproduce are candidates for removal."""
    if outcome.applied:
        console.print(f"baseline: {len(outcome.applied)} accepted finding(s) reported but not failing the run.")
    for entry in outcome.expired:
        console.print(
            f"[bold red]baseline entry expired[/] on {entry.expires}: {escape(entry.label)}; "
            f"reason was: {escape(entry.reason)}. Fix it, or renew the entry with a new date.",
            highlight=False,
            soft_wrap=True,
        )
    if outcome.not_reproduced:
        console.print(
            f"baseline: {len(outcome.not_reproduced)} entr{'y' if len(outcome.not_reproduced) == 1 else 'ies'} "
            "no longer reproduce (remove them with `conformance baseline update --prune`):",
            highlight=False,
            soft_wrap=True,
        )
        for entry in outcome.not_reproduced:
            console.print(f"  {escape(entry.label)}", highlight=False, soft_wrap=True)
