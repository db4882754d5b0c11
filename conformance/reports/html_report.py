"""reports/report.html: one self-contained page (inline CSS and JS, no fetches) over every finding."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.coverage.model import Metric, ProviderCoverage
from conformance.document.model import FindingsDocument
from conformance.findings.model import Finding
from conformance.reports import lifecycle_table
from conformance.reports.causes_view import CHECK_COLUMNS, MatrixRow, cause_views, metrics_in_order, operation_matrix
from conformance.reports.doc_context import DocNote, doc_note, provider_title
from conformance.reports.model import SEVERITIES, SEVERITY_RANK, Counts, findings_of, kinds_in, providers_of
from conformance.reports.templating import html_environment

FILE_NAME = "report.html"


@dataclass(frozen=True)
class ProviderRow:
    name: str
    title: str
    counts: Counts


@dataclass(frozen=True)
class Row:
    finding: Finding
    note: DocNote
    rank: int


@dataclass(frozen=True)
class CoverageBlock:
    title: str
    coverage: ProviderCoverage
    metrics: list[Metric]
    matrix: list[MatrixRow]


def render(document: FindingsDocument) -> str:
    causes = cause_views(document)
    blocks = [
        CoverageBlock(
            title=provider_title(document, c.provider),
            coverage=c,
            metrics=metrics_in_order(c),
            matrix=operation_matrix(document, c.provider),
        )
        for c in document.coverage
    ]
    providers = [
        ProviderRow(name=p, title=provider_title(document, p), counts=Counts.of(findings_of(document, p)))
        for p in providers_of(document)
    ]
    template = html_environment().get_template("report.html.j2")
    return template.render(
        document=document,
        run=document.run,
        providers=providers,
        totals=Counts.of(document.findings),
        severities=SEVERITIES,
        kinds=kinds_in(document.findings),
        causes=causes,
        cause_findings=sum(len(v.findings) for v in causes),
        coverage_blocks=blocks,
        check_columns=[name for name, _ in CHECK_COLUMNS],
        rows=[Row(finding=f, note=doc_note(document, f), rank=SEVERITY_RANK[f.severity]) for f in document.findings],
        lifecycle=lifecycle_table.tables(document),
    )


def reports(document: FindingsDocument) -> dict[str, str]:
    return {FILE_NAME: render(document)}
