"""Vendor reports: one Markdown file per provider, ready to paste into a ticket to the vendor."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.findings import Finding, FindingsDocument, Kind
from conformance.providers import all_providers
from conformance.reports import lifecycle_table
from conformance.reports.doc_context import DocNote, doc_note, spec_for
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
from conformance.targets import TARGETS


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
    known = all_providers().get(provider)
    template = markdown_environment().get_template("vendor.md.j2")
    return template.render(
        provider=provider,
        title=known.title if known else provider,
        run=document.run,
        tool_version=document.tool_version,
        base_url=document.run.base_urls.get(provider),
        counts=Counts.of(findings),
        kind_rows=[(kind, Counts.of(f for f in findings if f.kind is kind)) for kind in kinds_in(findings)],
        severities=SEVERITIES,
        api_items=_items(api, start=1),
        doc_items=_items(docs, start=len(api) + 1),
        spec=spec_for(provider),
        tested=document.run.target in TARGETS,
        lifecycle=lifecycle_table.table(document, provider),
        Kind=Kind,
    )


def _items(findings: list[Finding], start: int) -> list[Item]:
    return [Item(number=start + i, finding=f, note=doc_note(f)) for i, f in enumerate(findings)]


def vendor_reports(document: FindingsDocument) -> dict[str, str]:
    """File name -> Markdown, for every provider of the run and any other a finding names."""
    return {vendor_file_name(p): render_vendor(document, p) for p in providers_of(document)}
