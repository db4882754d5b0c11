"""Whatever the loader accepts, the comparison finishes: odd but loadable documents never crash it
(a crash would exit 1 or 4 where the user needs a verdict or one sentence)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.core.errors import UsageError
from conformance.drift.spec_diff import compare_specs
from conformance.drift.spec_loader import SpecDocument
from tests.drift.spec_pairs import base

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["", "a", "#/x", "object", "null", "string"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "properties",
                    "items",
                    "$ref",
                    "required",
                    "enum",
                    "oneOf",
                    "allOf",
                    "content",
                    "schema",
                    "maximum",
                    "exclusiveMaximum",
                    "nullable",
                    "a",
                ]
            ),
            inner,
            max_size=3,
        )
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _replace(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_node_replaced_by_any_json_value_never_crashes_the_comparison(data: st.DataObject) -> None:
    old = base()
    new = copy.deepcopy(old)
    paths = [p for p in _paths(new) if len(p) >= 2]
    path = data.draw(st.sampled_from(paths))
    _replace(new, path, data.draw(_json))
    from conformance.drift.spec_loader import _check_paths

    try:
        _check_paths(Path("new.yaml"), new)
    except UsageError:
        return  # refused with one sentence, as it should be
    for a, b in ((old, new), (new, old)):
        compare_specs(SpecDocument(Path("a.yaml"), a), SpecDocument(Path("b.yaml"), b))
