"""The shape extractor: response bodies → per-operation, per-status shapes.

A shape keeps, for every pointer seen in the bodies (`*` for array elements), the JSON types, how
often it was null, the string values it took (enough of them to tell a handful of codes from ids),
and for object members how often the parent object lacked them (the presence ratio). It also keeps
the statuses, content types and headers of the responses, and the first place each was seen, so a
change can point at an interaction that shows it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.drift.cassette_sets import Observation, Opaque
from conformance.drift.changes import Location
from conformance.drift.schema_facts import ARRAY_ITEM, child
from conformance.spec.specs import Operation

# Past this many distinct strings a field is plainly not an enumeration; stop collecting.
MAX_TRACKED_VALUES = 64


def json_type(value: Any) -> str:
    if isinstance(value, Opaque):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


@dataclass
class FieldShape:
    occurrences: int = 0
    nulls: int = 0
    types: Counter[str] = field(default_factory=Counter)  # non-null types
    values: Counter[str] = field(default_factory=Counter)  # string values, up to MAX_TRACKED_VALUES
    many_values: bool = False
    # Object members only: how many parent objects lacked the member.
    absences: int = 0
    first: Location | None = None
    first_null: Location | None = None
    first_absence: Location | None = None
    first_by_type: dict[str, Location] = field(default_factory=dict)
    first_by_value: dict[str, Location] = field(default_factory=dict)

    @property
    def non_null(self) -> int:
        return self.occurrences - self.nulls

    @property
    def always_present(self) -> bool:
        return self.occurrences > 0 and self.absences == 0

    def add(self, value: Any, where: Location) -> None:
        self.occurrences += 1
        self.first = self.first or where
        kind = json_type(value)
        if kind == "null":
            self.nulls += 1
            self.first_null = self.first_null or where
            return
        self.types[kind] += 1
        self.first_by_type.setdefault(kind, where)
        if kind == "string" and not isinstance(value, Opaque):
            if value in self.values or len(self.values) < MAX_TRACKED_VALUES:
                self.values[value] += 1
                self.first_by_value.setdefault(value, where)
            else:
                self.many_values = True


@dataclass
class ResponseShape:
    """Every response of one operation with one status."""

    status: int
    responses: int = 0
    first: Location | None = None
    content_types: Counter[str] = field(default_factory=Counter)
    first_by_content_type: dict[str, Location] = field(default_factory=dict)
    headers: Counter[str] = field(default_factory=Counter)
    first_by_header: dict[str, Location] = field(default_factory=dict)
    fields: dict[str, FieldShape] = field(default_factory=dict)
    # Pointer of each object seen → number of objects there (the denominator of presence ratios).
    objects: Counter[str] = field(default_factory=Counter)
    _members: dict[str, list[tuple[Location, frozenset[str]]]] = field(default_factory=dict, repr=False)

    def add(self, observation: Observation) -> None:
        where = observation.location
        self.responses += 1
        self.first = self.first or where
        media = observation.content_type or "(none)"
        self.content_types[media] += 1
        self.first_by_content_type.setdefault(media, where)
        for name in observation.headers:
            self.headers[name] += 1
            self.first_by_header.setdefault(name, where)
        self._visit(observation.body, "", where)

    def _visit(self, value: Any, pointer: str, where: Location) -> None:
        self.fields.setdefault(pointer, FieldShape()).add(value, where)
        if isinstance(value, dict):
            self.objects[pointer] += 1
            self._members.setdefault(pointer, []).append((where, frozenset(value)))
            for name, member in value.items():
                self._visit(member, child(pointer, str(name)), where)
        elif isinstance(value, list):
            for item in value:
                self._visit(item, child(pointer, ARRAY_ITEM), where)

    def finish(self) -> None:
        """Count, for every object member, the parent objects that lacked it."""
        for parent, seen in self._members.items():
            names = {name for _, keys in seen for name in keys}
            for name in names:
                shape = self.fields[child(parent, name)]
                for where, keys in seen:
                    if name not in keys:
                        shape.absences += 1
                        shape.first_absence = shape.first_absence or where
        self._members.clear()

    def header_ratio(self, name: str) -> float:
        return self.headers[name] / self.responses if self.responses else 0.0


@dataclass
class OperationShape:
    provider: str
    operation: Operation
    statuses: dict[int, ResponseShape] = field(default_factory=dict)
    first_by_status: dict[int, Location] = field(default_factory=dict)


SetShapes = dict[tuple[str, str], OperationShape]


def extract(observations: Iterable[Observation]) -> SetShapes:
    """Group the observations by (provider, operationId) and status, and extract each group's shape."""
    shapes: SetShapes = {}
    for observation in observations:
        key = (observation.provider, observation.operation.operation_id)
        op_shape = shapes.setdefault(key, OperationShape(observation.provider, observation.operation))
        response = op_shape.statuses.setdefault(observation.status, ResponseShape(observation.status))
        op_shape.first_by_status.setdefault(observation.status, observation.location)
        response.add(observation)
    for op_shape in shapes.values():
        for response in op_shape.statuses.values():
            response.finish()
    return shapes
