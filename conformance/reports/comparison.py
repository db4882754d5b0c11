"""The cross-vendor comparison (reports/comparison.md and .html): lifecycle coverage, field map, differences.

Facts come from the specs (operations, provenance, the invoice schema), verdicts from the findings, and
the mapping of concepts to fields from the curated `field_map`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from conformance.findings import FindingsDocument, Severity
from conformance.providers import all_providers
from conformance.reports import field_map, lifecycle_table
from conformance.reports.doc_context import spec_for
from conformance.reports.model import http_url
from conformance.reports.templating import html_environment, markdown_environment
from conformance.specs import Spec
from conformance.targets import TARGETS

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
    known = all_providers()
    names = [n for n in field_map.PROVIDERS if n in known] + [n for n in known if n not in field_map.PROVIDERS]
    tested = document.run.target in TARGETS
    columns = tuple(Column(n, known[n].title, tested and n in document.run.providers) for n in names)
    specs = {c.name: spec_for(c.name) for c in columns}
    lifecycle = tuple(
        Row(step, label, {c.name: _step_cell(document, c, specs[c.name], step) for c in columns})
        for step, label in field_map.LIFECYCLE
    )
    fields = tuple(
        Row(concept, label, {c.name: _field_cell(specs[c.name], c.name, concept) for c in columns})
        for concept, label in field_map.CONCEPTS
    )
    statuses = tuple(
        Row(status, meaning, {c.name: _mapping(c.name).statuses.get(status) for c in columns})
        for status, meaning in field_map.STATUSES
    )
    unmapped = {
        c.name: tuple(v for v in _status_cell(fields, c.name).enum if v not in _mapping(c.name).statuses.values())
        for c in columns
    }
    comparison = Comparison(document, columns, lifecycle, fields, statuses, unmapped, ())
    return replace(comparison, differences=tuple(_differences(comparison, specs)))


def _mapping(provider: str) -> field_map.ProviderMap:
    return field_map.PROVIDERS.get(provider) or field_map.ProviderMap(invoice_schema="", operations={}, fields={})


# -- lifecycle ------------------------------------------------------------------------------------


def _step_cell(document: FindingsDocument, column: Column, spec: Spec | None, step: str) -> StepCell:
    op_ids = _mapping(column.name).operations.get(step, ())
    operations = tuple(_operation_cell(spec, op_id) for op_id in op_ids)
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


def _operation_cell(spec: Spec | None, op_id: str) -> OperationCell:
    op = spec.operations.get(op_id) if spec else None
    if op is None:
        return OperationCell(op_id, "", "", "missing from the spec", None)
    return OperationCell(op_id, op.method, op.path, op.provenance.status, http_url(op.doc_ref))


# -- fields ---------------------------------------------------------------------------------------


def _field_cell(spec: Spec | None, provider: str, concept: str) -> FieldCell:
    mapping = _mapping(provider)
    ref = mapping.fields.get(concept, field_map.FieldRef(""))
    if not ref.path or spec is None or not mapping.invoice_schema:
        return FieldCell(path=ref.path, note=ref.note)
    parent: dict[str, Any] = _deref(spec, spec.resolve(mapping.invoice_schema))
    node: dict[str, Any] | None = None
    required = False
    for name in ref.path.split("."):
        node = _deref(spec, (parent.get("properties") or {}).get(name))
        if not node:
            return FieldCell(path=ref.path, note=ref.note)
        required = name in (parent.get("required") or ())
        parent = node
    assert node is not None
    declared = node.get("type") or []
    declared = [declared] if isinstance(declared, str) else list(declared)
    # `oneOf: [{$ref}, {type: null}]` is how the specs write a nullable object.
    variants = [_deref(spec, v) for v in node.get("oneOf") or node.get("anyOf") or []]
    variant_types = [str(v.get("type", "object")) for v in variants]
    return FieldCell(
        path=ref.path,
        note=ref.note,
        found=True,
        types=tuple(t for t in declared or variant_types if t != "null"),
        nullable="null" in declared + variant_types,
        format=node.get("format"),
        enum=tuple(str(v) for v in node.get("enum") or () if v is not None),
        required=required,
        inferred=_text(node.get("x-inferred")),
        description=_text(node.get("description")),
    )


def _deref(spec: Spec, node: Any) -> dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node:
        node = spec.resolve(str(node["$ref"]).removeprefix("#"))
    return node if isinstance(node, dict) else {}


def _text(value: Any) -> str | None:
    return " ".join(str(value).split()) if value else None


def _status_cell(fields: Iterable[Row], provider: str) -> FieldCell:
    row = next(r for r in fields if r.key == "status")
    cell: FieldCell = row.cells[provider]
    return cell


# -- differences ----------------------------------------------------------------------------------


def _differences(c: Comparison, specs: dict[str, Spec | None]) -> list[Difference]:
    found = [_lifecycle_difference(c), *_field_differences(c), _status_difference(c)]
    found += [_naming_difference(c, specs), _envelope_difference(c, specs), _auth_difference(c, specs)]
    found.append(_pagination_difference(c, specs))
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
    status = next(r for r in c.fields if r.key == "status")
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


def _naming_difference(c: Comparison, specs: dict[str, Spec | None]) -> Difference | None:
    styles = {}
    for col in c.columns:
        spec = specs[col.name]
        mapping = _mapping(col.name)
        if spec is None or not mapping.invoice_schema:
            continue
        names = list(_deref(spec, spec.resolve(mapping.invoice_schema)).get("properties") or {})
        camel = sum(any(ch.isupper() for ch in n) for n in names)
        snake = sum("_" in n for n in names)
        styles[col.title] = "camelCase" if camel > snake else "snake_case"
    if len(set(styles.values())) <= 1:
        return None
    return Difference(
        "Field naming",
        "Property names follow different conventions: map them explicitly rather than by name.",
        tuple(styles.items()),
    )


def _envelope_difference(c: Comparison, specs: dict[str, Spec | None]) -> Difference | None:
    where = {}
    for col in c.columns:
        spec = specs[col.name]
        mapping = _mapping(col.name)
        ops = mapping.operations.get("retrieve", ())
        if spec is None or not ops or ops[0] not in spec.operations:
            continue
        location = _invoice_location(spec, ops[0], mapping.invoice_schema)
        where[col.title] = (
            "the response body is the invoice"
            if location == ""
            else f"the invoice is at `{location}`"
            if location
            else "not found"
        )
    if len(set(where.values())) <= 1:
        return None
    return Difference(
        "Response envelope", "Where the invoice sits in a retrieve response differs.", tuple(where.items())
    )


def _invoice_location(spec: Spec, op_id: str, invoice_pointer: str) -> str | None:
    op = spec.resolve(spec.operations[op_id].pointer)
    responses = op.get("responses") or {}
    success = next((responses[s] for s in sorted(responses) if str(s).startswith("2")), None)
    media: dict[str, Any] = next(iter((_deref(spec, success).get("content") or {}).values()), {}) if success else {}
    return _find_ref(spec, media.get("schema"), "#" + invoice_pointer, "", depth=3)


def _find_ref(spec: Spec, node: Any, target: str, at: str, depth: int) -> str | None:
    if not isinstance(node, dict) or depth < 0:
        return None
    if node.get("$ref") == target:
        return at
    for name, child in (_deref(spec, node).get("properties") or {}).items():
        found = _find_ref(spec, child, target, f"{at}/{name}", depth - 1)
        if found is not None:
            return found
    return None


def _auth_difference(c: Comparison, specs: dict[str, Spec | None]) -> Difference | None:
    schemes = {}
    for col in c.columns:
        spec = specs[col.name]
        if spec is None:
            continue
        found = (spec.document.get("components") or {}).get("securitySchemes") or {}
        schemes[col.title] = "; ".join(_scheme(s) for s in found.values()) or "none documented"
    if len(set(schemes.values())) <= 1:
        return None
    return Difference("Authentication", "Each provider authenticates differently.", tuple(schemes.items()))


def _scheme(scheme: dict[str, Any]) -> str:
    kind = scheme.get("type", "")
    if kind == "http":
        return f"HTTP {scheme.get('scheme', '')}".strip()
    if kind == "apiKey":
        return f"`{scheme.get('name')}` {scheme.get('in', '')}".strip()
    if kind == "oauth2":
        return "OAuth2 " + ", ".join(scheme.get("flows") or {})
    return str(kind)


def _pagination_difference(c: Comparison, specs: dict[str, Spec | None]) -> Difference | None:
    params = {}
    for col in c.columns:
        spec = specs[col.name]
        ops = _mapping(col.name).operations.get("list", ())
        if spec is None or not ops or ops[0] not in spec.operations:
            continue
        op = spec.resolve(spec.operations[ops[0]].pointer)
        query = [p for p in (_deref(spec, p) for p in op.get("parameters") or []) if p.get("in") == "query"]
        params[col.title] = ", ".join(f"`{p.get('name')}`" for p in query) or "no query parameters"
    if len(set(params.values())) <= 1:
        return None
    return Difference("Listing and pagination", "List parameters differ.", tuple(params.items()))


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
