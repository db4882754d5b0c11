"""The comparer: the shapes of an old and a new cassette set → the changes between them.

Operations are compared when both sets exercised them: their statuses, content types and headers
here, their body fields per status in conformance.drift.field_diff. A status that appears or
vanishes may just be the suite sending other requests (a stateful step that could not follow a
link), so it needs a request sent in both runs that shows it (conformance.drift.pairing).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from conformance.drift.cassette_sets import CassetteSet
from conformance.drift.changes import Change, ChangeMaker, Location
from conformance.drift.field_diff import FieldComparer
from conformance.drift.pairing import Pairing
from conformance.drift.schema_facts import FieldFacts, documented_response
from conformance.drift.shapes import OperationShape, extract
from conformance.providers import get_provider
from conformance.spec.specs import Spec


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
    pairing = Pairing(old, new)
    for key in sorted(old_shapes.keys() & new_shapes.keys()):
        provider = key[0]
        operation = new_shapes[key].operation
        make = ChangeMaker(provider, operation.operation_id, operation.method, operation.path, operation.doc_ref)
        fields = FieldComparer(
            make,
            pairing,
            # Either side's input: a value one run sent and the other did not is still input.
            client_values=old.client_values.get(provider, set()) | new.client_values.get(provider, set()),
            client_keys=old.client_keys.get(provider, set()) | new.client_keys.get(provider, set()),
        )
        comparer = _OperationComparer(old_shapes[key], new_shapes[key], get_provider(provider).spec, make, pairing)
        result.changes.extend(comparer.changes(fields))
        result.compared.append(key)
    return result


def _is_success(status: int) -> bool:
    return 200 <= status < 300


def _listing(values: Iterable[object]) -> str:
    return ", ".join(sorted(str(v) for v in values)) or "none"


def _media_types(shape: OperationShape) -> dict[str, Location]:
    """Every content type of the operation's responses, and where it was first seen."""
    found: dict[str, Location] = {}
    for status in sorted(shape.statuses):
        for media, where in shape.statuses[status].first_by_content_type.items():
            found.setdefault(media, where)
    return found


class _OperationComparer:
    def __init__(
        self, old: OperationShape, new: OperationShape, spec: Spec, make: ChangeMaker, pairing: Pairing
    ) -> None:
        self.old, self.new, self.spec, self.make, self.pairing = old, new, spec, make, pairing
        self.key = (make.provider, make.operation)
        self._documented: dict[int, tuple[dict[str, FieldFacts], set[str]]] = {}
        # A success status that replaced another on the same requests (200 → 202): its bodies are
        # compared with the old status's, which is what a client parses them as.
        self._successors: dict[int, int] = {}

    def changes(self, fields: FieldComparer) -> Iterator[Change]:
        yield from self._statuses()
        yield from self._content_types()
        yield from self._headers()
        common = [(status, status) for status in sorted(self.old.statuses.keys() & self.new.statuses.keys())]
        for old_status, new_status in common + sorted(self._successors.items()):
            # An undocumented successor (202) is read against what the client expected (the 200).
            documented = self.documented(new_status)[0] or self.documented(old_status)[0]
            yield from fields.changes(self.old.statuses[old_status], self.new.statuses[new_status], documented)

    def documented(self, status: int) -> tuple[dict[str, FieldFacts], set[str]]:
        if status not in self._documented:
            self._documented[status] = documented_response(self.spec, self.new.operation, status)
        return self._documented[status]

    def _first_new(self) -> Location:
        return min(self.new.first_by_status.values(), key=lambda loc: (loc.cassette, loc.interaction))

    def _statuses(self) -> Iterator[Change]:
        old_set, new_set = set(self.old.statuses), set(self.new.statuses)
        old_text, new_text = f"statuses {_listing(old_set)}", f"statuses {_listing(new_set)}"
        for status in sorted(old_set - new_set):
            where = self.pairing.status_vanished(self.key, status)
            if where is None:
                continue
            success = _is_success(status)
            if where.status in new_set - old_set and _is_success(where.status) == success:
                self._successors.setdefault(status, where.status)
            rule = "response-success-status-removed" if success else "response-non-success-status-removed"
            yield self.make(rule, "", old_text, new_text, f"no longer returns status {status}", status, where)
        for status in sorted(new_set - old_set):
            where = self.pairing.status_appeared(self.key, status)
            if where is not None:
                rule = "response-success-status-added" if _is_success(status) else "response-non-success-status-added"
                yield self.make(rule, "", old_text, new_text, f"now returns status {status}", status, where)

    def _content_types(self) -> Iterator[Change]:
        """Per operation (a status may have vanished with its label); then per status, for a label
        that vanished from some statuses only (JSON errors turned into text, successes still JSON)."""
        old_all, new_all = _media_types(self.old), _media_types(self.new)
        old_text, new_text = _listing(old_all), _listing(new_all)
        for media in sorted(old_all.keys() - new_all.keys()):
            clause = f"no longer labels its responses {media}"
            yield self.make("response-media-type-removed", "", old_text, new_text, clause, None, self._first_new())
        for media in sorted(new_all.keys() - old_all.keys()):
            clause = f"labels its responses {media}"
            yield self.make("response-media-type-added", "", old_text, new_text, clause, None, new_all[media])
        for status in sorted(self.old.statuses.keys() & self.new.statuses.keys()):
            old, new = self.old.statuses[status], self.new.statuses[status]
            before, after = set(old.content_types), set(new.content_types)
            old_text, new_text = f"{status}: {_listing(before)}", f"{status}: {_listing(after)}"
            for media in sorted((before - after) & new_all.keys()):
                clause = f"no longer labels its {status} responses {media}"
                yield self.make("response-media-type-removed", "", old_text, new_text, clause, status, new.first)
            for media in sorted((after - before) & old_all.keys()):
                clause = f"labels its {status} responses {media}"
                where = new.first_by_content_type[media]
                yield self.make("response-media-type-added", "", old_text, new_text, clause, status, where)

    def _headers(self) -> Iterator[Change]:
        """Per status (a header may belong to one status, like Retry-After to 429): sent with every
        response before and none now, or with none before and some now. One change per header."""
        seen: dict[tuple[str, str], list[tuple[int, Location | None]]] = {}
        for status in sorted(self.old.statuses.keys() & self.new.statuses.keys()):
            old, new = self.old.statuses[status], self.new.statuses[status]
            documented = self.documented(status)[1]
            for name in sorted(old.headers.keys() | new.headers.keys()):
                before, after = old.header_ratio(name), new.header_ratio(name)
                if before == 1.0 and after == 0.0:
                    required = name in documented
                    rule = (
                        "required-response-header-removed" if required else "observed-optional-response-header-removed"
                    )
                    seen.setdefault((rule, name), []).append((status, new.first))
                elif before == 0.0 and after > 0.0:
                    seen.setdefault(("response-header-added", name), []).append((status, new.first_by_header[name]))
        for (rule, name), where in seen.items():
            statuses = " and ".join(str(status) for status, _ in where)
            status, location = where[0]
            if rule == "response-header-added":
                clause = f"sends a new {name} header with its {statuses} responses"
                yield self.make(rule, "", f"no {name} header", f"{name} header", clause, status, location)
            else:
                clause = f"no longer sends the {name} header with its {statuses} responses"
                yield self.make(rule, "", f"{name} header", f"no {name} header", clause, status, location)
