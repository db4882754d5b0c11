"""The cross-vendor comparison (reports/comparison.md and .html): lifecycle coverage, field map, differences.

Facts of the specs (operations, provenance, the invoice schema) and the curated field map come from
findings.json's context, captured when the run read the specs; verdicts from the findings. A findings file
without a context has columns for its providers and no rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from conformance.core.kinds import Severity
from conformance.document.context import ComparisonFacts, FieldFacts, FieldMap, FieldRef, ProviderContext, ProviderMap
from conformance.document.model import API_TARGETS, FindingsDocument
from conformance.reports import lifecycle_table
from conformance.reports.model import http_url
from conformance.reports.templating import html_environment, markdown_environment

MARKDOWN_FILE = "comparison.md"
HTML_FILE = "comparison.html"


@dataclass(frozen=True)
class Column:
    name: str
    title: str
    ran: bool  # conformance-tested in this run (not just audited)


@dataclass(frozen=True)
class OperationCell:
    operation_id: str
    method: str
    path: str
    provenance: str  # documented | partial | inferred, or "missing from the spec"
    source_url: str | None


@dataclass(frozen=True)
class StepCell:
    operations: tuple[OperationCell, ...]
    result: str  # passed | failed | not run | not offered
    breaking: int = 0
    baselined: int = 0


@dataclass(frozen=True)
class FieldCell:
    path: str
    note: str
    found: bool = False
    types: tuple[str, ...] = ()
    nullable: bool = False
    format: str | None = None
    enum: tuple[str, ...] = ()
    required: bool = False
    inferred: str | None = None
    description: str | None = None

    @property
    def representation(self) -> str:
        if not self.path:
            return "none"
        if not self.found:
            return "not in the spec"
        text = " | ".join(self.types) or "any"
        if self.format:
            text += f" ({self.format})"
        return text + (", nullable" if self.nullable else "")


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: dict[str, Any]


@dataclass(frozen=True)
class Difference:
    topic: str
    summary: str
    details: tuple[tuple[str, str], ...]  # (who or what, plain text with `code` spans)


@dataclass(frozen=True)
class Comparison:
    document: FindingsDocument
    columns: tuple[Column, ...]
    lifecycle: tuple[Row, ...]
    fields: tuple[Row, ...]
    statuses: tuple[Row, ...]
    unmapped_statuses: dict[str, tuple[str, ...]]
    differences: tuple[Difference, ...]


def build(document: FindingsDocument) -> Comparison:
    context = document.context
    known: dict[str, ProviderContext] = dict(context.providers) if context else {}
    if not known:  # an older findings file: its own providers, nothing of their specs
        known = {name: ProviderContext(name=name, title=name) for name in document.run.providers}
    mapping = (context.field_map if context else None) or FieldMap((), (), (), {})
    tested = document.run.target in API_TARGETS
    columns = tuple(Column(n, p.title, tested and n in document.run.providers) for n, p in known.items())
    facts = {n: p.comparison for n, p in known.items()}
    maps = {c.name: _mapping(mapping, c.name) for c in columns}
    lifecycle = tuple(
        Row(step, label, {c.name: _step_cell(document, c, known[c.name], maps[c.name], step) for c in columns})
        for step, label in mapping.lifecycle
    )
    fields = tuple(
        Row(concept, label, {c.name: _field_cell(facts[c.name], maps[c.name], concept) for c in columns})
        for concept, label in mapping.concepts
    )
    statuses = tuple(
        Row(status, meaning, {c.name: maps[c.name].statuses.get(status) for c in columns})
        for status, meaning in mapping.statuses
    )
    unmapped = {
        c.name: tuple(v for v in _status_cell(fields, c.name).enum if v not in maps[c.name].statuses.values())
        for c in columns
    }
    comparison = Comparison(document, columns, lifecycle, fields, statuses, unmapped, ())
    return replace(comparison, differences=tuple(_differences(comparison, facts)))


def _mapping(field_map: FieldMap, provider: str) -> ProviderMap:
    return field_map.providers.get(provider) or ProviderMap(invoice_schema="", operations={}, fields={})


# -- lifecycle ------------------------------------------------------------------------------------


def _step_cell(
    document: FindingsDocument, column: Column, known: ProviderContext, mapping: ProviderMap, step: str
) -> StepCell:
    op_ids = mapping.operations.get(step, ())
    operations = tuple(_operation_cell(known, op_id) for op_id in op_ids)
    if not operations:
        return StepCell(operations=(), result="not offered")
    if not column.ran:
        return StepCell(operations=operations, result="not run")
    breaking = [
        f
        for f in document.findings
        if f.provider == column.name and f.operation in op_ids and f.severity is Severity.BREAKING
    ]
    failing = sum(not f.baselined for f in breaking)
    return StepCell(
        operations=operations,
        result="failed" if failing else "passed",
        breaking=failing,
        baselined=len(breaking) - failing,
    )


def _operation_cell(known: ProviderContext, op_id: str) -> OperationCell:
    op = known.operations.get(op_id)
    if op is None:
        return OperationCell(op_id, "", "", "missing from the spec", None)
    return OperationCell(op_id, op.method, op.path, op.provenance.status, http_url(op.doc_ref))


# -- fields ---------------------------------------------------------------------------------------


def _field_cell(facts: ComparisonFacts | None, mapping: ProviderMap, concept: str) -> FieldCell:
    ref = mapping.fields.get(concept, FieldRef(""))
    found: FieldFacts | None = facts.fields.get(concept) if facts and ref.path else None
    if found is None:
        return FieldCell(path=ref.path, note=ref.note)
    return FieldCell(
        path=ref.path,
        note=ref.note,
        found=True,
        types=found.types,
        nullable=found.nullable,
        format=found.format,
        enum=found.enum,
        required=found.required,
        inferred=found.inferred,
        description=found.description,
    )


def _status_cell(fields: Iterable[Row], provider: str) -> FieldCell:
    row = next((r for r in fields if r.key == "status"), None)
    return row.cells[provider] if row else FieldCell(path="", note="")


# -- differences ----------------------------------------------------------------------------------


def _differences(c: Comparison, facts: dict[str, ComparisonFacts | None]) -> list[Difference]:
    found = [_lifecycle_difference(c), *_field_differences(c), _status_difference(c)]
    found += [
        _fact_difference(
            c,
            facts,
            "naming",
            "Field naming",
            "Property names follow different conventions: map them explicitly rather than by name.",
        ),
        _fact_difference(
            c, facts, "envelope", "Response envelope", "Where the invoice sits in a retrieve response differs."
        ),
        _fact_difference(c, facts, "auth", "Authentication", "Each provider authenticates differently."),
        _fact_difference(c, facts, "pagination", "Listing and pagination", "List parameters differ."),
        _fact_difference(
            c,
            facts,
            "events",
            "Invoice events",
            "Providers name their invoice events differently, and not all send them: map event names per provider.",
        ),
        _fact_difference(
            c,
            facts,
            "delivery",
            "Webhook delivery",
            "Bodies, signatures, acknowledgement and retries differ: one receiver per provider.",
        ),
    ]
    return [d for d in found if d is not None]


def _lifecycle_difference(c: Comparison) -> Difference | None:
    details = []
    for row in c.lifecycle:
        offering = [col.title for col in c.columns if row.cells[col.name].operations]
        if 0 < len(offering) < len(c.columns):
            missing = [col.title for col in c.columns if not row.cells[col.name].operations]
            details.append((row.label, f"only {', '.join(offering)}; not {', '.join(missing)}"))
    if not details:
        return None
    return Difference(
        "Lifecycle",
        "Not every provider offers every step: the integration must branch per provider, or emulate the step.",
        tuple(details),
    )


def _field_differences(c: Comparison) -> list[Difference]:
    found = []
    for row in c.fields:
        if row.key == "status":
            continue  # the status values get their own difference
        cells: dict[str, FieldCell] = row.cells
        shapes = {(cell.representation, cell.note) for cell in cells.values()}
        if len(shapes) <= 1:
            continue
        missing = [col.title for col in c.columns if not cells[col.name].path]
        reprs = {cell.representation for cell in cells.values() if cell.path}
        parts = []
        if missing:
            parts.append(f"missing at {', '.join(missing)}")
        if len(reprs) > 1:
            parts.append("types or formats differ")
        if not parts:
            parts.append("units or meaning differ")
        details = tuple((col.title, _describe(cells[col.name])) for col in c.columns)
        summary = "; ".join(parts)
        found.append(Difference(row.label, summary[0].upper() + summary[1:] + ".", details))
    return found


def _describe(cell: FieldCell) -> str:
    if not cell.path:
        return cell.note or "no such field"
    text = f"`{cell.path}`: {cell.representation}"
    return f"{text}; {cell.note}" if cell.note else text


def _status_difference(c: Comparison) -> Difference | None:
    status = next((r for r in c.fields if r.key == "status"), None)
    if status is None:
        return None
    values = {col.name: status.cells[col.name].enum for col in c.columns}
    if len({frozenset(v) for v in values.values()}) <= 1:
        return None
    details = []
    for col in c.columns:
        text = ", ".join(f"`{v}`" for v in values[col.name]) or "no values documented"
        if c.unmapped_statuses.get(col.name):
            text += f" (not mapped to a common status: {', '.join(c.unmapped_statuses[col.name])})"
        details.append((col.title, text))
    return Difference(
        "Status values",
        "Value sets and spelling differ: normalise to one status set (the status map above) before any business logic.",
        tuple(details),
    )


def _fact_difference(
    c: Comparison, facts: dict[str, ComparisonFacts | None], name: str, topic: str, summary: str
) -> Difference | None:
    """One of the spec facts (naming, envelope, auth, pagination, events, delivery): a difference when the
    columns disagree."""
    values = {}
    for col in c.columns:
        found = facts.get(col.name)
        value = getattr(found, name) if found is not None else None
        if value is not None:
            values[col.title] = value
    if len(set(values.values())) <= 1:
        return None
    return Difference(topic, summary, tuple(values.items()))


# -- rendering ------------------------------------------------------------------------------------


def render_markdown(comparison: Comparison) -> str:
    return (
        markdown_environment()
        .get_template("comparison.md.j2")
        .render(c=comparison, run=comparison.document.run, lifecycle=lifecycle_table.tables(comparison.document))
    )


def render_html(comparison: Comparison) -> str:
    return (
        html_environment()
        .get_template("comparison.html.j2")
        .render(c=comparison, run=comparison.document.run, lifecycle=lifecycle_table.tables(comparison.document))
    )


def reports(document: FindingsDocument) -> dict[str, str]:
    comparison = build(document)
    return {MARKDOWN_FILE: render_markdown(comparison), HTML_FILE: render_html(comparison)}
