"""Following `$ref`s: the one resolver of references in an OpenAPI document, a plain dict.

References are local (`#/components/schemas/Invoice`): the suite's specs use no others, and drift's
tolerant loader bundles other files' targets into the document first (each rewritten ref keeps its
original in `x-drift-origin`). How a pointer is looked up is the caller's: `Spec.resolve` for a loaded
spec, `lookup(document)` for any dict.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any
from urllib.parse import unquote

# A JSON pointer ('/components/schemas/X') -> the node there, None when there is none.
Lookup = Callable[[str], Any]


def lookup(document: Any) -> Lookup:
    """Pointers into a plain document; percent-encoded tokens (as refs write them) are decoded."""

    def find(pointer: str) -> Any:
        node = document
        if pointer in ("", "/"):
            return node
        for token in pointer.lstrip("/").split("/"):
            token = unquote(token).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return None
        return node

    return find


def target(ref: str, find: Lookup) -> Any:
    """The node a local `$ref` names; None for another document's or for nothing."""
    return find(ref[1:]) if ref.startswith("#") else None


def follow(
    node: Any,
    find: Lookup,
    *,
    seen: tuple[str, ...] = (),
    max_hops: int | None = None,
    annotations: Collection[str] = (),
) -> tuple[Any, tuple[str, ...]]:
    """The node a `$ref` chain ends at, and the refs followed (after `seen`).

    Siblings of `$ref` (3.1 allows them) refine the target: they are merged over it, except the
    `annotations` (the suite's own notes, such as x-drift-origin). A cycle (a ref already in `seen`) or a
    chain of `max_hops` refs ends at an empty schema rather than looping.
    """
    hops = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen or (max_hops is not None and hops >= max_hops):
            return {}, seen
        seen = (*seen, ref)
        hops += 1
        found = target(ref, find)
        extra = {k: v for k, v in node.items() if k != "$ref" and k not in annotations}
        node = {**found, **extra} if isinstance(found, dict) and extra else found
    return node, seen
