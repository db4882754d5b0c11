"""The direct construction of safe_yaml (a document where nothing is shared) builds exactly what PyYAML's
constructor builds: same values, same types, same key order, same errors.

Compared by `repr`, which tells True from 1 and 1.0 from 1 and shows the order of keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core import safe_yaml
from tests.conftest import ROOT


class Generic(safe_yaml.BoundedLoader):
    """The bounded loader as it was: PyYAML's constructor for every document."""

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        safe_yaml.check_expansion(node)
        return self.construct_document(node)


class GenericJsonValues(Generic):
    pass


GenericJsonValues.yaml_implicit_resolvers = safe_yaml.JsonValuesLoader.yaml_implicit_resolvers


def outcome(text: str, loader: type) -> str:
    try:
        return repr(yaml.load(text, Loader=loader))
    except yaml.YAMLError as exc:
        return f"{type(exc).__name__}: {exc}"


def same(text: str) -> None:
    assert outcome(text, safe_yaml.BoundedLoader) == outcome(text, Generic)
    assert outcome(text, safe_yaml.JsonValuesLoader) == outcome(text, GenericJsonValues)


# Every spec and cassette under 1 MB (the two largest engine cassettes cost seconds and hold nothing
# the others lack: the same recorder wrote them all).
SHIPPED = sorted(
    p for p in [*(ROOT / "cassettes").rglob("*.yaml"), *(ROOT / "specs").glob("*.yaml")] if p.stat().st_size < 1_000_000
)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_file_loads_as_before(path: Path) -> None:
    """With the loader that reads it: cassettes bounded, specs with JSON values."""
    text = path.read_text(encoding="utf-8")
    if path.parent.name == "specs":
        assert outcome(text, safe_yaml.JsonValuesLoader) == outcome(text, GenericJsonValues)
    else:
        assert outcome(text, safe_yaml.BoundedLoader) == outcome(text, Generic)


HANDWRITTEN = [
    "a: 1\nb: [true, no, ~, 1.5, 0x1F, 1_000, '2']\n",
    "when: 2023-11-01\nstamp: 2001-12-14t21:59:43.10-05:00\n",
    "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n",  # a merge key, and sharing
    "derived:\n  <<: {x: 1}\n  z: 2\n",  # a merge key without an alias
    "a: &s shared\nb: *s\n",  # a shared scalar
    "? [a, b]\n: complex key\n",  # unhashable key: PyYAML's error
    "? {a: 1}\n: mapping key\n",
    "=: value key\n",
    "!!set {a, b}\n",
    "!!omap [a: 1, b: 2]\n",
    "!!pairs [a: 1, a: 2]\n",
    "data: !!binary aGVsbG8=\n",
    "x: !!python/object:os.system echo\n",  # refused by the safe constructor
    "x: !custom 1\n",
    "!!str [a]\n",  # a tag on the wrong kind of node
    "dup: 1\ndup: 2\nother: 3\n",
    "1: int key\n1.0: float key\ntrue: bool key\nnull: null key\n",
    "",
    "just a scalar\n",
    "[" * 50 + "]" * 50 + "\n",
]


@pytest.mark.parametrize("text", HANDWRITTEN)
def test_handwritten_documents_load_as_before(text: str) -> None:
    same(text)


TRICKY = ["yes", "no", "on", "null", "~", "<<", "=", "2023-01-01", "0x10", "1_000", "1:30", ".inf", "", "-", "&a", "*a"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.sampled_from(TRICKY),
    st.text(max_size=12),
    st.binary(max_size=8),
)
keys = st.one_of(st.sampled_from(TRICKY), st.text(max_size=8), st.integers(-5, 5), st.booleans())
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(document=documents, flow=st.sampled_from([None, True, False]))
def test_generated_documents_load_as_before(document: Any, flow: bool | None) -> None:
    same(yaml.dump(document, default_flow_style=flow, allow_unicode=True))
