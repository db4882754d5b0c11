"""Two versions of one schema compared node by node, as oasdiff compares them.

The walk keeps the schema's structure: `oneOf`/`anyOf`/`allOf` members are matched (by `$ref`,
title, or shape) and compared as members, not flattened into one bag of fields; properties,
array items and map values (`additionalProperties`) are descended with their own pointers.

Direction decides the grade. Something a client sends (request bodies, parameters) breaks it when
it narrows: a bound tightened, a value or type no longer accepted, a field newly required. Something
it receives breaks it when it widens: a bound loosened, a new enum value or type, null, a field no
longer guaranteed. A request field that is readOnly is never sent and a response field that is
writeOnly never received, so beyond their read/write transitions they are not compared.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from conformance.core import pointers
from conformance.drift.changes import Change, ChangeMaker
from conformance.drift.rules import RULES

ARRAY_ITEM = "*"
MAP_VALUE = "{*}"  # any key of a map: the value schema of `additionalProperties`
_MAX_DEPTH = 24
_COMPOSITIONS = (("oneOf", "one-of"), ("anyOf", "any-of"), ("allOf", "all-of"))
_ANNOTATIONS = frozenset({"title", "description", "example", "examples", "deprecated", "externalDocs", "$comment"})

Deref = Callable[[Any], tuple[Any, str]]  # node -> (target, the $ref followed or '')


@dataclass(frozen=True)
class Context:
    """Where a schema is used: who sends it, and how its changes are named."""

    make: ChangeMaker
    request: bool
    base: str  # pointer prefix: '/requestBody', '' (response bodies), '/parameters/query/limit'
    whole: str  # the schema's owner: "the request body", "the query parameter limit"
    noun: str  # what a pointer inside it names: "request field", "field"
    suffix: str = ""  # where it is: " (application/json)", " in its 200 response (application/json)"
    parameter: str = ""  # the parameter location ('query', 'header', ...) when the schema is a parameter's
    status: int | None = None


def _family(ctx: Context, pointer: str) -> list[str]:
    """The id prefixes oasdiff uses here, most specific first."""
    if ctx.parameter:
        return ["request-parameter"] if pointer == "" else ["request-parameter-property", "request-parameter"]
    side = "request" if ctx.request else "response"
    return [f"{side}-body", f"{side}-property"] if pointer == "" else [f"{side}-property"]


def _pick(ctx: Context, pointer: str, *suffixes: str) -> str:
    for suffix in suffixes:
        for prefix in _family(ctx, pointer):
            if f"{prefix}-{suffix}" in RULES:
                return f"{prefix}-{suffix}"
    raise KeyError(f"no rule for {suffixes} at {pointer!r}")  # a bug in this module, found by the tests


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def types_of(node: dict[str, Any]) -> set[str]:
    declared = node.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {t for t in declared if isinstance(t, str)}
    if "properties" in node or "additionalProperties" in node:
        return {"object"}
    if "items" in node:
        return {"array"}
    return set()


def _covered(kind: str, types: set[str]) -> bool:
    return kind in types or (kind == "integer" and "number" in types)


def _listing(values: Any) -> str:
    return ", ".join(sorted(str(v) for v in values)) or "none"


def _member_key(member: Any, deref: Deref, index: int) -> str:
    if isinstance(member, dict):
        origin = member.get("x-drift-origin") or member.get("$ref")
        if isinstance(origin, str):
            return "ref:" + origin.rsplit("/", 1)[-1]
        title = member.get("title")
        if isinstance(title, str):
            return "title:" + title
        try:
            return "shape:" + json.dumps(member, sort_keys=True, default=str)
        except (TypeError, ValueError):
            pass
    return f"index:{index}"


def _member_name(member: Any) -> str:
    if isinstance(member, dict):
        origin = member.get("x-drift-origin") or member.get("$ref")
        if isinstance(origin, str):
            return origin.rsplit("/", 1)[-1]
        title = member.get("title")
        if isinstance(title, str):
            return title
        kinds = types_of(member)
        if kinds:
            return "an inline " + "/".join(sorted(kinds)) + " schema"
    return "an inline schema"


def _annotation_only(member: Any) -> bool:
    return isinstance(member, dict) and "$ref" not in member and set(member) <= _ANNOTATIONS


def _nullable(node: dict[str, Any]) -> bool:
    if node.get("nullable") is True or "null" in types_of(node):
        return True
    values = node.get("enum")
    if isinstance(values, list) and None in values:
        return True
    for keyword in ("oneOf", "anyOf"):
        for member in _list(node.get(keyword)):
            if isinstance(member, dict) and (member.get("type") == "null" or member.get("nullable") is True):
                return True
    return False


def _enum(node: dict[str, Any]) -> list[Any] | None:
    if "const" in node:
        return [node["const"]] if node["const"] is not None else []
    values = node.get("enum")
    return [v for v in values if v is not None] if isinstance(values, list) else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _upper(node: dict[str, Any]) -> tuple[float, bool] | None:
    """The tightest upper bound (value, exclusive); 3.0's boolean exclusiveMaximum applies to maximum."""
    maximum, exclusive = _number(node.get("maximum")), node.get("exclusiveMaximum")
    bounds: list[tuple[float, bool]] = []
    if maximum is not None:
        bounds.append((maximum, exclusive is True))
    exclusive_value = _number(exclusive)
    if exclusive_value is not None:
        bounds.append((exclusive_value, True))
    return min(bounds, key=lambda b: (b[0], not b[1])) if bounds else None


def _lower(node: dict[str, Any]) -> tuple[float, bool] | None:
    minimum, exclusive = _number(node.get("minimum")), node.get("exclusiveMinimum")
    bounds: list[tuple[float, bool]] = []
    if minimum is not None:
        bounds.append((minimum, exclusive is True))
    exclusive_value = _number(exclusive)
    if exclusive_value is not None:
        bounds.append((exclusive_value, True))
    return max(bounds, key=lambda b: (b[0], b[1])) if bounds else None


def _bound_text(bound: tuple[float, bool] | None, upper: bool) -> str:
    if bound is None:
        return "none"
    value = int(bound[0]) if bound[0].is_integer() else bound[0]
    return f"{'<' if upper else '>'}{'' if bound[1] else '='} {value}"


def _tighter(a: tuple[float, bool], b: tuple[float, bool], upper: bool) -> bool:
    """Whether bound `a` admits fewer values than `b`."""
    if a[0] != b[0]:
        return a[0] < b[0] if upper else a[0] > b[0]
    return a[1] and not b[1]


class SchemaDiff:
    """One comparison: old and new schemas resolved through their own documents."""

    def __init__(self, old_deref: Deref, new_deref: Deref) -> None:
        self.old_deref, self.new_deref = old_deref, new_deref

    def compare(self, ctx: Context, old: Any, new: Any) -> list[Change]:
        return list(self._node(ctx, "", old, new, (), 0))

    def _change(self, ctx: Context, rule: str, pointer: str, old: str, new: str, clause: str) -> Change:
        return ctx.make(rule, ctx.base + pointer, old, new, clause, ctx.status)

    def _label(self, ctx: Context, pointer: str) -> str:
        return f"{ctx.noun} {pointer}{ctx.suffix}" if pointer else f"{ctx.whole}{ctx.suffix}"

    def _node(
        self, ctx: Context, pointer: str, old: Any, new: Any, seen: tuple[tuple[str, str], ...], depth: int
    ) -> Iterator[Change]:
        old, old_ref = self.old_deref(old)
        new, new_ref = self.new_deref(new)
        if not isinstance(old, dict) or not isinstance(new, dict) or depth > _MAX_DEPTH:
            return
        if old_ref or new_ref:
            if (old_ref, new_ref) in seen:
                return  # a recursive schema, already being compared further up
            seen = (*seen, (old_ref, new_ref))
        label = self._label(ctx, pointer)
        stop = yield from self._types(ctx, pointer, label, old, new)
        if stop:
            return
        yield from self._nullability(ctx, pointer, label, old, new)
        yield from self._values(ctx, pointer, label, old, new)
        yield from self._bounds(ctx, pointer, label, old, new)
        yield from self._pattern(ctx, pointer, label, old, new)
        yield from self._compositions(ctx, pointer, label, old, new, seen, depth)
        if not _restructured(old, new):
            yield from self._properties(ctx, pointer, old, new, seen, depth)
        if "items" in old and "items" in new:
            yield from self._node(ctx, _child(pointer, ARRAY_ITEM), old["items"], new["items"], seen, depth + 1)
        old_map, new_map = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_map, dict) and isinstance(new_map, dict):
            yield from self._node(ctx, _child(pointer, MAP_VALUE), old_map, new_map, seen, depth + 1)

    def _types(self, ctx: Context, pointer: str, label: str, old: dict[str, Any], new: dict[str, Any]) -> Any:
        before, after = types_of(old) - {"null"}, types_of(new) - {"null"}
        if not before or not after or before == after:
            return False
        widened = all(_covered(t, after) for t in before)
        narrowed = all(_covered(t, before) for t in after)
        text = f"types {label} as {_listing(after)} (was {_listing(before)})"
        if ctx.request:
            if widened:
                suffix = "type-generalized"
            elif narrowed and ctx.parameter and pointer:
                suffix = "type-specialized"
            else:
                suffix = "type-changed"
        else:
            suffix = "type-generalized" if widened else "type-specialized" if narrowed else "type-changed"
        rule = _pick(ctx, pointer, suffix, "type-changed")
        yield self._change(ctx, rule, pointer, _listing(before), _listing(after), text)
        return not (widened or narrowed)  # a new kind of value: what lies below no longer compares

    def _nullability(self, ctx: Context, pointer: str, label: str, old: dict[str, Any], new: dict[str, Any]) -> Any:
        was, now = _nullable(old), _nullable(new)
        if was == now:
            return
        rule = _pick(ctx, pointer, "became-nullable" if now else "became-not-nullable")
        verb = ("accepts" if now else "no longer accepts") if ctx.request else ("allows" if now else "no longer allows")
        texts = ("nullable", "not nullable")
        yield self._change(ctx, rule, pointer, texts[not was], texts[not now], f"{verb} null for {label}")

    def _values(self, ctx: Context, pointer: str, label: str, old: dict[str, Any], new: dict[str, Any]) -> Any:
        before, after = _enum(old), _enum(new)
        if ctx.request and before is None and after is not None:
            if ctx.parameter == "header" and pointer:
                rule = "request-header-property-became-enum"
            else:
                rule = _pick(ctx, pointer, "became-enum")
            yield self._change(
                ctx, rule, pointer, "any value", _listing(after), f"accepts only {_listing(after)} for {label}"
            )
        elif before is not None and after is not None:
            old_text, new_text = _listing(before), _listing(after)
            for value in sorted((v for v in before if v not in after), key=str):
                if ctx.request:
                    rule, clause = _pick(ctx, pointer, "enum-value-removed"), f"no longer accepts {value!r} for {label}"
                else:
                    rule, clause = "response-property-enum-value-removed", f"no longer returns {value!r} for {label}"
                yield self._change(ctx, rule, pointer, old_text, new_text, clause)
            for value in sorted((v for v in after if v not in before), key=str):
                if ctx.request:
                    rule, clause = _pick(ctx, pointer, "enum-value-added"), f"accepts {value!r} for {label}"
                else:
                    rule, clause = "response-property-enum-value-added", f"may return {value!r} for {label}"
                yield self._change(ctx, rule, pointer, old_text, new_text, clause)
        old_ext, new_ext = old.get("x-extensible-enum"), new.get("x-extensible-enum")
        if ctx.request and isinstance(old_ext, list) and isinstance(new_ext, list):
            for value in sorted((v for v in old_ext if v not in new_ext), key=str):
                rule = _pick(ctx, pointer, "x-extensible-enum-value-removed")
                clause = f"no longer accepts the x-extensible-enum value {value!r} for {label}"
                yield self._change(ctx, rule, pointer, _listing(old_ext), _listing(new_ext), clause)

    def _bounds(self, ctx: Context, pointer: str, label: str, old: dict[str, Any], new: dict[str, Any]) -> Any:
        for upper, reader in ((True, _upper), (False, _lower)):
            before, after = reader(old), reader(new)
            if before == after:
                continue
            word = "max" if upper else "min"
            exclusive = (after or before or (0.0, False))[1]
            name = f"exclusive-{word}" if exclusive else word
            suffixes: tuple[str, ...]
            if before is None:
                narrowed, suffixes = True, (f"{name}-set", f"{name}-{'decreased' if upper else 'increased'}")
            elif after is None:
                narrowed, suffixes = False, (f"{name}-{'increased' if upper else 'decreased'}",)
            else:
                narrowed = _tighter(after, before, upper)
                suffixes = (f"{name}-{'decreased' if upper == narrowed else 'increased'}",)
            yield from self._bound_change(
                ctx,
                pointer,
                label,
                suffixes,
                narrowed,
                _bound_text(before, upper),
                _bound_text(after, upper),
                word + "imum",
            )
        for keyword, upper, name in (
            ("maxLength", True, "max-length"),
            ("minLength", False, "min-length"),
            ("maxItems", True, "max-items"),
            ("minItems", False, "min-items"),
        ):
            old_size, new_size = _number(old.get(keyword)), _number(new.get(keyword))
            if old_size == new_size:
                continue
            if old_size is None:
                narrowed = upper or (new_size or 0) > 0
                suffixes = (f"{name}-set", f"{name}-{'decreased' if upper else 'increased'}")
            elif new_size is None:
                narrowed = False
                suffixes = (f"{name}-unset", f"{name}-{'increased' if upper else 'decreased'}")
            else:
                narrowed = new_size < old_size if upper else new_size > old_size
                suffixes = (f"{name}-{'decreased' if upper == narrowed else 'increased'}",)
            old_text = "none" if old_size is None else str(int(old_size))
            new_text = "none" if new_size is None else str(int(new_size))
            yield from self._bound_change(ctx, pointer, label, suffixes, narrowed, old_text, new_text, keyword)

    def _bound_change(
        self,
        ctx: Context,
        pointer: str,
        label: str,
        suffixes: tuple[str, ...],
        narrowed: bool,
        old_text: str,
        new_text: str,
        keyword: str,
    ) -> Iterator[Change]:
        if not ctx.request and narrowed:
            return  # fewer possible values in a response: oasdiff has no check, nothing can break
        try:
            rule = _pick(ctx, pointer, *suffixes)
        except KeyError:
            return  # e.g. a minLength set on a response: narrowing, no check
        verb = "tightens" if narrowed else "loosens"
        clause = f"{verb} the {keyword} of {label} from {old_text} to {new_text}"
        yield self._change(ctx, rule, pointer, f"{keyword} {old_text}", f"{keyword} {new_text}", clause)

    def _pattern(self, ctx: Context, pointer: str, label: str, old: dict[str, Any], new: dict[str, Any]) -> Any:
        before, after = old.get("pattern"), new.get("pattern")
        if before == after or not (isinstance(before, str) or isinstance(after, str)):
            return
        if before is None:
            suffix, clause = "pattern-added", f"adds the pattern {after!r} to {label}"
        elif after is None:
            suffix, clause = "pattern-removed", f"removes the pattern {before!r} from {label}"
        else:
            suffix, clause = "pattern-changed", f"changes the pattern of {label} from {before!r} to {after!r}"
        family = "request-parameter" if ctx.parameter else ("request-property" if ctx.request else "response-property")
        yield self._change(ctx, f"{family}-{suffix}", pointer, str(before or "none"), str(after or "none"), clause)

    def _compositions(
        self,
        ctx: Context,
        pointer: str,
        label: str,
        old: dict[str, Any],
        new: dict[str, Any],
        seen: tuple[tuple[str, str], ...],
        depth: int,
    ) -> Iterator[Change]:
        for keyword, name in _COMPOSITIONS:
            before = [m for m in _list(old.get(keyword)) if not _annotation_only(m)]
            after = [m for m in _list(new.get(keyword)) if not _annotation_only(m)]
            if not before and not after:
                continue
            if keyword == "oneOf" and not before and not ctx.parameter and pointer == "":
                side = "request" if ctx.request else "response"
                clause = f"restructures {label} into a oneOf of {', '.join(_member_name(m) for m in after)}"
                yield self._change(ctx, f"{side}-body-wrapped-in-one-of", pointer, "a schema", "oneOf", clause)
                continue
            old_keys = {_member_key(m, self.old_deref, i): m for i, m in enumerate(before)}
            new_keys = {_member_key(m, self.new_deref, i): m for i, m in enumerate(after)}
            gone = [k for k in old_keys if k not in new_keys]
            came = [k for k in new_keys if k not in old_keys]
            inline_gone = [k for k in gone if not k.startswith("ref:")]
            inline_came = [k for k in came if not k.startswith("ref:")]
            # Inline members edited in place: compared as the same member, in order.
            for old_key, new_key in zip(inline_gone, inline_came, strict=False):
                gone.remove(old_key)
                came.remove(new_key)
                yield from self._node(ctx, pointer, old_keys[old_key], new_keys[new_key], seen, depth + 1)
            for key in old_keys.keys() & new_keys.keys():
                yield from self._node(ctx, pointer, old_keys[key], new_keys[key], seen, depth + 1)
            listing_old = ", ".join(_member_name(m) for m in before) or "none"
            listing_new = ", ".join(_member_name(m) for m in after) or "none"
            if ctx.parameter:
                continue  # oasdiff compares the alternatives of bodies only
            for key in gone:
                rule = _pick(ctx, pointer, f"{name}-removed")
                clause = f"removes {_member_name(old_keys[key])} from the {keyword} of {label}"
                yield self._change(ctx, rule, pointer, listing_old, listing_new, clause)
            for key in came:
                rule = _pick(ctx, pointer, f"{name}-added")
                clause = f"adds {_member_name(new_keys[key])} to the {keyword} of {label}"
                yield self._change(ctx, rule, pointer, listing_old, listing_new, clause)

    def _properties(
        self,
        ctx: Context,
        pointer: str,
        old: dict[str, Any],
        new: dict[str, Any],
        seen: tuple[tuple[str, str], ...],
        depth: int,
    ) -> Iterator[Change]:
        before, after = old.get("properties") or {}, new.get("properties") or {}
        if not isinstance(before, dict) or not isinstance(after, dict) or (not before and not after):
            return
        old_required = {r for r in _list(old.get("required")) if isinstance(r, str)}
        new_required = {r for r in _list(new.get("required")) if isinstance(r, str)}
        for name in sorted(before.keys() | after.keys()):
            here = _child(pointer, name)
            old_p = self.old_deref(before[name])[0] if name in before else None
            new_p = self.new_deref(after[name])[0] if name in after else None
            old_p = old_p if isinstance(old_p, dict) else ({} if name in before else None)
            new_p = new_p if isinstance(new_p, dict) else ({} if name in after else None)
            was, now = name in old_required, name in new_required
            yield from self._property(ctx, here, old_p, new_p, was, now)
            if old_p is not None and new_p is not None and not self._hidden(ctx, old_p, new_p):
                yield from self._node(ctx, here, before[name], after[name], seen, depth + 1)

    def _hidden(self, ctx: Context, *nodes: dict[str, Any]) -> bool:
        """A readOnly field is never sent, a writeOnly one never received."""
        flag = "readOnly" if ctx.request else "writeOnly"
        return any(node.get(flag) is True for node in nodes)

    def _property(
        self,
        ctx: Context,
        pointer: str,
        old: dict[str, Any] | None,
        new: dict[str, Any] | None,
        was: bool,
        now: bool,
    ) -> Iterator[Change]:
        label = self._label(ctx, pointer)
        kind = ("required", "optional")
        if new is None and old is not None:
            if self._hidden(ctx, old) or ctx.parameter:
                return
            if ctx.request:
                yield self._change(
                    ctx, "request-property-removed", pointer, "present", "absent", f"no longer has {label}"
                )
            else:
                rule = f"response-{kind[not was]}-property-removed"
                yield self._change(
                    ctx, rule, pointer, kind[not was], "absent", f"no longer documents the {kind[not was]} {label}"
                )
            return
        if old is None and new is not None:
            if self._hidden(ctx, new):
                return
            if ctx.parameter:
                if now:
                    rule = (
                        "new-required-request-header-property"
                        if ctx.parameter == "header"
                        else "new-required-request-parameter-property"
                    )
                    yield self._change(ctx, rule, pointer, "absent", "required", f"has a new required {label}")
                return
            rule = (
                f"new-{kind[not now]}-request-property" if ctx.request else f"response-{kind[not now]}-property-added"
            )
            verb = "has a new" if ctx.request else "documents a new"
            yield self._change(ctx, rule, pointer, "absent", kind[not now], f"{verb} {kind[not now]} {label}")
            return
        assert old is not None
        assert new is not None
        yield from self._access(ctx, pointer, label, old, new, was)
        if was != now and not self._hidden(ctx, old, new):
            if ctx.parameter:
                if now:
                    rule = (
                        "request-header-property-became-required"
                        if ctx.parameter == "header"
                        else "request-parameter-property-became-required"
                    )
                    yield self._change(ctx, rule, pointer, "optional", "required", f"requires {label}")
            elif ctx.request:
                rule = f"request-property-became-{kind[not now]}"
                yield self._change(
                    ctx,
                    rule,
                    pointer,
                    kind[not was],
                    kind[not now],
                    f"{'requires' if now else 'no longer requires'} {label}",
                )
            else:
                rule = f"response-property-became-{kind[not now]}"
                yield self._change(ctx, rule, pointer, kind[not was], kind[not now], f"makes {label} {kind[not now]}")
        if not ctx.parameter and old.get("deprecated") is not True and new.get("deprecated") is True:
            side = "request" if ctx.request else "response"
            yield self._change(
                ctx, f"{side}-property-deprecated", pointer, "current", "deprecated", f"deprecates {label}"
            )
        elif not ctx.parameter and old.get("deprecated") is True and new.get("deprecated") is not True:
            side = "request" if ctx.request else "response"
            yield self._change(
                ctx, f"{side}-property-reactivated", pointer, "deprecated", "current", f"no longer deprecates {label}"
            )

    def _access(
        self, ctx: Context, pointer: str, label: str, old: dict[str, Any], new: dict[str, Any], was: bool
    ) -> Iterator[Change]:
        if ctx.parameter:
            return
        side = "request" if ctx.request else "response"
        for flag, name in (("readOnly", "read-only"), ("writeOnly", "write-only")):
            before, after = old.get(flag) is True, new.get(flag) is True
            if before == after:
                continue
            rule = f"{side}-{'required' if was else 'optional'}-property-became-{'' if after else 'not-'}{name}"
            clause = f"makes {label} {'' if after else 'no longer '}{flag}"
            yield self._change(
                ctx, rule, pointer, flag if before else f"not {flag}", flag if after else f"not {flag}", clause
            )


def _restructured(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Fields moved into (or out of) alternatives: the alternatives say what changed, not each field."""
    for keyword in ("oneOf", "anyOf"):
        if bool(old.get(keyword)) != bool(new.get(keyword)) and not (old.get("properties") and new.get("properties")):
            return True
    return False


def _child(pointer: str, token: str) -> str:
    return pointer + "/" + (token if token in (ARRAY_ITEM, MAP_VALUE) else pointers.escape(token))
