"""The comparer: the shapes of an old and a new cassette set → the changes between them.

Operations are compared when both sets exercised them; statuses per operation; content types,
headers and body fields per operation and status. A field is compared by presence, type and
nullability; its values only when they are vocabulary (conformance.drift.volatility). Only the
topmost change of a subtree is reported: a removed object does not also report each of its fields.
Variation the spec already documents (a null where the spec allows null, an enum value the spec
lists, decimals in a field it types as number) is data, not drift: a client written against the
spec handles it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from conformance.drift.cassette_sets import CassetteSet
from conformance.drift.changes import Change, Location
from conformance.drift.schema_facts import ARRAY_ITEM, FieldFacts, documented_response
from conformance.drift.shapes import FieldShape, OperationShape, ResponseShape, extract
from conformance.drift.volatility import vocabulary
from conformance.providers import get_provider
from conformance.specs import Operation, Spec


@dataclass
class CassetteComparison:
    changes: list[Change] = field(default_factory=list)
    compared: list[tuple[str, str]] = field(default_factory=list)  # (provider, operationId)
    only_old: list[tuple[str, str]] = field(default_factory=list)
    only_new: list[tuple[str, str]] = field(default_factory=list)


def compare_sets(old: CassetteSet, new: CassetteSet) -> CassetteComparison:
    old_shapes, new_shapes = extract(old.observations), extract(new.observations)
    result = CassetteComparison(
        only_old=sorted(old_shapes.keys() - new_shapes.keys()),
        only_new=sorted(new_shapes.keys() - old_shapes.keys()),
    )
    for key in sorted(old_shapes.keys() & new_shapes.keys()):
        provider = key[0]
        comparer = _OperationComparer(
            old_shapes[key],
            new_shapes[key],
            get_provider(provider).spec,
            # Either side's input: a value one run sent and the other did not is still input.
            client=old.client_values.get(provider, set()) | new.client_values.get(provider, set()),
        )
        result.changes.extend(comparer.changes())
        result.compared.append(key)
    return result


def _is_success(status: int) -> bool:
    return 200 <= status < 300


def _listing(values: object) -> str:
    return ", ".join(str(v) for v in sorted(values)) or "none"  # type: ignore[call-overload]


def _parent(pointer: str) -> str:
    return pointer.rsplit("/", 1)[0]


def _is_member(pointer: str) -> bool:
    """An object member (which can be absent), as opposed to the body or an array element."""
    return pointer != "" and not pointer.endswith("/" + ARRAY_ITEM)


def _covered(kind: str, old_types: set[str]) -> bool:
    # An integer is a number: a field documented as number that happened to hold whole values stays a number.
    return kind in old_types or (kind == "integer" and "number" in old_types)


class _OperationComparer:
    def __init__(self, old: OperationShape, new: OperationShape, spec: Spec, *, client: set[str]) -> None:
        self.old, self.new, self.spec = old, new, spec
        self.operation: Operation = new.operation
        self.client = client
        self._spec_facts: dict[int, tuple[dict[str, FieldFacts], set[str]]] = {}

    def changes(self) -> Iterator[Change]:
        yield from self._statuses()
        yield from self._content_types()
        yield from self._headers()
        for status in sorted(self.old.statuses.keys() & self.new.statuses.keys()):
            old, new = self.old.statuses[status], self.new.statuses[status]
            fields = self._documented(status)[0]
            yield from self._fields(old, new, fields)

    def _change(
        self, rule: str, pointer: str, old: str, new: str, clause: str, status: int | None, where: Location | None
    ) -> Change:
        return Change(
            rule=rule,
            provider=self.new.provider,
            operation=self.operation.operation_id,
            method=self.operation.method,
            path=self.operation.path,
            pointer=pointer,
            old=old,
            new=new,
            clause=clause,
            status=status,
            location=where,
            doc_ref=self.operation.doc_ref,
        )

    def _documented(self, status: int) -> tuple[dict[str, FieldFacts], set[str]]:
        if status not in self._spec_facts:
            self._spec_facts[status] = documented_response(self.spec, self.operation, status)
        return self._spec_facts[status]

    def _first_new(self) -> Location:
        return min(self.new.first_by_status.values(), key=lambda loc: (loc.cassette, loc.interaction))

    # -- statuses, content types, headers ---------------------------------------------------------

    def _statuses(self) -> Iterator[Change]:
        old_set, new_set = set(self.old.statuses), set(self.new.statuses)
        old_text, new_text = f"statuses {_listing(old_set)}", f"statuses {_listing(new_set)}"
        first_new = self._first_new()
        for status in sorted(old_set - new_set):
            rule = "response-success-status-removed" if _is_success(status) else "response-non-success-status-removed"
            yield self._change(rule, "", old_text, new_text, f"no longer returns status {status}", status, first_new)
        for status in sorted(new_set - old_set):
            rule = "response-success-status-added" if _is_success(status) else "response-non-success-status-added"
            where = self.new.first_by_status[status]
            yield self._change(rule, "", old_text, new_text, f"now returns status {status}", status, where)

    def _content_types(self) -> Iterator[Change]:
        """Per operation (a status may have vanished with its label); then per status, for a label
        that vanished from some statuses only (JSON errors turned into text, successes still JSON)."""
        old_all, new_all = _media_types(self.old), _media_types(self.new)
        old_text, new_text = _listing(old_all), _listing(new_all)
        for media in sorted(old_all.keys() - new_all.keys()):
            clause = f"no longer labels its responses {media}"
            yield self._change("response-media-type-removed", "", old_text, new_text, clause, None, self._first_new())
        for media in sorted(new_all.keys() - old_all.keys()):
            clause = f"labels its responses {media}"
            yield self._change("response-media-type-added", "", old_text, new_text, clause, None, new_all[media])
        for status in sorted(self.old.statuses.keys() & self.new.statuses.keys()):
            old, new = self.old.statuses[status], self.new.statuses[status]
            before, after = set(old.content_types), set(new.content_types)
            old_text, new_text = f"{status}: {_listing(before)}", f"{status}: {_listing(after)}"
            for media in sorted((before - after) & new_all.keys()):
                clause = f"no longer labels its {status} responses {media}"
                yield self._change("response-media-type-removed", "", old_text, new_text, clause, status, new.first)
            for media in sorted((after - before) & old_all.keys()):
                clause = f"labels its {status} responses {media}"
                where = new.first_by_content_type[media]
                yield self._change("response-media-type-added", "", old_text, new_text, clause, status, where)

    def _headers(self) -> Iterator[Change]:
        """Per status (a header may belong to one status, like Retry-After to 429); one change per
        header, naming every status it appeared in or vanished from."""
        seen: dict[tuple[str, str], list[tuple[int, Location | None]]] = {}
        for status in sorted(self.old.statuses.keys() & self.new.statuses.keys()):
            old, new = self.old.statuses[status], self.new.statuses[status]
            documented = self._documented(status)[1]
            for name in sorted(old.headers.keys() | new.headers.keys()):
                before, after = old.header_ratio(name), new.header_ratio(name)
                if before == 1.0 and after == 0.0:
                    required = name in documented
                    rule = "required-response-header-removed" if required else "optional-response-header-removed"
                    seen.setdefault((rule, name), []).append((status, new.first))
                elif before == 0.0 and after > 0.0:
                    seen.setdefault(("response-header-added", name), []).append((status, new.first_by_header[name]))
        for (rule, name), where in seen.items():
            statuses = " and ".join(str(status) for status, _ in where)
            first_status, first_location = where[0]
            if rule == "response-header-added":
                clause = f"sends a new {name} header with its {statuses} responses"
                yield self._change(
                    rule, "", f"no {name} header", f"{name} header", clause, first_status, first_location
                )
            else:
                clause = f"no longer sends the {name} header with its {statuses} responses"
                yield self._change(
                    rule, "", f"{name} header", f"no {name} header", clause, first_status, first_location
                )

    # -- body fields -------------------------------------------------------------------------------

    def _fields(self, old: ResponseShape, new: ResponseShape, documented: dict[str, FieldFacts]) -> Iterator[Change]:
        reported: list[str] = []
        for pointer in sorted(old.fields.keys() | new.fields.keys()):
            if any(pointer.startswith(done + "/") for done in reported):
                continue
            before, after = old.fields.get(pointer), new.fields.get(pointer)
            # A key of a documented map (metadata) is data, not a field: its presence means nothing.
            presence = not _map_key(pointer, documented)
            if not presence and (before is None or after is None):
                continue
            found = list(self._field(pointer, before, after, old, new, documented.get(pointer), presence=presence))
            yield from found
            if any(c.rule in _SUBTREE_RULES for c in found):
                reported.append(pointer)

    def _field(
        self,
        pointer: str,
        before: FieldShape | None,
        after: FieldShape | None,
        old: ResponseShape,
        new: ResponseShape,
        facts: FieldFacts | None,
        *,
        presence: bool,
    ) -> Iterator[Change]:
        status = new.status
        shown = pointer or "the body"
        parent = _parent(pointer)
        if before is None or after is None:
            # Only members of objects seen on both sides can be said to have appeared or vanished;
            # elements of arrays that were empty on one side are simply unknown there.
            if not _is_member(pointer) or not old.objects[parent] or not new.objects[parent]:
                return
            if before is None and after is not None:
                clause = f"has a new field {shown} in its {status} responses"
                yield self._change(
                    "response-property-added", pointer, "absent", _types(after), clause, status, after.first
                )
            elif before is not None:
                rule = (
                    "response-required-property-removed"
                    if before.always_present
                    else "response-optional-property-removed"
                )
                always = "every" if before.always_present else "some"
                clause = f"no longer has {shown} in its {status} responses (present in {always} earlier one)"
                where = _first_object(new, parent)
                yield self._change(rule, pointer, _types(before), "absent", clause, status, where)
            return
        if presence and _is_member(pointer) and before.always_present and after.absences and after.occurrences:
            clause = f"sometimes omits {shown} from its {status} responses (present in every earlier one)"
            yield self._change(
                "response-property-became-optional",
                pointer,
                "always present",
                "sometimes absent",
                clause,
                status,
                after.first_absence,
            )
        old_types, new_types = set(before.types), set(after.types)
        known = old_types | (facts.non_null_types if facts is not None else set())
        added_types = sorted(t for t in new_types if not _covered(t, known)) if old_types else []
        if added_types:
            clause = f"returns {shown} as {' or '.join(added_types)} in its {status} responses (was {_types(before)})"
            where = after.first_by_type[added_types[0]]
            yield self._change(
                "response-property-type-changed", pointer, _types(before), _types(after), clause, status, where
            )
            return
        if before.nulls == 0 and before.non_null and after.nulls and not (facts is not None and facts.nullable):
            clause = f"returns null for {shown} in its {status} responses, where it never did"
            yield self._change(
                "response-property-became-nullable",
                pointer,
                f"{_types(before)}, never null",
                "null",
                clause,
                status,
                after.first_null,
            )
        yield from self._values(pointer, shown, before, after, facts, status)

    def _values(
        self, pointer: str, shown: str, before: FieldShape, after: FieldShape, facts: FieldFacts | None, status: int
    ) -> Iterator[Change]:
        vocab = vocabulary(before, after, facts, client=self.client)
        if vocab is None:
            return
        old_text = f"one of {_listing(vocab.old)}"
        for value in vocab.added:
            rule = "response-property-enum-value-added" if vocab.declared else "response-property-value-added"
            undocumented = " the spec does not list" if vocab.declared else ""
            clause = f"returns {value!r}{undocumented} for {shown} in its {status} responses"
            where = after.first_by_value[value]
            yield self._change(rule, pointer, old_text, f"one of {_listing(vocab.new)}", clause, status, where)
        for value in vocab.removed:
            clause = f"no longer returns {value!r} for {shown} in its {status} responses"
            yield self._change(
                "response-property-value-removed",
                pointer,
                old_text,
                f"one of {_listing(vocab.new)}",
                clause,
                status,
                after.first,
            )


# Changes that explain everything below their pointer.
_SUBTREE_RULES = frozenset(
    {
        "response-property-added",
        "response-required-property-removed",
        "response-optional-property-removed",
        "response-property-type-changed",
    }
)


def _types(shape: FieldShape) -> str:
    kinds = sorted(shape.types)
    if shape.nulls:
        kinds.append("null")
    return " | ".join(kinds) or "null"


def _map_key(pointer: str, documented: dict[str, FieldFacts]) -> bool:
    parent = documented.get(_parent(pointer)) if _is_member(pointer) else None
    return parent is not None and parent.open_map and pointer not in documented


def _media_types(shape: OperationShape) -> dict[str, Location]:
    """Every content type of the operation's responses, and where it was first seen."""
    found: dict[str, Location] = {}
    for status in sorted(shape.statuses):
        for media, where in shape.statuses[status].first_by_content_type.items():
            found.setdefault(media, where)
    return found


def _first_object(shape: ResponseShape, pointer: str) -> Location | None:
    found = shape.fields.get(pointer)
    return found.first_by_type.get("object") if found else shape.first
