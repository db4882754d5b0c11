"""The same request in both runs, and how each run answered it.

Some differences between two cassette sets are artefacts of the suite, not of the provider: when a
response changes, the stateful phase follows different links and sends different requests, which
meet different statuses and error codes. So a change that only shows on *some* requests (a status
appearing or vanishing, a value of a low-cardinality field, an optional field) is reported only when
a request sent in both runs was answered differently, and that answer is the evidence.

Requests are matched on method, path, query and body, with every value the server issued in that
run (ids, mostly) replaced by its rank of first use: the third object a run used is `<3>` in both
runs, so a stateful step matches across runs with different ids, but not a step that acts on a
different object because an earlier step went another way. The n-th sending of a request pairs
with the n-th sending in the other run.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from conformance.core import pointers
from conformance.drift.cassette_sets import CassetteSet, Observation
from conformance.drift.changes import Location
from conformance.drift.schema_facts import ARRAY_ITEM

RequestKey = tuple[str, str, str, str]
Statuses = tuple[int, int]  # the status compared in the old run, and in the new (200, 202 after a switch)
# Shorter strings are words any run may send or return ("open", "usd"); ids are longer.
_MIN_ISSUED_LENGTH = 6


def values_at(body: Any, pointer: str) -> list[Any]:
    """Every value at `pointer` in `body`, `*` standing for each element of an array."""
    found = [body]
    for token in pointers.split(pointer):
        step: list[Any] = []
        for value in found:
            if token == ARRAY_ITEM and isinstance(value, list):
                step.extend(value)
            elif isinstance(value, dict) and token in value:
                step.append(value[token])
        found = step
    return found


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


class _Masker:
    """Issued values → `<rank of first use>`, in the order the run used them."""

    def __init__(self, issued: set[str]) -> None:
        self.issued = issued
        self.ranks: dict[str, int] = {}

    def token(self, value: str) -> str:
        if value not in self.issued:
            return value
        return f"<{self.ranks.setdefault(value, len(self.ranks) + 1)}>"

    def mask(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.token(value)
        if isinstance(value, dict):
            return {k: self.mask(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.mask(v) for v in value]
        return value

    def key(self, request: dict[str, Any]) -> RequestKey:
        url = urlsplit(str(request.get("uri", "")))
        path = "/".join(self.token(unquote(segment)) for segment in url.path.split("/"))
        query = [(k, self.token(v)) for k, v in parse_qsl(url.query, keep_blank_values=True)]
        body = request.get("body")
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
        with contextlib.suppress(ValueError):  # not JSON: compared as sent
            text = json.dumps(self.mask(json.loads(text)), sort_keys=True)
        return str(request.get("method", "")).upper(), path, json.dumps(sorted(query)), text


class _Run:
    """One run's answers, by operation and masked request."""

    def __init__(self, found: CassetteSet) -> None:
        issued: dict[str, set[str]] = {}
        for observation in found.observations:
            strings = issued.setdefault(observation.provider, set())
            strings.update(s for s in _strings(observation.body) if len(s) >= _MIN_ISSUED_LENGTH)
        maskers = {provider: _Masker(strings) for provider, strings in issued.items()}
        self.answers: dict[tuple[str, str], dict[RequestKey, list[Observation]]] = {}
        for observation in found.observations:  # in recording order: ranks follow first use
            key = maskers[observation.provider].key(found.requests[observation.location])
            op = (observation.provider, observation.operation.operation_id)
            self.answers.setdefault(op, {}).setdefault(key, []).append(observation)


class Pairing:
    """The n-th time a run sent a request is paired with the n-th time the other run sent it."""

    def __init__(self, old: CassetteSet, new: CassetteSet) -> None:
        self.old, self.new = _Run(old), _Run(new)

    def _pairs(self, op: tuple[str, str]) -> Iterator[tuple[Observation, Observation]]:
        before, after = self.old.answers.get(op, {}), self.new.answers.get(op, {})
        for key in before.keys() & after.keys():
            yield from zip(before[key], after[key], strict=False)

    def status_vanished(self, op: tuple[str, str], status: int) -> Location | None:
        """Where a request answered `status` before got another status now."""
        for old, new in self._pairs(op):
            if old.status == status and new.status != status:
                return new.location
        return None

    def status_appeared(self, op: tuple[str, str], status: int) -> Location | None:
        for old, new in self._pairs(op):
            if new.status == status and old.status != status:
                return new.location
        return None

    def value_vanished(self, op: tuple[str, str], statuses: Statuses, pointer: str, value: str) -> Location | None:
        for old, new in self._pairs(op):
            if (old.status, new.status) == statuses:
                before, after = values_at(old.body, pointer), values_at(new.body, pointer)
                if value in before and after and value not in after:
                    return new.location
        return None

    def value_appeared(self, op: tuple[str, str], statuses: Statuses, pointer: str, value: str) -> Location | None:
        for old, new in self._pairs(op):
            if (old.status, new.status) == statuses:
                before, after = values_at(old.body, pointer), values_at(new.body, pointer)
                if value in after and before and value not in before:
                    return new.location
        return None

    def field_vanished(self, op: tuple[str, str], statuses: Statuses, pointer: str) -> Location | None:
        """Where a response carried the field before and, its parent object still there, lacks it now."""
        return self._field_flip(op, statuses, pointer, before=True)

    def field_appeared(self, op: tuple[str, str], statuses: Statuses, pointer: str) -> Location | None:
        return self._field_flip(op, statuses, pointer, before=False)

    def _field_flip(self, op: tuple[str, str], statuses: Statuses, pointer: str, *, before: bool) -> Location | None:
        parent, name = pointer.rsplit("/", 1)
        name = pointers.split("/" + name)[0]

        def has(observation: Observation) -> bool | None:
            """Whether the field is there; None when its parent object is not."""
            objects = [v for v in values_at(observation.body, parent) if isinstance(v, dict)]
            return any(name in v for v in objects) if objects else None

        for old, new in self._pairs(op):
            if (old.status, new.status) == statuses and has(old) is before and has(new) is (not before):
                return new.location
        return None
