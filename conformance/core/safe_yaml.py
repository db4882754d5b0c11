"""YAML loading that cannot explode: aliases may share structure, never multiply it without bound.

A "billion laughs" document nests aliases of collections, so that a few hundred bytes stand for
billions of nodes: PyYAML builds them as shared objects, but anything that then walks the data (a
validator, a copy, a JSON dump) visits every one. Before constructing anything, the composed node
graph is measured as it would be once expanded; a document whose aliases make it more than
MAX_EXPANSION times larger than what it holds (or that refers to itself) is refused. Sharing that
tools emit for repeated structures (PyYAML's own `&id001`) stays well under the bound. libyaml parses
when it is available; construction stays in Python either way.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

# The C loader when libyaml is there; typed as the pure one, whose interface it shares.
if TYPE_CHECKING:
    _Base = yaml.SafeLoader
else:
    _Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_EXPANSION = 20
SLACK = 100_000  # nodes any document may gain through aliases, however small it is


class AliasRefused(ConstructorError):
    """A document whose aliases expand it without bound, or that contains itself."""


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def check_expansion(root: Node) -> bool:
    """Raise AliasRefused if `root` expands to more than MAX_EXPANSION x its distinct nodes (+ SLACK);
    else say whether any node is reached twice (through an alias)."""
    size: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            visiting.discard(key)
            total = 1
            for child in _children(node):
                total += size[id(child)]
            size[key] = total
            continue
        if key in size:
            continue
        if key in visiting:
            raise AliasRefused(None, None, "an alias refers to a node that contains it", node.start_mark)
        if isinstance(node, ScalarNode):
            size[key] = 1
            continue
        visiting.add(key)
        stack.append((node, True))
        for child in _children(node):
            child_key = id(child)
            if child_key in size:
                continue
            if isinstance(child, ScalarNode):
                size[child_key] = 1  # a leaf: no need to go round the stack
            else:
                stack.append((child, False))
    expanded = size[id(root)]
    if expanded > MAX_EXPANSION * len(size) + SLACK:
        raise AliasRefused(
            None,
            None,
            f"aliases expand {len(size)} nodes to {expanded}, which this loader refuses",
            root.start_mark,
        )
    return expanded > len(size)


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
# Scalars whose SafeConstructor method returns the value itself (no generator, no state).
_SCALARS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "binary", "timestamp", "str")
)


class _Generic(Exception):
    """Something the direct construction leaves to PyYAML's constructor (merge keys, sets, odd tags)."""


class BoundedLoader(_Base):
    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        if not check_expansion(node):
            # Nothing shared: a tree of plain tags is built directly, several times faster than the
            # generic constructor, with the same result (tests/replay/test_safe_yaml.py).
            try:
                return self._direct(node)
            except (_Generic, RecursionError):
                pass
        return self.construct_document(node)

    def _direct(self, node: Node) -> Any:
        tag = node.tag
        if tag == _STR and isinstance(node, ScalarNode):
            return node.value
        if isinstance(node, MappingNode):
            if tag != _MAP:
                raise _Generic
            mapping: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    raise _Generic  # merge keys, complex keys: PyYAML's rules and errors
                key = self._direct(key_node)
                mapping[key] = self._direct(value_node)
            return mapping
        if isinstance(node, SequenceNode):
            if tag != _SEQ:
                raise _Generic
            return [self._direct(child) for child in node.value]
        if tag in _SCALARS and tag in self.yaml_constructors:
            return self.yaml_constructors[tag](self, node)
        raise _Generic


class JsonValuesLoader(BoundedLoader):
    """Also keeps `2023-11-01` a string (YAML 1.1 would make it a date; OpenAPI wants JSON values)."""


JsonValuesLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in _Base.yaml_implicit_resolvers.copy().items()
}


def load(text: str, *, json_values: bool = False) -> Any:
    """Parse one YAML document; raises yaml.YAMLError (AliasRefused for an alias bomb)."""
    with without_cycle_collection():
        return yaml.load(text, Loader=JsonValuesLoader if json_values else BoundedLoader)


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Building a large tree of new objects (a parse) triggers the cycle collector again and again, each
    time walking every object the process holds: more than half of a cassette's parse. A tree holds no
    cycle (a document that refers to itself is refused), so the collector is paused while it is built."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
