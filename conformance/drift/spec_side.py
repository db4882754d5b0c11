"""One version of a spec as the spec diff reads it: operations keyed by method and path template,
merged parameters, effective security, and `$ref`s followed on demand."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from conformance.core import refs
from conformance.drift.spec_loader import HTTP_METHODS, SpecDocument

_MAX_HOPS = 32
ORIGIN = "x-drift-origin"  # the ref as written, before the loader bundled another file's target


def as_dict(value: Any) -> dict[str, Any]:
    """`value` when it is a mapping, else empty: an odd document is compared, never crashed on."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def listing(values: Iterable[Any]) -> str:
    return ", ".join(sorted(str(v) for v in values)) or "none"


def required_text(required: bool) -> str:
    return "required" if required else "optional"


def path_key(path: str) -> str:
    """A path template without its parameter names: renaming `{id}` is no change."""
    return re.sub(r"\{[^}]+\}", "{}", path)


class Op(NamedTuple):
    path: str
    operation_id: str
    node: dict[str, Any]
    item: dict[str, Any]  # the path item, whose parameters apply too


class SpecSide:
    """One version of the spec, with `$ref`s resolved on demand."""

    def __init__(self, spec: SpecDocument) -> None:
        self.spec = spec
        self.document = spec.document

    def follow(self, node: Any) -> tuple[Any, str]:
        """The node a `$ref` chain ends at (siblings of `$ref` refine it, as 3.1 allows) and the first ref
        (as the document wrote it, before bundling)."""
        first = ""
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            first = str(node.get("x-drift-origin") or node["$ref"])
        found, _ = refs.follow(node, self.spec.resolve, max_hops=_MAX_HOPS, annotations=(ORIGIN,))
        return (found if found is not None else {}), first

    def deref(self, node: Any) -> Any:
        return self.follow(node)[0]

    def operations(self) -> dict[tuple[str, str], Op]:
        found = {}
        for path, item in as_dict(self.document.get("paths")).items():
            item = self.deref(item)
            for method in HTTP_METHODS:
                node = item.get(method) if isinstance(item, dict) else None
                if isinstance(node, dict):
                    found[(method.upper(), path_key(path))] = Op(path, str(node.get("operationId") or ""), node, item)
        return found

    def path_keys(self) -> set[str]:
        return {path_key(path) for path in as_dict(self.document.get("paths"))}

    def parameters(self, op: Op) -> dict[tuple[str, str], dict[str, Any]]:
        """(in, name) → parameter; path parameters are keyed by position, so renaming one is no change."""
        slots = re.findall(r"\{([^}]+)\}", op.path)
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for raw in [*as_list(op.item.get("parameters")), *as_list(op.node.get("parameters"))]:
            parameter = self.deref(raw)
            if isinstance(parameter, dict) and "name" in parameter:
                location, name = str(parameter.get("in", "")), str(parameter["name"])
                if location == "path" and name in slots:
                    name = f"#{slots.index(name)}"
                merged[(location, name.lower() if location == "header" else name)] = parameter
        return merged

    def security(self, node: dict[str, Any]) -> tuple[list[dict[str, list[str]]], bool]:
        """The effective requirements and whether they are the document's (inherited)."""
        inherited = "security" not in node
        requirements = self.document.get("security") if inherited else node.get("security")
        return [{k: as_list(v) for k, v in r.items()} for r in as_list(requirements) if isinstance(r, dict)], inherited

    def scheme(self, name: str) -> dict[str, Any]:
        schemes = as_dict(as_dict(self.document.get("components")).get("securitySchemes"))
        return as_dict(self.deref(schemes.get(name)))
