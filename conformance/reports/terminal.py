"""The summary printed at the end of a run: root causes, coverage, counts, the top breaking findings, the verdict.

Three forms: rich tables on a terminal, plain one-line-per-item text elsewhere (CI logs), and one JSON
document (`--format json`). `--quiet` keeps the verdict line and what fails the gate.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from conformance.core.kinds import Severity
from conformance.coverage.gate import Shortfall
from conformance.coverage.model import NOT_DOCUMENTED, Metric
from conformance.document.baseline import BaselineOutcome
from conformance.document.model import FindingsDocument
from conformance.findings.root_cause_model import RootCause
from conformance.reports import lifecycle_table
from conformance.reports.causes_view import cause_views
from conformance.reports.console_output import line, plain, print_table

TOP_BREAKING = 10  # enough to start on; the rest are in the reports
TOP_CAUSES = 10
_SEVERITY_ORDER = {Severity.BREAKING: 0, Severity.NON_BREAKING: 1, Severity.INFO: 2}
# Metrics shown on one line per provider, in this order.
COVERAGE_COLUMNS = (
    "operations",
    "success",
    "statuses",
    "fields",
    "enums",
    "parameters",
    "transitions",
    "behaviour",
    "events",
)


def live_causes(document: FindingsDocument) -> list[tuple[RootCause, int]]:
    """Root causes with at least one finding outside the baseline, and how many such findings each has."""
    return [(view.cause, view.live) for view in cause_views(document) if view.live]


def print_summary(
    document: FindingsDocument,
    console: Console,
    *,
    expired: int = 0,
    gate: Sequence[Shortfall] = (),
    quiet: bool = False,
) -> None:
    if not quiet:
        _print_root_causes(document, console)
        _print_coverage(document, console)
        _print_kinds(document, console)
        _print_top_breaking(document, console)
        for text in lifecycle_table.summary_lines(document):
            line(console, text)
    for shortfall in gate:
        line(console, shortfall.line)
    for gap in document.run.gaps:
        line(console, gap)
    s = document.summary
    failed = bool(s.breaking or expired or gate)
    verdict = "FAIL" if failed else "PASS"
    text = (
        f"{verdict}  providers: {', '.join(document.run.providers)}  target: {document.run.effective_target}  "
        f"operations: {s.operations}  "
        f"requests: {s.requests}  root causes: {len(live_causes(document))}  breaking: {s.breaking}  "
        f"non-breaking: {s.non_breaking}  info: {s.info}  baselined: {s.baselined}"
        + (f"  expected by fault: {s.expected_by_fault}" if s.expected_by_fault else "")
        + (f"  expired baseline entries: {expired}" if expired else "")
        + (f"  below coverage: {len(gate)}" if gate else "")
    )
    if plain(console):
        line(console, text)
    else:
        style = "bold red" if failed else "bold green"
        console.print(f"[{style}]{verdict}[/]" + escape(text[len(verdict) :]), highlight=False, soft_wrap=True)


def _print_root_causes(document: FindingsDocument, console: Console) -> None:
    causes = live_causes(document)
    if not causes:
        return
    shown = causes[:TOP_CAUSES]
    rows = [
        (
            cause.severity.value + ("" if cause.basis == "documented" else f" ({cause.basis})"),
            cause.provider,
            f"{cause.reach} op{'' if cause.reach == 1 else 's'}",
            f"{live} finding{'' if live == 1 else 's'}",
            cause.title,
        )
        for cause, live in shown
    ]
    title = f"Root causes ({len(shown)} of {len(causes)}, most severe and widest first)"
    print_table(
        console,
        title,
        ("severity", "provider", "reach", "findings", "root cause"),
        rows,
        no_wrap=("severity", "provider", "reach", "findings"),
    )


def _print_coverage(document: FindingsDocument, console: Console) -> None:
    if not document.coverage:
        return
    title = "Contract coverage (details in the reports)"
    if plain(console):  # a log: one whole line per provider
        rows = []
        for coverage in document.coverage:
            cells = [coverage.provider]
            for name in COVERAGE_COLUMNS:
                metric = coverage.metric(name)
                cells.append(f"{name} {_cell(metric)}")
            rows.append(cells)
        print_table(console, title, ("provider", *COVERAGE_COLUMNS), rows)
        return
    # A terminal: one row per metric, one narrow column per provider, so it fits 80 columns.
    providers = [coverage.provider for coverage in document.coverage]
    rows = []
    for name in COVERAGE_COLUMNS:
        metrics = [coverage.metric(name) for coverage in document.coverage]
        rows.append([name, *(_cell(metric) for metric in metrics)])
    print_table(console, title, ("metric", *providers), rows, no_wrap=("metric", *providers), numeric=providers)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def _cell(metric: Metric | None) -> str:
    """A metric's percentage; "not documented" (never a pass) where the provider documents nothing to cover."""
    if metric is not None and metric.note == NOT_DOCUMENTED:
        return NOT_DOCUMENTED
    return _percent(metric.percent) if metric else "n/a"


def _print_kinds(document: FindingsDocument, console: Console) -> None:
    counts: Counter[tuple[str, str, Severity, str]] = Counter()
    for finding in document.findings:
        if not finding.baselined and not finding.expected_by_fault:
            counts[(finding.provider, finding.kind.value, finding.severity, finding.basis.value)] += 1
    if not counts:
        return
    rows = [
        (provider, kind, severity.value, basis, str(count))
        for (provider, kind, severity, basis), count in sorted(
            counts.items(), key=lambda i: (i[0][0], _SEVERITY_ORDER[i[0][2]], i[0][1], i[0][3])
        )
    ]
    print_table(
        console,
        f"Findings ({document.run.effective_target})",
        ("provider", "kind", "severity", "basis", "count"),
        rows,
        no_wrap=("provider", "kind", "severity", "basis", "count"),
        numeric=("count",),
    )


def _print_top_breaking(document: FindingsDocument, console: Console) -> None:
    breaking = [f for f in document.findings if f.breaking and not f.baselined and not f.expected_by_fault]
    if not breaking:
        return
    # Most repeated first: what a client hits most often.
    shown = sorted(breaking, key=lambda f: -f.count)[:TOP_BREAKING]
    print_table(
        console,
        f"Breaking findings ({len(shown)} of {len(breaking)})",
        ("provider", "operation", "kind", "where", "message"),
        [(f.provider, f.operation or "-", f.kind.value, f.pointer or "(response)", f.message) for f in shown],
        no_wrap=("provider", "operation", "kind"),
    )


def print_baseline(outcome: BaselineOutcome, console: Console, *, quiet: bool = False) -> None:
    """Expired entries fail the run; entries that no longer reproduce are candidates for removal."""
    if outcome.applied and not quiet:
        line(console, f"baseline: {len(outcome.applied)} accepted finding(s) reported but not failing the run.")
    for entry in outcome.expired:
        line(
            console,
            f"baseline entry expired on {entry.expires}: {entry.label}; reason was: {entry.reason}. "
            "Fix it, or renew the entry with a new date.",
        )
    if outcome.not_reproduced and not quiet:
        many = len(outcome.not_reproduced)
        line(
            console,
            f"baseline: {many} entr{'y' if many == 1 else 'ies'} no longer reproduce "
            "(remove them with `conformance baseline update --prune`):",
        )
        for entry in outcome.not_reproduced:
            line(console, f"  {entry.label}")


def summary_json(
    document: FindingsDocument,
    *,
    exit_code: int,
    report_dir: Path,
    outcome: BaselineOutcome | None = None,
    gate: Sequence[Shortfall] = (),
) -> dict[str, Any]:
    """The summary as one JSON document (`--format json`): what CI scripts read instead of scraping text."""
    return {
        "verdict": "fail" if exit_code else "pass",
        "exit_code": exit_code,
        "run": {
            "target": document.run.target,
            "providers": list(document.run.providers),
            "seed": document.run.seed,
            "started_at": document.run.started_at,
            "finished_at": document.run.finished_at,
            "gaps": list(document.run.gaps),
        },
        "summary": asdict(document.summary),
        "root_causes": [
            {
                "id": view.cause.id,
                "provider": view.cause.provider,
                "severity": view.cause.severity.value,
                "kind": view.cause.kind.value,
                "title": view.cause.title,
                "reach": view.cause.reach,
                "findings": view.live,
                "members": [f.fingerprint for f in view.findings if not f.baselined],
            }
            for view in cause_views(document)
            if view.live
        ],
        "coverage": {
            c.provider: {
                m.name: {"percent": m.percent, "exercised": m.exercised, "documented": m.documented} for m in c.metrics
            }
            for c in document.coverage
        },
        "coverage_gate": [
            {"provider": s.provider, "metric": s.metric, "required": s.required, "message": s.line} for s in gate
        ],
        "baseline": None
        if outcome is None
        else {
            "applied": len(outcome.applied),
            "expired": [e.label for e in outcome.expired],
            "not_reproduced": [e.label for e in outcome.not_reproduced],
        },
        "reports": {"directory": str(report_dir), "findings": str(report_dir / "findings.json")},
    }


def print_json(data: dict[str, Any], console: Console) -> None:
    line(console, json.dumps(data, indent=2, ensure_ascii=False))
