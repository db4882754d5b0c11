"""YAML loading that cannot explode: an alias may name a scalar, never a mapping or a sequence.

A "billion laughs" document nests aliases of collections, so that a few hundred bytes construct
billions of objects; an alias of a scalar (the shipped specs share prose that way) cannot grow
anything. libyaml parses when it is available; construction stays in Python either way.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import Node, ScalarNode

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class AliasRefused(ConstructorError):
    """A document re-used a mapping or sequence through an alias (or a merge key)."""


class NoCollectionAliasLoader(_Base):  # type: ignore[misc, valid-type]
    def construct_object(self, node: Node, deep: bool = False) -> Any:
        # A node constructed before and met again is an alias (or a merge key): fine for a scalar only.
        if node in self.constructed_objects and not isinstance(node, ScalarNode):
            raise AliasRefused(
                None, None, "an alias re-uses a mapping or sequence, which this loader refuses", node.start_mark
            )
        return super().construct_object(node, deep=deep)


class JsonValuesLoader(NoCollectionAliasLoader):
    """Also keeps `2023-11-01` a string (YAML 1.1 would make it a date; OpenAPI wants JSON values)."""


JsonValuesLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in _Base.yaml_implicit_resolvers.copy().items()
}


def load(text: str, *, json_values: bool = False) -> Any:
    """Parse one YAML document; raises yaml.YAMLError (AliasRefused for a collection alias)."""
    return yaml.load(text, Loader=JsonValuesLoader if json_values else NoCollectionAliasLoader)


class NoAliasDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Writes a shared object twice rather than as an alias, so what we write we can read back."""

    def ignore_aliases(self, data: Any) -> bool:
        return True
