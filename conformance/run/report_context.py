"""The context findings.json carries for its reports, read from the specs when the run happens.

Every provider the installation knows is described (the comparison has a column for each): its title,
its operations with their provenance, its recorded documentation defects, and what the cross-vendor
comparison reads from its spec, next to the curated field map. Reports read only this, never a spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.core.errors import UsageError
from conformance.document import field_map
from conformance.document.context import (
    ComparisonFacts,
    DocDefect,
    DocSource,
    FieldFacts,
    OperationInfo,
    Provenance,
    ProviderContext,
    ProviderMap,
    ReportContext,
    SpecInfo,
)
from conformance.providers import all_providers
from conformance.providers.base import Provider
from conformance.spec.specs import Spec
from conformance.spec.webhooks import webhooks_of


def build(providers: Mapping[str, Provider] | None = None) -> ReportContext:
    """The context of every known provider, field-mapped ones first, in the registry's order."""
    known = all_providers() if providers is None else providers
    maps = {name: found for name, provider in known.items() if (found := provider.field_map()) is not None}
    names = [*maps, *(n for n in known if n not in maps)]
    mapping = field_map.as_context(maps)
    return ReportContext(
        providers={name: provider_context(known[name], mapping.providers.get(name)) for name in names},
        field_map=mapping,
    )


def provider_context(
    provider: Provider, mapping: ProviderMap | None = None, *, spec: Spec | None = None
) -> ProviderContext:
    """`spec`: another version of the provider's spec than the one the process reads."""
    try:
        spec = spec or provider.spec
        defects = spec.defects
    except UsageError:
        return ProviderContext(name=provider.name, title=provider.title)  # a broken spec is reported by the run
    return ProviderContext(
        name=provider.name,
        title=provider.title,
        spec=SpecInfo(spec.title, str((spec.document.get("info") or {}).get("version", ""))),
        operations={
            op_id: OperationInfo(
                operation_id=op_id,
                method=op.method,
                path=op.path,
                provenance=Provenance(
                    status=op.provenance.status,
                    sources=tuple(DocSource(s.url, s.title, s.modified, s.seed) for s in op.provenance.sources),
                    reason=op.provenance.reason,
                ),
            )
            for op_id, op in spec.operations.items()
        },
        defects=tuple(DocDefect(d.id, d.title, d.where, d.operations, d.examples) for d in defects),
        comparison=_comparison(spec, mapping or ProviderMap(invoice_schema="", operations={}, fields={})),
    )


# -- what the comparison reads from a spec ---------------------------------------------------------


def _comparison(spec: Spec, mapping: ProviderMap) -> ComparisonFacts:
    fields = {}
    for concept, ref in mapping.fields.items():
        facts = _field_facts(spec, mapping.invoice_schema, ref.path)
        if facts is not None:
            fields[concept] = facts
    return ComparisonFacts(
        fields=fields,
        naming=_naming(spec, mapping),
        envelope=_envelope(spec, mapping),
        auth=_auth(spec),
        pagination=_pagination(spec, mapping),
        events=_events(spec),
        delivery=_delivery(spec),
    )


def _events(spec: Spec) -> str:
    contract = webhooks_of(spec)
    if not contract.documented:
        return "not documented"
    inferred = [e.name for e in contract.events.values() if e.provenance.status == "inferred"]
    names = ", ".join(f"`{name}`" for name in contract.events)
    if not inferred:
        return names
    if len(inferred) == len(contract.events):
        return f"{names} (all inferred)"
    return f"{names} (inferred but {', '.join(f'`{n}`' for n in contract.events if n not in inferred)})"


def _seconds(value: float) -> str:
    return f"{value / 3600:g} h" if value >= 3600 else f"{value / 60:g} min" if value >= 60 else f"{value:g} s"


def _delivery(spec: Spec) -> str:
    rules = webhooks_of(spec).rules
    if rules is None:
        return "not documented"
    versions: dict[str, list[str]] = {}
    for rule in rules.content_types:
        versions.setdefault(rule.content_type, []).append(rule.api_version)
    bodies = []
    for content_type, names in versions.items():
        named = [v for v in names if v != "*"]
        if not named:
            bodies.append(content_type + (" (other API versions)" if len(versions) > 1 else ""))
        else:
            bodies.append(f"{content_type} (API versions {', '.join(named)})")
    parts = [" or ".join(bodies)]
    if rules.signature is not None:
        basis = " (inferred)" if rules.signature.provenance.status == "inferred" else ""
        parts.append(f"signed {rules.signature.scheme} in `{rules.signature.header}`{basis}")
    else:
        parts.append("no signature declared")
    parts.append(f"acknowledged by {' or '.join(rules.acknowledged_by)}")
    delays = rules.retries.delays
    shown = ", ".join(_seconds(d) for d in delays[:5]) + (f", ... {_seconds(delays[-1])}" if len(delays) > 5 else "")
    retries = f"{len(delays)} retries after {shown}" + (
        " (inferred)" if rules.retries.provenance.status == "inferred" else ""
    )
    parts.append(retries)
    return "; ".join(parts)


def _field_facts(spec: Spec, invoice_schema: str, path: str) -> FieldFacts | None:
    if not path or not invoice_schema:
        return None
    parent: dict[str, Any] = _deref(spec, spec.resolve(invoice_schema))
    node: dict[str, Any] | None = None
    required = False
    for name in path.split("."):
        node = _deref(spec, (parent.get("properties") or {}).get(name))
        if not node:
            return None
        required = name in (parent.get("required") or ())
        parent = node
    assert node is not None
    declared = node.get("type") or []
    declared = [declared] if isinstance(declared, str) else list(declared)
    # `oneOf: [{$ref}, {type: null}]` is how the specs write a nullable object.
    variants = [_deref(spec, v) for v in node.get("oneOf") or node.get("anyOf") or []]
    variant_types = [str(v.get("type", "object")) for v in variants]
    return FieldFacts(
        types=tuple(t for t in declared or variant_types if t != "null"),
        nullable="null" in declared + variant_types,
        format=node.get("format"),
        enum=tuple(str(v) for v in node.get("enum") or () if v is not None),
        required=required,
        inferred=_text(node.get("x-inferred")),
        description=_text(node.get("description")),
    )


def _deref(spec: Spec, node: Any) -> dict[str, Any]:
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node and str(node["$ref"]) not in seen:
        seen.add(str(node["$ref"]))
        node = spec.resolve(str(node["$ref"]).removeprefix("#"))
    return node if isinstance(node, dict) else {}


def _text(value: Any) -> str | None:
    return " ".join(str(value).split()) if value else None


def _naming(spec: Spec, mapping: ProviderMap) -> str | None:
    if not mapping.invoice_schema:
        return None
    names = list(_deref(spec, spec.resolve(mapping.invoice_schema)).get("properties") or {})
    camel = sum(any(ch.isupper() for ch in n) for n in names)
    snake = sum("_" in n for n in names)
    return "camelCase" if camel > snake else "snake_case"


def _envelope(spec: Spec, mapping: ProviderMap) -> str | None:
    ops = mapping.operations.get("retrieve", ())
    if not ops or ops[0] not in spec.operations:
        return None
    location = _invoice_location(spec, ops[0], mapping.invoice_schema)
    if location == "":
        return "the response body is the invoice"
    return f"the invoice is at `{location}`" if location else "not found"


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


def _auth(spec: Spec) -> str:
    found = (spec.document.get("components") or {}).get("securitySchemes") or {}
    return "; ".join(_scheme(s) for s in found.values()) or "none documented"


def _scheme(scheme: dict[str, Any]) -> str:
    kind = scheme.get("type", "")
    if kind == "http":
        return f"HTTP {scheme.get('scheme', '')}".strip()
    if kind == "apiKey":
        return f"`{scheme.get('name')}` {scheme.get('in', '')}".strip()
    if kind == "oauth2":
        return "OAuth2 " + ", ".join(scheme.get("flows") or {})
    return str(kind)


def _pagination(spec: Spec, mapping: ProviderMap) -> str | None:
    ops = mapping.operations.get("list", ())
    if not ops or ops[0] not in spec.operations:
        return None
    op = spec.resolve(spec.operations[ops[0]].pointer)
    query = [p for p in (_deref(spec, p) for p in op.get("parameters") or []) if p.get("in") == "query"]
    return ", ".join(f"`{p.get('name')}`" for p in query) or "no query parameters"
