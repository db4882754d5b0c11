"""What the reports need to know besides the findings, captured from the specs when the run happened.

findings.json carries it as `context` (additive to schema_version 1, versioned on its own), so
`conformance report` renders an old findings.json exactly as the run did even after the specs changed,
and the reports never read a spec. A file without it (or a provider it does not name) renders with what
the findings themselves say: titles fall back to provider names, spec-derived notes are left out.
Built by `conformance.run.report_context`; plain data here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CONTEXT_VERSION = 1


@dataclass(frozen=True)
class DocSource:
    url: str | None
    title: str | None = None
    modified: str | None = None
    seed: str | None = None

    @property
    def ref(self) -> str:
        return self.url or self.seed or ""

    def to_json(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (("url", self.url), ("title", self.title), ("modified", self.modified), ("seed", self.seed))
            if v is not None
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DocSource:
        return cls(url=data.get("url"), title=data.get("title"), modified=data.get("modified"), seed=data.get("seed"))


@dataclass(frozen=True)
class Provenance:
    status: str  # documented | partial | inferred
    sources: tuple[DocSource, ...]
    reason: str | None

    @property
    def doc_ref(self) -> str:
        return self.sources[0].ref if self.sources else ""

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "sources": [s.to_json() for s in self.sources], "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Provenance:
        return cls(
            status=str(data["status"]),
            sources=tuple(DocSource.from_json(s) for s in data.get("sources") or ()),
            reason=data.get("reason"),
        )


@dataclass(frozen=True)
class OperationInfo:
    operation_id: str
    method: str
    path: str
    provenance: Provenance

    @property
    def doc_ref(self) -> str:
        return self.provenance.doc_ref

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "provenance": self.provenance.to_json()}

    @classmethod
    def from_json(cls, operation_id: str, data: Mapping[str, Any]) -> OperationInfo:
        return cls(
            operation_id=operation_id,
            method=str(data["method"]),
            path=str(data["path"]),
            provenance=Provenance.from_json(data["provenance"]),
        )


@dataclass(frozen=True)
class DocDefect:
    """A contradiction in the provider's documentation, as the spec records it (`x-doc-defects`)."""

    id: str
    title: str
    where: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "where": list(self.where),
            "operations": list(self.operations),
            "examples": list(self.examples),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DocDefect:
        return cls(
            id=str(data["id"]),
            title=str(data["title"]),
            where=tuple(data.get("where") or ()),
            operations=tuple(data.get("operations") or ()),
            examples=tuple(data.get("examples") or ()),
        )


@dataclass(frozen=True)
class SpecInfo:
    title: str
    version: str  # info.version: the documentation snapshot the spec transcribes


@dataclass(frozen=True)
class FieldFacts:
    """What the spec says of one invoice field the field map names (only for fields the spec has)."""

    types: tuple[str, ...] = ()
    nullable: bool = False
    format: str | None = None
    enum: tuple[str, ...] = ()
    required: bool = False
    inferred: str | None = None
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "types": list(self.types),
            "nullable": self.nullable,
            "format": self.format,
            "enum": list(self.enum),
            "required": self.required,
            "inferred": self.inferred,
            "description": self.description,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldFacts:
        return cls(
            types=tuple(data.get("types") or ()),
            nullable=bool(data.get("nullable")),
            format=data.get("format"),
            enum=tuple(data.get("enum") or ()),
            required=bool(data.get("required")),
            inferred=data.get("inferred"),
            description=data.get("description"),
        )


@dataclass(frozen=True)
class ComparisonFacts:
    """What the cross-vendor comparison reads from one provider's spec; None where the spec does not say."""

    fields: dict[str, FieldFacts] = field(default_factory=dict)  # concept -> the field's facts
    naming: str | None = None  # camelCase | snake_case, of the invoice object's properties
    envelope: str | None = None  # where the invoice sits in a retrieve response
    auth: str | None = None  # the security schemes, described
    pagination: str | None = None  # the list operation's query parameters
    events: str | None = None  # the invoice events the spec declares ("not documented" when none)
    delivery: str | None = None  # how they are delivered: content type, signature, acknowledgement, retries

    def to_json(self) -> dict[str, Any]:
        return {
            "fields": {k: v.to_json() for k, v in self.fields.items()},
            "naming": self.naming,
            "envelope": self.envelope,
            "auth": self.auth,
            "pagination": self.pagination,
            "events": self.events,
            "delivery": self.delivery,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ComparisonFacts:
        return cls(
            fields={str(k): FieldFacts.from_json(v) for k, v in (data.get("fields") or {}).items()},
            naming=data.get("naming"),
            envelope=data.get("envelope"),
            auth=data.get("auth"),
            pagination=data.get("pagination"),
            events=data.get("events"),
            delivery=data.get("delivery"),
        )


@dataclass(frozen=True)
class ProviderContext:
    name: str
    title: str
    spec: SpecInfo | None = None  # None: the spec could not be read when the run happened
    operations: dict[str, OperationInfo] = field(default_factory=dict)  # in spec order
    defects: tuple[DocDefect, ...] = ()
    comparison: ComparisonFacts | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"title": self.title}
        if self.spec is not None:
            data["spec"] = {"title": self.spec.title, "version": self.spec.version}
        data["operations"] = {k: v.to_json() for k, v in self.operations.items()}
        data["doc_defects"] = [d.to_json() for d in self.defects]
        if self.comparison is not None:
            data["comparison"] = self.comparison.to_json()
        return data

    @classmethod
    def from_json(cls, name: str, data: Mapping[str, Any]) -> ProviderContext:
        spec = data.get("spec")
        comparison = data.get("comparison")
        return cls(
            name=name,
            title=str(data.get("title") or name),
            spec=SpecInfo(str(spec["title"]), str(spec.get("version") or "")) if spec else None,
            operations={str(k): OperationInfo.from_json(str(k), v) for k, v in (data.get("operations") or {}).items()},
            defects=tuple(DocDefect.from_json(d) for d in data.get("doc_defects") or ()),
            comparison=ComparisonFacts.from_json(comparison) if comparison is not None else None,
        )


# -- the curated cross-vendor field map (its data: conformance/providers/<name>/field_map.py) ----------------


@dataclass(frozen=True)
class FieldRef:
    """A concept's field in the provider's invoice object; `path` "" means the provider has none."""

    path: str
    note: str = ""  # what the type does not say: the unit, or what to use instead


@dataclass(frozen=True)
class ProviderMap:
    invoice_schema: str  # JSON pointer of the invoice object in the provider's spec
    operations: dict[str, tuple[str, ...]]  # lifecycle step -> operationIds
    fields: dict[str, FieldRef]  # concept -> field (dotted path for nested properties)
    statuses: dict[str, str] = field(default_factory=dict)  # canonical status -> the provider's value

    def to_json(self) -> dict[str, Any]:
        return {
            "invoice_schema": self.invoice_schema,
            "operations": {k: list(v) for k, v in self.operations.items()},
            "fields": {k: {"path": v.path, "note": v.note} for k, v in self.fields.items()},
            "statuses": dict(self.statuses),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProviderMap:
        return cls(
            invoice_schema=str(data.get("invoice_schema") or ""),
            operations={str(k): tuple(v) for k, v in (data.get("operations") or {}).items()},
            fields={
                str(k): FieldRef(str(v.get("path") or ""), str(v.get("note") or ""))
                for k, v in (data.get("fields") or {}).items()
            },
            statuses={str(k): str(v) for k, v in (data.get("statuses") or {}).items()},
        )


@dataclass(frozen=True)
class FieldMap:
    lifecycle: tuple[tuple[str, str], ...]  # (step, label), in the order an integration meets them
    concepts: tuple[tuple[str, str], ...]  # (concept, label) of the invoice object
    statuses: tuple[tuple[str, str], ...]  # (common status, meaning)
    providers: dict[str, ProviderMap]

    def to_json(self) -> dict[str, Any]:
        return {
            "lifecycle": [list(p) for p in self.lifecycle],
            "concepts": [list(p) for p in self.concepts],
            "statuses": [list(p) for p in self.statuses],
            "providers": {k: v.to_json() for k, v in self.providers.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldMap:
        def pairs(key: str) -> tuple[tuple[str, str], ...]:
            return tuple((str(a), str(b)) for a, b in data.get(key) or ())

        return cls(
            lifecycle=pairs("lifecycle"),
            concepts=pairs("concepts"),
            statuses=pairs("statuses"),
            providers={str(k): ProviderMap.from_json(v) for k, v in (data.get("providers") or {}).items()},
        )


@dataclass(frozen=True)
class ReportContext:
    providers: dict[str, ProviderContext]  # every provider the installation knew, in comparison order
    field_map: FieldMap | None = None
    version: int = CONTEXT_VERSION

    def provider(self, name: str) -> ProviderContext | None:
        return self.providers.get(name)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "version": self.version,
            "providers": {k: v.to_json() for k, v in self.providers.items()},
        }
        if self.field_map is not None:
            data["field_map"] = self.field_map.to_json()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportContext:
        field_map = data.get("field_map")
        return cls(
            providers={str(k): ProviderContext.from_json(str(k), v) for k, v in (data.get("providers") or {}).items()},
            field_map=FieldMap.from_json(field_map) if field_map is not None else None,
            version=int(data.get("version") or CONTEXT_VERSION),
        )
