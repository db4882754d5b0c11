"""Making the objects a probe needs from the spec's declared probe bodies.

A body's string value `"{createCustomer#/id}"` makes a customer first (with createCustomer's own declared
body) and stands for its `/id`; `"{of#/items/data/0/id}"` stands for a value of the object an update
changes; `{unique}` inside a string is a fresh token, so objects made one after another differ.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from conformance.behaviour.declarations import Declarations
from conformance.checks.json_values import MISSING, value_at
from conformance.scenarios.client import Exchange
from conformance.scenarios.scenario import ScenarioRun

REFERENCE = re.compile(r"^\{([A-Za-z][A-Za-z0-9_]*)#(/[^}]*)?\}$")
UNIQUE = "{unique}"


class Maker:
    def __init__(self, run: ScenarioRun, found: Declarations) -> None:
        self.run = run
        self.found = found
        self.count = 0

    def fresh(self) -> str:
        self.count += 1
        return f"p{self.count:03d}"

    def body(
        self,
        template: Any,
        *,
        of: Any = None,
        sent: Any = None,
        shared: dict[str, Any] | None = None,
        token: str | None = None,
    ) -> Any:
        """`template` with its references made; `shared`: references made once for every body of a group;
        `sent`: the body a `{body#/ptr}` reference reads (an expectation's template)."""
        token = token or self.fresh()
        if isinstance(template, Mapping):
            return {k: self.body(v, of=of, sent=sent, shared=shared, token=token) for k, v in template.items()}
        if isinstance(template, list):
            return [self.body(v, of=of, sent=sent, shared=shared, token=token) for v in template]
        if not isinstance(template, str):
            return template
        reference = REFERENCE.match(template)
        if reference is None:
            return template.replace(UNIQUE, token)
        operation, pointer = reference.group(1), reference.group(2) or ""
        if operation == "of":
            made = of
        elif operation == "body":
            made = sent
        elif shared is not None and operation in shared:
            made = shared[operation]
        else:
            made = self.make(operation)[1]
            if shared is not None:
                shared[operation] = made
        found = value_at(made, pointer)
        return None if found is MISSING else found

    def make(self, operation: str, *, shared: dict[str, Any] | None = None) -> tuple[Exchange, Any]:
        """A new object made by `operation` with its declared body: the exchange and the object in it."""
        write = self.found.write(operation)
        assert write is not None, operation  # the declarations were checked when read
        target = self.make(write.of, shared=shared)[1] if write.of else None
        path = {name: str(value_at(target, pointer)) for name, pointer in write.path.items()}
        body = self.body(write.body, of=target, shared=shared)
        exchange = self.run.call(operation, path=path or None, json=body)
        return exchange, value_at(exchange.body, write.object)


def is_reference(value: Any) -> bool:
    return isinstance(value, str) and REFERENCE.match(value) is not None
