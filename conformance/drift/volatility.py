"""Which observed values are vocabulary (enum-like) and which are run-specific data.

Only vocabulary is compared value by value; everything else (ids, timestamps, amounts, echoed input)
is compared by type, nullability and presence alone. Nothing here knows field names: a field is
vocabulary when the spec lists its values, or when its values look and behave like an enumeration:
 - few distinct values, each seen more than once (ids and timestamps are mostly unique);
 - every value a word-like token (`OPEN`, `parameter_invalid`, `Active`): ids and timestamps mix
   digits and cases, prose has spaces;
 - no value the client itself sent (fuzzed input echoed back is not the provider's vocabulary);
 - no `format` in the spec (dates, URIs, UUIDs are data);
 - some value seen in both sets: a field whose every value is new (a per-run id or timestamp that
   happened to be constant within each run) is volatile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conformance.drift.schema_facts import FieldFacts
from conformance.drift.shapes import FieldShape

MAX_ENUM_VALUES = 10
_SEGMENT = r"(?:[a-z]+|[A-Z]+|[A-Z][a-z]+)"
_TOKEN = re.compile(rf"{_SEGMENT}(?:[_\-.]{_SEGMENT})*")
_MAX_TOKEN_LENGTH = 40


@dataclass(frozen=True)
class Vocabulary:
    declared: bool  # the spec lists the values
    documented: frozenset[str]
    old: frozenset[str]
    new: frozenset[str]

    @property
    def added(self) -> list[str]:
        return sorted(self.new - self.old - self.documented)

    @property
    def removed(self) -> list[str]:
        # A documented value missing from tonight's data is data, not drift.
        return [] if self.declared else sorted(self.old - self.new)


def vocabulary(
    old: FieldShape,
    new: FieldShape,
    facts: FieldFacts | None,
    *,
    client: set[str],
) -> Vocabulary | None:
    """The field's values on both sides when they are vocabulary, else None (volatile or not a string)."""
    if facts is not None and facts.enum:
        documented = frozenset(v for v in facts.enum if isinstance(v, str))
        return Vocabulary(True, documented, frozenset(old.values), frozenset(new.values))
    if facts is not None and facts.format:
        return None
    if set(old.types) != {"string"} or set(new.types) != {"string"} or old.many_values or new.many_values:
        return None
    old_values = {v: n for v, n in old.values.items() if v not in client}
    new_values = {v: n for v, n in new.values.items() if v not in client}
    if not (_enum_like(old_values) and _enum_like(new_values)):
        return None
    if not old_values.keys() & new_values.keys():
        return None
    return Vocabulary(False, frozenset(), frozenset(old_values), frozenset(new_values))


def _enum_like(values: dict[str, int]) -> bool:
    if not values or len(values) > MAX_ENUM_VALUES:
        return False
    if sum(values.values()) < 2 * len(values):
        return False
    return all(len(v) <= _MAX_TOKEN_LENGTH and _TOKEN.fullmatch(v) for v in values)
