"""Input the suite sent as invalid, accepted and stored by the server: judged once, as acceptance.

A server that accepts `metadata: 0` and stores it answers `metadata: 0`, on that request and on every
later read of the object. That is one fact (the server accepted input outside a constraint), reported
once as `negative_data_accepted`; the values it echoes are not response-shape defects. `TaintedObjects`
remembers, per object id, the invalid values the server accepted into it, so the live engine and the
replay both excuse exactly those values in later answers (and nothing else).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from conformance.checks.request_conformance import Constraint
from conformance.core.kinds import Basis, Kind
from conformance.core.pointers import split
from conformance.spec.validation import Violation

# Response-shape kinds a value echoed from invalid input can show; a missing field when the input left it out.
ECHO_KINDS = frozenset(
    {
        Kind.TYPE_MISMATCH,
        Kind.NULLABILITY,
        Kind.ENUM_VIOLATION,
        Kind.FORMAT_VIOLATION,
        Kind.SCHEMA_VIOLATION,
        Kind.MISSING_FIELD,
    }
)
_ABSENT = "\x00absent"
_SHOWN = 160  # characters of an inference shown in a message (the finding's `inference` has it whole)


def _tokens(pointer: str) -> tuple[str, ...]:
    """A JSON pointer's tokens, array indices as `*` (an echo may sit at another index than it was sent)."""
    return tuple("*" if t.isdigit() else t for t in split(pointer))


def _same(a: Any, b: Any) -> bool:
    # json text, so that 0, 0.0 and false stay distinct
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _at(document: Any, tokens: Iterable[str]) -> Any:
    node = document
    for token in tokens:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return _ABSENT
    return node


@dataclass(frozen=True)
class _Echo:
    path: tuple[str, ...]  # the field's path in the request body, indices as *
    value: Any  # as sent; _ABSENT for a field the request left out

    def matches(self, path: tuple[str, ...], value: Any) -> bool:
        """The response's field ends like the sent one (the object may sit in an envelope or a list) and
        holds the sent value (or null/nothing for a field the request left out)."""
        common = 0
        for mine, theirs in zip(reversed(self.path), reversed(path), strict=False):
            if mine != theirs:
                break
            common += 1
        if common == 0:
            return False
        if self.value == _ABSENT:
            return value == _ABSENT or value is None
        return value != _ABSENT and _same(self.value, value)


@dataclass
class TaintedObjects:
    """Objects (by id) holding values the server accepted from input the suite sent as invalid."""

    _echoes: dict[str, list[_Echo]] = field(default_factory=dict)
    _current: list[_Echo] = field(default_factory=list)  # the answer being judged, before it has an id

    def accept(
        self,
        constraints: list[Constraint],
        request_body: Any,
        path_values: dict[str, str] | None,
        response_body: Any,
    ) -> None:
        """An invalid request was accepted: the objects it created or changed carry its invalid values."""
        echoes = []
        for constraint in constraints:
            if not constraint.pointer.startswith("/body/"):
                continue
            sent = constraint.instance_pointer or constraint.pointer.removeprefix("/body")
            path = _tokens(sent)
            raw = split(sent)
            value = _ABSENT if constraint.keyword == "required" else _at(request_body, raw)
            echoes.append(_Echo(path, value))
        self._current = echoes
        if not echoes:
            return
        for key in {*(path_values or {}).values(), *_ids(response_body)}:
            self._echoes.setdefault(key, []).extend(echoes)

    def done(self) -> None:
        """The answer to the invalid request has been judged."""
        self._current = []

    def excused(self, body: Any, violation: Violation) -> bool:
        """Whether a violation in `body` is a value the server accepted from invalid input."""
        if violation.kind not in ECHO_KINDS:
            return False
        return self.echoed(body, violation.instance_pointer or violation.pointer)

    def echoed(self, body: Any, pointer: str) -> bool:
        """Whether the value at `pointer` (concrete indices) in `body` is one the server accepted from invalid
        input: whatever judges it (the schema, a documented format) would judge the suite's own value."""
        if not (self._echoes or self._current):
            return False
        raw = split(pointer)
        value = _at(body, raw)
        tokens = tuple("*" if t.isdigit() else t for t in raw)
        if any(echo.matches(tokens, value) for echo in self._current):
            return True
        for depth, node in _objects_along(body, raw):
            echoes = self._echoes.get(str(node.get("id"))) if isinstance(node.get("id"), str | int) else None
            if echoes and any(echo.matches(tokens[depth:], value) for echo in echoes):
                return True
        return False


def _ids(body: Any) -> Iterator[str]:
    """The ids of the object an answer carries (at its root or in a `data` envelope)."""
    for node in (body, body.get("data") if isinstance(body, dict) else None):
        if isinstance(node, dict) and isinstance(node.get("id"), str | int):
            yield str(node["id"])


def _objects_along(body: Any, raw: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Every object on the way from the root to the violation, with the number of tokens above it."""
    node = body
    for depth, token in enumerate([*raw, None]):
        if isinstance(node, dict):
            yield depth, node
        if token is None:
            return
        node = _at(node, [token])
        if node == _ABSENT:
            return


def describe(constraint: Constraint) -> str:
    """The constraint as one phrase: where, which keyword, and what it rests on."""
    inference = constraint.inference
    inference = inference if len(inference) <= _SHOWN else inference[: _SHOWN - 1] + "…"
    basis = "documented" if constraint.basis is Basis.DOCUMENTED else f"inferred: {inference}"
    return f"{constraint.pointer or '/'} `{constraint.keyword}` ({constraint.expected}; {basis})"
