"""What a client sends, old spec against new: parameters, the request body and its fields.

Narrowing what is accepted breaks clients (a new required input, a removed enum value, a bound
tightened, a type no longer accepted); widening it does not. Parameters are named by location and
name (`query parameter limit`, pointer `/parameters/query/limit`), body fields by their pointer
under `/requestBody` and the media type they are sent as.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from conformance.drift.changes import Change, ChangeMaker
from conformance.drift.spec_lifecycle import parameter_lifecycle, removal_rule
from conformance.drift.spec_schema import Context, SchemaDiff
from conformance.drift.spec_side import Op, SpecSide, as_dict, listing, required_text

BODY = "/requestBody"


def parameter_schema(side: SpecSide, parameter: dict[str, Any]) -> Any:
    """A parameter's schema, from `schema` or from its single `content` media type."""
    if "schema" in parameter:
        return parameter["schema"]
    content = parameter.get("content")
    if isinstance(content, dict):
        for media in content.values():
            media = side.deref(media)
            if isinstance(media, dict) and "schema" in media:
                return media["schema"]
    return None


def parameter_changes(make: ChangeMaker, old: SpecSide, new: SpecSide, old_op: Op, new_op: Op) -> Iterator[Change]:
    before, after = old.parameters(old_op), new.parameters(new_op)
    differ = SchemaDiff(old.follow, new.follow)
    for key in sorted(before.keys() | after.keys()):
        old_p, new_p = before.get(key), after.get(key)
        location, name = key[0], str((new_p or old_p or {}).get("name", key[1]))
        pointer, label = f"/parameters/{location}/{name}", f"the {location} parameter {name}"
        if new_p is None:
            assert old_p is not None
            rule, how = removal_rule(old_p, "request-parameter")
            yield make(rule, pointer, "present", "absent", f"no longer has {label} ({how})")
            continue
        if old_p is None:
            if location == "path":
                yield make(
                    "new-request-path-parameter", pointer, "absent", "required", f"has a new path parameter {name}"
                )
                continue
            kind = required_text(new_p.get("required") is True)
            yield make(
                f"new-{kind}-request-parameter",
                pointer,
                "absent",
                kind,
                f"has a new {kind} {location} parameter {name}",
            )
            continue
        was, now = old_p.get("required") is True, new_p.get("required") is True
        if was != now and location != "path":
            clause = f"requires {label}" if now else f"no longer requires {label}"
            yield make(
                f"request-parameter-became-{required_text(now)}",
                pointer,
                required_text(was),
                required_text(now),
                clause,
            )
        yield from parameter_lifecycle(make, pointer, label, old_p, new_p)
        ctx = Context(make, True, pointer, label, f"property of {label}:", parameter=location)
        old_schema, new_schema = parameter_schema(old, old_p), parameter_schema(new, new_p)
        if old_schema is not None and new_schema is not None:
            yield from differ.compare(ctx, old_schema, new_schema)


def request_body_changes(
    make: ChangeMaker, old: SpecSide, new: SpecSide, old_node: dict[str, Any], new_node: dict[str, Any]
) -> Iterator[Change]:
    before = old.deref(old_node["requestBody"]) if "requestBody" in old_node else None
    after = new.deref(new_node["requestBody"]) if "requestBody" in new_node else None
    if not isinstance(before, dict) and not isinstance(after, dict):
        return
    if not isinstance(before, dict):
        kind = required_text(cast(dict[str, Any], after).get("required") is True)  # a dict: not both are absent
        yield make(f"request-body-added-{kind}", BODY, "no body", f"{kind} body", f"takes a new {kind} request body")
        return
    if not isinstance(after, dict):
        yield make("request-body-removed", BODY, "body", "no body", "no longer takes a request body")
        return
    was, now = before.get("required") is True, after.get("required") is True
    if was != now:
        clause = "requires its request body" if now else "no longer requires its request body"
        yield make(f"request-body-became-{required_text(now)}", BODY, required_text(was), required_text(now), clause)
    old_media, new_media = as_dict(before.get("content")), as_dict(after.get("content"))
    old_text, new_text = listing(old_media), listing(new_media)
    for media in sorted(old_media.keys() - new_media.keys()):
        yield make(
            "request-body-media-type-removed", BODY, old_text, new_text, f"no longer accepts {media} request bodies"
        )
    for media in sorted(new_media.keys() - old_media.keys()):
        yield make("request-body-media-type-added", BODY, old_text, new_text, f"accepts {media} request bodies")
    differ = SchemaDiff(old.follow, new.follow)
    for media in sorted(old_media.keys() & new_media.keys()):
        old_m, new_m = old.deref(old_media[media]), new.deref(new_media[media])
        if isinstance(old_m, dict) and isinstance(new_m, dict) and "schema" in old_m and "schema" in new_m:
            ctx = Context(make, True, BODY, "the request body", "request field", f" ({media})")
            yield from differ.compare(ctx, old_m["schema"], new_m["schema"])
