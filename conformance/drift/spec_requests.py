"""What a client sends, old spec against new: parameters, the request body and its fields.

Narrowing what is accepted breaks clients (a new required input, a removed enum value, a type no
longer accepted); widening it does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.drift.changes import Change, ChangeMaker
from conformance.drift.schema_facts import FieldFacts
from conformance.drift.spec_side import Op, SpecSide, covered, is_json, listing, nullable_text, required_text

BODY = "/requestBody"


def parameter_changes(make: ChangeMaker, old: SpecSide, new: SpecSide, old_op: Op, new_op: Op) -> Iterator[Change]:
    before, after = old.parameters(old_op), new.parameters(new_op)
    for key in sorted(before.keys() | after.keys()):
        old_p, new_p = before.get(key), after.get(key)
        location, name = key[0], str((new_p or old_p or {}).get("name", key[1]))
        pointer, label = f"/parameters/{location}/{name}", f"{location} parameter {name}"
        if new_p is None:
            yield make("request-parameter-removed", pointer, "present", "absent", f"no longer has the {label}")
            continue
        if old_p is None:
            required = new_p.get("required") is True or location == "path"
            kind = required_text(required)
            yield make(f"new-{kind}-request-parameter", pointer, "absent", kind, f"has a new {kind} {label}")
            continue
        was, now = old_p.get("required") is True, new_p.get("required") is True
        if was != now:
            clause = f"requires the {label}" if now else f"no longer requires the {label}"
            rule = f"request-parameter-became-{required_text(now)}"
            yield make(rule, pointer, required_text(was), required_text(now), clause)
        old_facts = old.schema_facts(old_p.get("schema")).get("", FieldFacts())
        new_facts = new.schema_facts(new_p.get("schema")).get("", FieldFacts())
        yield from _value_changes(make, pointer, label, old_facts, new_facts, "parameter")


def _value_changes(
    make: ChangeMaker, pointer: str, label: str, before: FieldFacts, after: FieldFacts, noun: str
) -> Iterator[Change]:
    """Type, enum and nullability of something the client sends."""
    old_types, new_types = before.non_null_types, after.non_null_types
    if old_types and new_types and old_types != new_types:
        widened = all(covered(t, new_types) for t in old_types)
        rule = f"request-{noun}-type-{'generalized' if widened else 'changed'}"
        clause = f"takes the {label} as {listing(new_types)} (was {listing(old_types)})"
        yield make(rule, pointer, listing(old_types), listing(new_types), clause)
    if before.enum is None and after.enum is not None:
        clause = f"accepts only {listing(after.enum)} for the {label}"
        yield make(f"request-{noun}-became-enum", pointer, "any value", listing(after.enum), clause)
    elif before.enum is not None and after.enum is not None:
        old_enum, new_enum = listing(before.enum), listing(after.enum)
        for value in sorted(set(before.enum) - set(after.enum), key=str):
            clause = f"no longer accepts {value!r} for the {label}"
            yield make(f"request-{noun}-enum-value-removed", pointer, old_enum, new_enum, clause)
        for value in sorted(set(after.enum) - set(before.enum), key=str):
            clause = f"accepts {value!r} for the {label}"
            yield make(f"request-{noun}-enum-value-added", pointer, old_enum, new_enum, clause)
    if noun == "property" and before.nullable != after.nullable:
        rule = "request-property-became-nullable" if after.nullable else "request-property-became-not-nullable"
        clause = f"{'accepts' if after.nullable else 'no longer accepts'} null for the {label}"
        yield make(rule, pointer, nullable_text(before), nullable_text(after), clause)


def request_body_changes(
    make: ChangeMaker, old: SpecSide, new: SpecSide, old_node: dict[str, Any], new_node: dict[str, Any]
) -> Iterator[Change]:
    before = old.deref(old_node["requestBody"]) if "requestBody" in old_node else None
    after = new.deref(new_node["requestBody"]) if "requestBody" in new_node else None
    if before is None and after is None:
        return
    if before is None:
        kind = required_text(after.get("required") is True)  # type: ignore[union-attr]
        yield make(f"added-{kind}-request-body", BODY, "no body", f"{kind} body", f"takes a new {kind} request body")
        return
    if after is None:
        yield make("request-body-removed", BODY, "body", "no body", "no longer takes a request body")
        return
    was, now = before.get("required") is True, after.get("required") is True
    if was != now:
        clause = "requires its request body" if now else "no longer requires its request body"
        yield make(f"request-body-became-{required_text(now)}", BODY, required_text(was), required_text(now), clause)
    old_media, new_media = before.get("content") or {}, after.get("content") or {}
    old_text, new_text = listing(old_media), listing(new_media)
    for media in sorted(old_media.keys() - new_media.keys()):
        clause = f"no longer accepts {media} request bodies"
        yield make("request-body-media-type-removed", BODY, old_text, new_text, clause)
    for media in sorted(new_media.keys() - old_media.keys()):
        yield make("request-body-media-type-added", BODY, old_text, new_text, f"accepts {media} request bodies")
    for media in sorted(old_media.keys() & new_media.keys()):
        if is_json(media):
            yield from _field_changes(make, old.fields(old_media[media]), new.fields(new_media[media]))


def _field_changes(make: ChangeMaker, before: dict[str, FieldFacts], after: dict[str, FieldFacts]) -> Iterator[Change]:
    reported: list[str] = []
    for field_pointer in sorted(before.keys() | after.keys()):
        if any(field_pointer.startswith(done + "/") for done in reported):
            continue
        old_f, new_f = before.get(field_pointer), after.get(field_pointer)
        if (old_f and old_f.read_only) or (new_f and new_f.read_only):
            continue  # never sent by a client
        pointer, label = BODY + field_pointer, f"request field {field_pointer or '(body)'}"
        if new_f is None:
            yield make("request-property-removed", pointer, "present", "absent", f"no longer has the {label}")
            reported.append(field_pointer)
        elif old_f is None:
            kind = required_text(new_f.required)
            yield make(f"new-{kind}-request-property", pointer, "absent", kind, f"has a new {kind} {label}")
            reported.append(field_pointer)
        else:
            if field_pointer and old_f.required != new_f.required:
                clause = f"{'requires' if new_f.required else 'no longer requires'} the {label}"
                rule = f"request-property-became-{required_text(new_f.required)}"
                yield make(rule, pointer, required_text(old_f.required), required_text(new_f.required), clause)
            yield from _value_changes(make, pointer, label, old_f, new_f, "property")
