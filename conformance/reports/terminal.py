"""The rich summary printed at the end of a run."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table

from conformance.findings import FindingsDocument, Severity

_STYLE = {Severity.BREAKING: "bold red", Severity.NON_BREAKING: "yellow", Severity.INFO: "cyan"}


def print_summary(document: FindingsDocument, console: Console) -> None:
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
    s = document.summary
    verdict = "[bold red]FAIL[/]" if s.breaking else "[bold green]PASS[/]"
    console.print(
        f"{verdict}  providers: {', '.join(document.run.providers)}  operations: {s.operations}  "
        f"requests: {s.requests}  breaking: {s.breaking}  non-breaking: {s.non_breaking}  "
        f"info: {s.info}  baselined: {s.baselined}"
    )
