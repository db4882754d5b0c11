"""What a client receives, old spec against new: statuses, media types, headers and body fields.

Widening what may come back breaks clients (a new enum value, a new type, null where none was, a
field no longer required or gone); narrowing it does not. Body fields use their body pointer, as
cassette drift does, so the same change found either way has the same fingerprint.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.drift.changes import Change, ChangeMaker
from conformance.drift.schema_facts import FieldFacts
from conformance.drift.spec_side import SpecSide, covered, is_json, listing, nullable_text, required_text, types_text


def _code(status: str) -> int | None:
    return int(status) if status.isdigit() else None


def _kind(status: str) -> str:
    return "success" if status.upper().startswith("2") else "non-success"


def response_changes(
    make: ChangeMaker, old: SpecSide, new: SpecSide, old_node: dict[str, Any], new_node: dict[str, Any]
) -> Iterator[Change]:
    before = {str(k): old.deref(v) for k, v in (old_node.get("responses") or {}).items()}
    after = {str(k): new.deref(v) for k, v in (new_node.get("responses") or {}).items()}
    old_text, new_text = f"statuses {listing(before)}", f"statuses {listing(after)}"
    for status in sorted(before.keys() - after.keys()):
        clause = f"no longer documents status {status}"
        yield make(f"response-{_kind(status)}-status-removed", "", old_text, new_text, clause, _code(status))
    for status in sorted(after.keys() - before.keys()):
        clause = f"documents status {status}"
        yield make(f"response-{_kind(status)}-status-added", "", old_text, new_text, clause, _code(status))
    for status in sorted(before.keys() & after.keys()):
        yield from _response(make, old, new, status, before[status], after[status])


def _response(
    make: ChangeMaker, old: SpecSide, new: SpecSide, status: str, before: dict[str, Any], after: dict[str, Any]
) -> Iterator[Change]:
    code = _code(status)
    old_media, new_media = before.get("content") or {}, after.get("content") or {}
    old_text, new_text = f"{status}: {listing(old_media)}", f"{status}: {listing(new_media)}"
    for media in sorted(old_media.keys() - new_media.keys()):
        clause = f"no longer returns {media} for status {status}"
        yield make("response-media-type-removed", "", old_text, new_text, clause, code)
    for media in sorted(new_media.keys() - old_media.keys()):
        yield make("response-media-type-added", "", old_text, new_text, f"returns {media} for status {status}", code)
    old_headers = {str(k).lower(): old.deref(v) for k, v in (before.get("headers") or {}).items()}
    new_headers = {str(k).lower(): new.deref(v) for k, v in (after.get("headers") or {}).items()}
    for name in sorted(old_headers.keys() - new_headers.keys()):
        required = isinstance(old_headers[name], dict) and old_headers[name].get("required") is True
        rule = f"{required_text(required)}-response-header-removed"
        clause = f"no longer documents the {name} header of status {status}"
        yield make(rule, "", f"header {name}", f"no header {name}", clause, code)
    for name in sorted(new_headers.keys() - old_headers.keys()):
        clause = f"documents a new {name} header for status {status}"
        yield make("response-header-added", "", f"no header {name}", f"header {name}", clause, code)
    for media in sorted(old_media.keys() & new_media.keys()):
        if is_json(media):
            before_fields, after_fields = old.fields(old_media[media]), new.fields(new_media[media])
            yield from _field_changes(make, status, before_fields, after_fields)


def _field_changes(
    make: ChangeMaker, status: str, before: dict[str, FieldFacts], after: dict[str, FieldFacts]
) -> Iterator[Change]:
    code = _code(status)
    reported: list[str] = []
    for pointer in sorted(before.keys() | after.keys()):
        if any(pointer.startswith(done + "/") for done in reported):
            continue
        old_f, new_f = before.get(pointer), after.get(pointer)
        if (old_f and old_f.write_only) or (new_f and new_f.write_only):
            continue  # never returned to a client
        shown = pointer or "the body"
        if new_f is None:
            kind = required_text(old_f is not None and old_f.required)
            clause = f"no longer documents the {kind} field {shown} of its {status} response"
            old_types = types_text(old_f) if old_f is not None else "any"
            yield make(f"response-{kind}-property-removed", pointer, old_types, "absent", clause, code)
            reported.append(pointer)
            continue
        if old_f is None:
            clause = f"documents a new field {shown} in its {status} response"
            yield make("response-property-added", pointer, "absent", types_text(new_f), clause, code)
            reported.append(pointer)
            continue
        if pointer and old_f.required != new_f.required:
            clause = f"makes {shown} {required_text(new_f.required)} in its {status} response"
            rule = f"response-property-became-{required_text(new_f.required)}"
            yield make(rule, pointer, required_text(old_f.required), required_text(new_f.required), clause, code)
        old_types, new_types = old_f.non_null_types, new_f.non_null_types
        if old_types and new_types and old_types != new_types:
            widened = any(not covered(t, old_types) for t in new_types)
            rule = "response-property-type-changed" if widened else "response-property-type-specialized"
            clause = f"types {shown} as {listing(new_types)} in its {status} response (was {listing(old_types)})"
            yield make(rule, pointer, listing(old_types), listing(new_types), clause, code)
            if widened:
                reported.append(pointer)
        if old_f.nullable != new_f.nullable:
            rule = "response-property-became-nullable" if new_f.nullable else "response-property-became-not-nullable"
            clause = f"{'allows' if new_f.nullable else 'no longer allows'} null for {shown} in its {status} response"
            yield make(rule, pointer, nullable_text(old_f), nullable_text(new_f), clause, code)
        if old_f.enum is not None and new_f.enum is not None:
            old_enum, new_enum = listing(old_f.enum), listing(new_f.enum)
            for value in sorted(set(new_f.enum) - set(old_f.enum), key=str):
                clause = f"may return {value!r} for {shown} in its {status} response"
                yield make("response-property-enum-value-added", pointer, old_enum, new_enum, clause, code)
            for value in sorted(set(old_f.enum) - set(new_f.enum), key=str):
                clause = f"no longer returns {value!r} for {shown} in its {status} response"
                yield make("response-property-enum-value-removed", pointer, old_enum, new_enum, clause, code)
