"""Vendor reports: one Markdown file per provider, ready to paste into a ticket to the vendor."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.core.kinds import Kind
from conformance.document.model import API_TARGETS, FindingsDocument
from conformance.findings.model import Finding
from conformance.reports import lifecycle_table
from conformance.reports.causes_view import cause_views, coverage_of, metrics_in_order, number_ranges, shown_never
from conformance.reports.doc_context import DocNote, doc_note, provider_context
from conformance.reports.model import (
    SEVERITIES,
    SEVERITY_RANK,
    Counts,
    findings_of,
    is_doc_finding,
    kinds_in,
    providers_of,
)
from conformance.reports.templating import markdown_environment


@dataclass(frozen=True)
class Item:
    """A finding with what the spec says around it."""

    number: int
    finding: Finding
    note: DocNote


def vendor_file_name(provider: str) -> str:
    return f"{provider}.md"


def render_vendor(document: FindingsDocument, provider: str) -> str:
    findings = findings_of(document, provider)
    ordered = sorted(findings, key=lambda f: (SEVERITY_RANK[f.severity], f.baselined, f.operation, f.kind, f.pointer))
    api = [f for f in ordered if not is_doc_finding(f)]
    docs = [f for f in ordered if is_doc_finding(f)]
    known = provider_context(document, provider)
    items = _items(document, api, start=1)
    numbers = {item.finding.fingerprint: item.number for item in items}
    causes = cause_views(document, provider)
    coverage = coverage_of(document, provider)
    template = markdown_environment().get_template("vendor.md.j2")
    return template.render(
        provider=provider,
        title=known.title if known else provider,
        run=document.run,
        target=document.run.target_of(provider),
        tool_version=document.tool_version,
        base_url=document.run.base_urls.get(provider),
        counts=Counts.of(findings),
        kind_rows=[(kind, Counts.of(f for f in findings if f.kind is kind)) for kind in kinds_in(findings)],
        severities=SEVERITIES,
        api_items=items,
        api_count=len(api),
        causes=causes,
        numbers={v.cause.id: number_ranges(numbers[f.fingerprint] for f in v.findings) for v in causes},
        coverage=coverage,
        coverage_metrics=metrics_in_order(coverage) if coverage else [],
        never=shown_never,
        cause_of={
            f.fingerprint: f"R{n} ({len(v.findings)} findings)" if len(v.findings) > 1 else f"R{n}"
            for n, v in enumerate(causes, start=1)
            for f in v.findings
        },
        doc_items=_items(document, docs, start=len(api) + 1),
        spec=known.spec if known else None,
        tested=document.run.target in API_TARGETS,
        lifecycle=lifecycle_table.table(document, provider),
        Kind=Kind,
    )


def _items(document: FindingsDocument, findings: list[Finding], start: int) -> list[Item]:
    return [Item(number=start + i, finding=f, note=doc_note(document, f)) for i, f in enumerate(findings)]


def vendor_reports(document: FindingsDocument) -> dict[str, str]:
    """File name -> Markdown, for every provider of the run and any other a finding names."""
    return {vendor_file_name(p): render_vendor(document, p) for p in providers_of(document)}
