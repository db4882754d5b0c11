"""Body fields of one operation and status: an old shape against a new one.

A field is compared by presence, type and nullability; its values only when they are vocabulary
(conformance.drift.volatility). Only the topmost change of a subtree is reported: a removed object
does not also report each of its fields. Variation the spec documents (a null where it allows
null, an enum value it lists, decimals in a field it types as number) is data, not drift: a client
written against the spec handles it. So are the keys of maps (metadata) and fuzzed input echoed
back. A field that appears, vanishes or goes missing from some objects without the spec requiring
it, and a vocabulary change, need a request sent in both runs to show them
(conformance.drift.pairing): other requests meet other data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from conformance.core import pointers
from conformance.drift.changes import Change, ChangeMaker, Location
from conformance.drift.pairing import Pairing, Statuses
from conformance.drift.schema_facts import ARRAY_ITEM, FieldFacts
from conformance.drift.shapes import FieldShape, ResponseShape
from conformance.drift.volatility import vocabulary

# Changes that explain everything below their pointer.
_SUBTREE_RULES = frozenset(
    {
        "response-property-added",
        "response-required-property-removed",
        "response-optional-property-removed",
        "response-property-type-changed",
    }
)


def parent_of(pointer: str) -> str:
    return pointer.rsplit("/", 1)[0]


def is_member(pointer: str) -> bool:
    """An object member (which can be absent), as opposed to the body or an array element."""
    return pointer != "" and not pointer.endswith("/" + ARRAY_ITEM)


def _covered(kind: str, types: set[str]) -> bool:
    # An integer is a number: a number field that happened to hold whole values is still a number.
    return kind in types or (kind == "integer" and "number" in types)


def _listing(values: set[str] | frozenset[str]) -> str:
    return ", ".join(sorted(values)) or "none"


def _types(shape: FieldShape) -> str:
    kinds = sorted(shape.types)
    if shape.nulls:
        kinds.append("null")
    return " | ".join(kinds) or "null"


class FieldComparer:
    def __init__(
        self,
        make: ChangeMaker,
        pairing: Pairing,
        *,
        client_values: set[str],
        client_keys: set[str],
    ) -> None:
        self.make, self.pairing = make, pairing
        self.key = (make.provider, make.operation)
        self.client_values, self.client_keys = client_values, client_keys

    def changes(self, old: ResponseShape, new: ResponseShape, documented: dict[str, FieldFacts]) -> list[Change]:
        reported: list[str] = []
        changes: list[Change] = []
        for pointer in sorted(old.fields.keys() | new.fields.keys()):
            if any(pointer.startswith(done + "/") for done in reported):
                continue
            if self._is_data(pointer, documented):
                reported.append(pointer)  # and everything below it
                continue
            before, after = old.fields.get(pointer), new.fields.get(pointer)
            found = list(self._field(pointer, before, after, old, new, documented.get(pointer)))
            changes.extend(found)
            if any(c.rule in _SUBTREE_RULES for c in found):
                reported.append(pointer)
        return _with_rename_hints(changes)

    def _is_data(self, pointer: str, documented: dict[str, FieldFacts]) -> bool:
        """A member that is data rather than a field: a key of an object the spec leaves open (metadata,
        a map), or an undocumented member named like a key the client sent (fuzzed input echoed back)."""
        if not is_member(pointer) or pointer in documented:
            return False
        if pointers.split(pointer)[-1] in self.client_keys:
            return True
        parent = parent_of(pointer)
        facts = documented.get(parent)
        if facts is None:
            return False
        documents_members = any(p.startswith(parent + "/") and not p.startswith(parent + "/*") for p in documented)
        return facts.open_map or ("object" in facts.types and not documents_members)

    def _field(
        self,
        pointer: str,
        before: FieldShape | None,
        after: FieldShape | None,
        old: ResponseShape,
        new: ResponseShape,
        facts: FieldFacts | None,
    ) -> Iterator[Change]:
        status = new.status
        responses = f"{status} responses" + ("" if old.status == status else f" (formerly {old.status})")
        shown = pointer or "the body"
        if before is None or after is None:
            yield from self._presence(pointer, shown, responses, before, after, old, new, facts)
            return
        if is_member(pointer) and before.always_present and after.absences and after.occurrences:
            required = facts is not None and facts.required
            statuses = (old.status, status)
            where = after.first_absence if required else self.pairing.field_vanished(self.key, statuses, pointer)
            if where is not None:
                clause = f"sometimes omits {shown} from its {responses}, where every earlier one had it"
                rule = "response-property-became-optional"
                yield self.make(rule, pointer, "always present", "sometimes absent", clause, status, where)
        old_types = set(before.types)
        known = old_types | (facts.non_null_types if facts is not None else set())
        added_types = sorted(t for t in after.types if not _covered(t, known)) if old_types else []
        if added_types:
            clause = f"returns {shown} as {' or '.join(added_types)} in its {responses}, where it was {_types(before)}"
            where = after.first_by_type[added_types[0]]
            yield self.make(
                "response-property-type-changed", pointer, _types(before), _types(after), clause, status, where
            )
            return
        if before.nulls == 0 and before.non_null and after.nulls and not (facts is not None and facts.nullable):
            clause = f"returns null for {shown} in its {responses}, where it never did"
            old_text = f"{_types(before)}, never null"
            yield self.make(
                "response-property-became-nullable", pointer, old_text, "null", clause, status, after.first_null
            )
        yield from self._values(pointer, shown, responses, before, after, facts, (old.status, status))

    def _presence(
        self,
        pointer: str,
        shown: str,
        responses: str,
        before: FieldShape | None,
        after: FieldShape | None,
        old: ResponseShape,
        new: ResponseShape,
        facts: FieldFacts | None,
    ) -> Iterator[Change]:
        """A field on one side only. Unless the spec requires it, other data may explain that (an
        optional field only some objects have), so a request answered both ways must show it."""
        status, parent = new.status, parent_of(pointer)
        # Only members of objects seen on both sides can be said to have appeared or vanished;
        # elements of arrays that were empty on one side are simply unknown there.
        if not is_member(pointer) or not old.objects[parent] or not new.objects[parent]:
            return
        if after is not None:
            if facts is not None:
                return  # documented: a client written against the spec expects it
            where = self.pairing.field_appeared(self.key, (old.status, status), pointer)
            if where is not None:
                clause = f"has a new field {shown} in its {responses}"
                yield self.make("response-property-added", pointer, "absent", _types(after), clause, status, where)
        elif before is not None:
            if facts is not None and facts.required:
                parent_shape = new.fields.get(parent)
                where = parent_shape.first_by_type.get("object") if parent_shape else new.first
            else:
                where = self.pairing.field_vanished(self.key, (old.status, status), pointer)
            if where is None:
                return
            if before.always_present:
                clause = f"no longer has {shown} in its {responses}, where every earlier one had it"
                rule = "response-required-property-removed"
            else:
                clause = f"no longer has {shown} in its {responses}, where some earlier one had it"
                rule = "response-optional-property-removed"
            yield self.make(rule, pointer, _types(before), "absent", clause, status, where)

    def _values(
        self,
        pointer: str,
        shown: str,
        responses: str,
        before: FieldShape,
        after: FieldShape,
        facts: FieldFacts | None,
        statuses: Statuses,
    ) -> Iterator[Change]:
        status = statuses[1]
        vocab = vocabulary(before, after, facts, client=self.client_values)
        if vocab is None:
            return
        old_text, new_text = f"one of {_listing(vocab.old)}", f"one of {_listing(vocab.new)}"
        where: Location | None
        for value in vocab.added:
            if vocab.declared:
                # A value the spec does not list is a violation whatever request brought it.
                rule, where = "response-property-enum-value-added", after.first_by_value[value]
                clause = f"returns {value!r} the spec does not list for {shown} in its {responses}"
            else:
                rule = "response-property-value-added"
                where = self.pairing.value_appeared(self.key, statuses, pointer, value)
                clause = f"returns {value!r} for {shown} in its {responses}"
            if where is not None:
                yield self.make(rule, pointer, old_text, new_text, clause, status, where)
        for value in vocab.removed:
            where = self.pairing.value_vanished(self.key, statuses, pointer, value)
            if where is not None:
                clause = f"no longer returns {value!r} for {shown} in its {responses}"
                yield self.make("response-property-value-removed", pointer, old_text, new_text, clause, status, where)


def _with_rename_hints(changes: list[Change]) -> list[Change]:
    """One field gone and one of the same type new beside it is most likely a rename: say so."""
    removed: dict[str, list[Change]] = {}
    added: dict[str, list[Change]] = {}
    for change in changes:
        if change.rule == "response-property-added":
            added.setdefault(parent_of(change.pointer), []).append(change)
        elif change.rule.endswith("-property-removed"):
            removed.setdefault(parent_of(change.pointer), []).append(change)
    hinted = {}
    for parent, gone in removed.items():
        new = added.get(parent, [])
        if len(gone) == 1 and len(new) == 1 and gone[0].old == new[0].new:
            name = new[0].pointer.rsplit("/", 1)[-1]
            hinted[id(gone[0])] = replace(gone[0], clause=f"{gone[0].clause} (renamed to {name}?)")
    return [hinted.get(id(change), change) for change in changes]
