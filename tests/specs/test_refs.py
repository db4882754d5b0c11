"""conformance.core.refs, the one `$ref` resolver (doubles, drift's schema facts and spec diff)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core import refs

SCHEMAS = st.dictionaries(
    st.sampled_from(["type", "format", "enum", "nullable", "description"]),
    st.one_of(st.text(max_size=5), st.booleans(), st.lists(st.integers(), max_size=3)),
    max_size=4,
)


def _chain(target: dict[str, Any], hops: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A document where S0 -> S1 -> ... -> S<hops> (the target), and a ref to S0."""
    schemas: dict[str, Any] = {f"S{i}": {"$ref": f"#/components/schemas/S{i + 1}"} for i in range(hops)}
    schemas[f"S{hops}"] = target
    return {"components": {"schemas": schemas}}, {"$ref": "#/components/schemas/S0"}


@settings(max_examples=30, derandomize=True, deadline=None)
@given(target=SCHEMAS, hops=st.integers(min_value=0, max_value=5))
def test_a_chain_of_refs_ends_at_its_target(target: dict[str, Any], hops: int) -> None:
    document, ref = _chain(target, hops)
    found, followed = refs.follow(ref, refs.lookup(document))
    assert found == target
    assert len(followed) == hops + 1


@settings(max_examples=30, derandomize=True, deadline=None)
@given(target=SCHEMAS, siblings=SCHEMAS)
def test_siblings_refine_the_target_except_annotations(target: dict[str, Any], siblings: dict[str, Any]) -> None:
    document, ref = _chain(target, 1)
    found, _ = refs.follow({**ref, **siblings, "x-note": 1}, refs.lookup(document), annotations=("x-note",))
    assert found == ({**target, **siblings} if siblings else target)


def test_a_cycle_ends_at_an_empty_schema_and_seen_refs_stop_recursion() -> None:
    document = {"a": {"$ref": "#/b"}, "b": {"$ref": "#/a"}, "tree": {"properties": {"child": {"$ref": "#/tree"}}}}
    find = refs.lookup(document)
    assert refs.follow({"$ref": "#/a"}, find) == ({}, ("#/a", "#/b"))
    tree, seen = refs.follow({"$ref": "#/tree"}, find)
    assert refs.follow(tree["properties"]["child"], find, seen=seen) == ({}, seen)


def test_other_documents_nothing_and_long_chains() -> None:
    document, ref = _chain({"type": "string"}, 40)
    find = refs.lookup(document)
    assert refs.follow({"$ref": "other.yaml#/X"}, find)[0] is None
    assert refs.follow({"$ref": "#/nothing/here"}, find)[0] is None
    assert refs.follow(ref, find, max_hops=32)[0] == {}
    assert refs.follow(ref, find)[0] == {"type": "string"}
    assert refs.follow("plain", find) == ("plain", ())


def test_lookup_decodes_pointer_tokens() -> None:
    document = {"paths": {"/v1/a b": {"get": {"ok": True}}}, "list": [1, {"x": 2}]}
    find = refs.lookup(document)
    assert find("/paths/~1v1~1a%20b/get") == {"ok": True}
    assert find("/list/1/x") == 2
    assert find("/list/9") is None
    assert find("") is document
