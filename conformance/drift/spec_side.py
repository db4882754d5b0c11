"""One version of a spec as the spec diff reads it: operations keyed by method and path template,
merged parameters, effective security, and body fields flattened to pointers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from conformance.drift.schema_facts import FieldFacts, flatten, spec_resolver
from conformance.specs import HTTP_METHODS, Spec

_JSON = re.compile(r"^application/(?:[\w.+-]+\+)?json$")


def is_json(media: str) -> bool:
    return bool(_JSON.match(media.split(";")[0].strip().lower()))


def listing(values: Iterable[Any]) -> str:
    return ", ".join(sorted(str(v) for v in values)) or "none"


def covered(kind: str, types: set[str]) -> bool:
    """Whether `types` admit `kind`: an integer is a number."""
    return kind in types or (kind == "integer" and "number" in types)


def required_text(required: bool) -> str:
    return "required" if required else "optional"


def nullable_text(facts: FieldFacts) -> str:
    return "nullable" if facts.nullable else "not nullable"


def types_text(facts: FieldFacts) -> str:
    return listing(facts.types) if facts.types else "any"


class Op(NamedTuple):
    path: str
    operation_id: str
    node: dict[str, Any]
    item: dict[str, Any]  # the path item, whose parameters apply too


class SpecSide:
    """One version of the spec, with `$ref`s resolved on demand."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.document = spec.document
        self.resolve_ref = spec_resolver(spec)

    def deref(self, node: Any) -> Any:
        hops = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and hops < 32:
            node, hops = self.resolve_ref(node["$ref"]), hops + 1
        return node if node is not None else {}

    def operations(self) -> dict[tuple[str, str], Op]:
        """(METHOD, path template without parameter names) → the operation: renaming `{id}` is no change."""
        found = {}
        for path, item in (self.document.get("paths") or {}).items():
            item = self.deref(item)
            for method in HTTP_METHODS:
                node = item.get(method) if isinstance(item, dict) else None
                if isinstance(node, dict):
                    key = (method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
                    found[key] = Op(path, str(node.get("operationId", "")), node, item)
        return found

    def parameters(self, op: Op) -> dict[tuple[str, str], dict[str, Any]]:
        """(in, name) → parameter; path parameters are keyed by position, so renaming one is no change."""
        slots = re.findall(r"\{([^}]+)\}", op.path)
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*(op.item.get("parameters") or []), *(op.node.get("parameters") or [])]:
            parameter = self.deref(raw)
            if isinstance(parameter, dict) and "name" in parameter:
                location, name = str(parameter.get("in", "")), str(parameter["name"])
                if location == "path" and name in slots:
                    name = f"#{slots.index(name)}"
                merged[(location, name.lower() if location == "header" else name)] = parameter
        return merged

    def security(self, node: dict[str, Any]) -> list[dict[str, list[str]]]:
        requirements = node.get("security", self.document.get("security")) or []
        return [r for r in requirements if isinstance(r, dict)]

    def scheme(self, name: str) -> dict[str, Any]:
        schemes = (self.document.get("components") or {}).get("securitySchemes") or {}
        return self.deref(schemes.get(name)) or {}

    def schema_facts(self, schema: Any) -> dict[str, FieldFacts]:
        return flatten(schema or {}, self.resolve_ref)

    def fields(self, media: dict[str, Any]) -> dict[str, FieldFacts]:
        return self.schema_facts(media.get("schema")) if isinstance(media, dict) else {}
