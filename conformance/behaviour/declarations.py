"""A spec's `x-behaviour` declarations, read into records, and the promises they make.

On a write (docs/behaviour.md): the probe body that makes a valid object, the object it changes (`of`),
the reads that show what it stored and the encodings it accepts (its request body's media types unless
declared). On a list: where its items are, the create that makes what it lists, each filter parameter
with the field it selects on, and how it pages. What the spec already says is derived, not declared:
a page-size parameter's `default`, `maximum` and `minimum`, a page parameter's `minimum` as its base,
and a create's `required` list and bounds as constraints.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.behaviour.promises import Promise
from conformance.core.kinds import Basis
from conformance.spec.specs import Operation, Spec

EXTENSION = "x-behaviour"
ENCODINGS = {"application/json": "json", "application/x-www-form-urlencoded": "form"}
STYLES = ("cursor", "page")
ORDERS = ("newest_first", "oldest_first", "unspecified")
ABOVE_MAXIMUM = ("refused", "clamped")


class DeclarationError(ValueError):
    """An `x-behaviour` the probes cannot follow (the spec lint reports it)."""


@dataclass(frozen=True)
class Grounds:
    """What a declaration rests on: a page (documented, with its URL) or the spec's reading (inferred)."""

    basis: Basis
    url: str
    inference: str = ""


@dataclass(frozen=True)
class Read:
    operation: str
    path: Mapping[str, str] = field(default_factory=dict)  # parameter -> pointer into the written object
    query: Mapping[str, str] = field(default_factory=dict)  # a list read's query, the same way


@dataclass(frozen=True)
class Write:
    operation: str
    body: Mapping[str, Any]  # a valid body; "{op#/ptr}" makes an object first, "{unique}" a fresh token
    of: str | None  # an update: the create that makes the object it changes
    path: Mapping[str, str]  # its path parameters, pointers into that object
    reads: tuple[Read, ...]
    encodings: tuple[str, ...]
    object: str  # where the written object sits in the 2xx body
    grounds: Grounds
    # What the reads show of it, where that differs from the body ("{body#/ptr}": a value sent); None: the body.
    expect: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Filter:
    parameter: str
    field: str  # pointer into a listed item ("*" for every item of a list)
    grounds: Grounds


@dataclass(frozen=True)
class Pagination:
    style: str  # cursor | page
    size: str  # the page-size parameter
    after: str | None  # cursor: the parameter naming the last id seen
    page: str | None  # page: the page-number parameter
    base: int  # page: the number of the first page
    default: int | None  # the documented default size (the size parameter's `default`)
    maximum: int | None  # the documented maximum size (its `maximum`)
    minimum: int | None
    order: str
    created: str  # item pointer the order is by
    above_maximum: str  # refused | clamped
    scope: str | None  # a filter restricting a walk to the objects the probe made
    has_more: str
    grounds: Grounds


@dataclass(frozen=True)
class Listing:
    operation: str
    items: str
    make: str | None
    filters: tuple[Filter, ...]
    pagination: Pagination | None
    grounds: Grounds


@dataclass(frozen=True)
class Constraint:
    operation: str  # the create whose body it bounds
    field: str  # top-level body property
    rule: str  # required | maximum | minimum | maxLength | minLength | pattern
    bound: Any
    grounds: Grounds

    @property
    def name(self) -> str:
        return f"{self.field} {self.rule}" + ("" if self.rule == "required" else f" {self.bound}")


@dataclass(frozen=True)
class Declarations:
    writes: tuple[Write, ...] = ()
    listings: tuple[Listing, ...] = ()
    constraints: tuple[Constraint, ...] = ()

    def write(self, operation: str) -> Write | None:
        return next((w for w in self.writes if w.operation == operation), None)

    def listing(self, operation: str) -> Listing | None:
        return next((listing for listing in self.listings if listing.operation == operation), None)

    def promises(self) -> tuple[Promise, ...]:
        return tuple(_promises(self))


_CACHE: dict[int, tuple[Spec, Declarations]] = {}


def declarations(spec: Spec) -> Declarations:
    """Every declaration of `spec`; DeclarationError names the first one the probes cannot follow."""
    cached = _CACHE.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    writes: list[Write] = []
    listings: list[Listing] = []
    for operation in spec.operations.values():
        raw = spec.resolve(operation.pointer).get(EXTENSION)
        if raw is None:
            continue
        if not isinstance(raw, Mapping):
            raise DeclarationError(f"{operation.operation_id}: {EXTENSION} is not a mapping")
        grounds = _grounds(spec, operation, raw)
        if operation.method == "GET":
            listings.append(_listing(spec, operation, raw, grounds))
        else:
            writes.append(_write(spec, operation, raw, grounds))
    found = Declarations(tuple(writes), tuple(listings), tuple(c for w in writes for c in _constraints(spec, w)))
    _check_references(spec, found)
    _CACHE[id(spec)] = (spec, found)
    return found


def _grounds(spec: Spec, operation: Operation, raw: Mapping[str, Any]) -> Grounds:
    provenance = raw.get("provenance")
    if isinstance(provenance, Mapping):
        status = str(provenance.get("status", ""))
        url = str(provenance.get("url") or operation.doc_ref)
        if status == "documented":
            if not provenance.get("url"):
                raise DeclarationError(f"{operation.operation_id}: a documented {EXTENSION} needs its page url")
            return Grounds(Basis.DOCUMENTED, url)
        if status == "inferred" and provenance.get("reason"):
            return Grounds(Basis.INFERRED, url, str(provenance["reason"]))
        raise DeclarationError(
            f"{operation.operation_id}: {EXTENSION} provenance is documented (with url) or inferred (with reason)"
        )
    # Undeclared: what the operation itself rests on (a page that captured it names what it does).
    if operation.provenance.status in ("documented", "partial"):
        return Grounds(Basis.DOCUMENTED, operation.doc_ref)
    return Grounds(Basis.INFERRED, operation.doc_ref, operation.provenance.reason or "the operation is inferred")


def _pointer(value: Any, where: str) -> str:
    if not isinstance(value, str) or (value and not value.startswith("/")):
        raise DeclarationError(f"{where}: {value!r} is not a JSON pointer")
    return value


def _strings(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DeclarationError(f"{where}: not a mapping")
    return {str(k): _pointer(v, f"{where}.{k}") for k, v in value.items()}


def _write(spec: Spec, operation: Operation, raw: Mapping[str, Any], grounds: Grounds) -> Write:
    where = f"{operation.operation_id}.{EXTENSION}"
    body = raw.get("body", {})
    if not isinstance(body, Mapping):
        raise DeclarationError(f"{where}.body: not a mapping")
    reads = []
    for index, entry in enumerate(raw.get("reads") or ()):
        if isinstance(entry, str):
            entry = {"operation": entry}
        if not isinstance(entry, Mapping) or not isinstance(entry.get("operation"), str):
            raise DeclarationError(f"{where}.reads[{index}]: an operationId or {{operation, path, query}}")
        read = Read(
            str(entry["operation"]),
            _strings(entry.get("path", {"id": "/id"} if "query" not in entry else {}), f"{where}.reads[{index}]"),
            _strings(entry.get("query"), f"{where}.reads[{index}].query"),
        )
        reads.append(read)
    declared = raw.get("encodings")
    media = (spec.resolve(operation.pointer).get("requestBody") or {}).get("content") or {}
    encodings = tuple(declared) if isinstance(declared, list) else tuple(ENCODINGS[m] for m in media if m in ENCODINGS)
    if any(e not in ENCODINGS.values() for e in encodings):
        raise DeclarationError(f"{where}.encodings: json or form")
    return Write(
        operation=operation.operation_id,
        body=dict(body),
        of=str(raw["of"]) if raw.get("of") else None,
        path=_strings(raw.get("path", {"id": "/id"} if raw.get("of") else {}), f"{where}.path"),
        reads=tuple(reads),
        encodings=encodings or ("json",),
        object=_pointer(raw.get("object", ""), f"{where}.object"),
        grounds=grounds,
        expect=dict(raw["expect"]) if isinstance(raw.get("expect"), Mapping) else None,
    )


def _parameter(spec: Spec, operation: Operation, name: str) -> dict[str, Any] | None:
    for parameter in spec.resolve(operation.pointer).get("parameters") or ():
        if isinstance(parameter, Mapping) and "$ref" in parameter:
            parameter = spec.resolve(str(parameter["$ref"]).removeprefix("#"))
        if isinstance(parameter, Mapping) and parameter.get("name") == name and parameter.get("in") == "query":
            return dict(parameter)
    return None


def _schema(spec: Spec, node: Any) -> dict[str, Any]:
    while isinstance(node, Mapping) and "$ref" in node:
        node = spec.resolve(str(node["$ref"]).removeprefix("#"))
    return dict(node) if isinstance(node, Mapping) else {}


def _inferred(spec: Spec, parameter: Mapping[str, Any]) -> str:
    schema = _schema(spec, parameter.get("schema"))
    return str(parameter.get("x-inferred") or schema.get("x-inferred") or "")


def _listing(spec: Spec, operation: Operation, raw: Mapping[str, Any], grounds: Grounds) -> Listing:
    where = f"{operation.operation_id}.{EXTENSION}"
    filters = []
    for name, entry in (raw.get("filters") or {}).items():
        parameter = _parameter(spec, operation, str(name))
        if parameter is None:
            raise DeclarationError(f"{where}.filters.{name}: no such query parameter")
        if not isinstance(entry, Mapping):
            raise DeclarationError(f"{where}.filters.{name}: a mapping with the field it selects on")
        inferred = _inferred(spec, parameter)
        filter_grounds = Grounds(Basis.INFERRED, grounds.url, inferred) if inferred else grounds
        filters.append(Filter(str(name), _pointer(entry.get("field"), f"{where}.filters.{name}.field"), filter_grounds))
    pagination = None
    paging = raw.get("pagination")
    if paging is not None:
        pagination = _pagination(spec, operation, paging, grounds, where)
    make = raw.get("make")
    return Listing(
        operation=operation.operation_id,
        items=_pointer(raw.get("items", "/data"), f"{where}.items"),
        make=str(make) if make else None,
        filters=tuple(filters),
        pagination=pagination,
        grounds=grounds,
    )


def _pagination(spec: Spec, operation: Operation, raw: Any, grounds: Grounds, where: str) -> Pagination:
    if not isinstance(raw, Mapping) or raw.get("style") not in STYLES:
        raise DeclarationError(f"{where}.pagination: a mapping with style cursor or page")
    size = _parameter(spec, operation, str(raw.get("size")))
    if size is None:
        raise DeclarationError(f"{where}.pagination.size: no such query parameter")
    schema = _schema(spec, size.get("schema"))
    page = raw.get("page")
    base = raw.get("base")
    if raw["style"] == "page":
        page_parameter = _parameter(spec, operation, str(page))
        if page_parameter is None:
            raise DeclarationError(f"{where}.pagination.page: no such query parameter")
        base = base if base is not None else _schema(spec, page_parameter.get("schema")).get("minimum", 0)
    inferred = _inferred(spec, size)
    order = raw.get("order", "unspecified")
    above = raw.get("above_maximum", "refused")
    if order not in ORDERS or above not in ABOVE_MAXIMUM:
        raise DeclarationError(f"{where}.pagination: order {ORDERS}, above_maximum {ABOVE_MAXIMUM}")
    return Pagination(
        style=str(raw["style"]),
        size=str(raw["size"]),
        after=str(raw["after"]) if raw.get("after") else None,
        page=str(page) if page else None,
        base=int(base or 0),
        # Derived from the size parameter's schema; declared where a page states it in prose only.
        default=_integer(raw.get("default", schema.get("default"))),
        maximum=_integer(raw.get("maximum", schema.get("maximum"))),
        minimum=_integer(schema.get("minimum")),
        order=str(order),
        created=_pointer(raw.get("created", "/created"), f"{where}.pagination.created"),
        above_maximum=str(above),
        scope=str(raw["scope"]) if raw.get("scope") else None,
        has_more=_pointer(raw.get("has_more", "/has_more"), f"{where}.pagination.has_more"),
        grounds=Grounds(Basis.INFERRED, grounds.url, inferred) if inferred else grounds,
    )


def _integer(value: Any) -> int | None:
    if isinstance(value, str) and value.isdigit():
        return int(value)  # a page size typed as a decimal string (Lynkwell)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_BOUNDS = ("maximum", "minimum", "maxLength", "minLength", "pattern")


def _constraints(spec: Spec, write: Write) -> Iterator[Constraint]:
    """The create's documented bounds on the fields its probe body sends, and its required fields."""
    if write.of is not None:
        return
    media = (spec.resolve(spec.operations[write.operation].pointer).get("requestBody") or {}).get("content") or {}
    schema = _schema(spec, (media.get("application/json") or {}).get("schema"))
    if not schema:
        return
    whole = str(schema.get("x-inferred") or "")
    for name in schema.get("required") or ():
        grounds = Grounds(Basis.INFERRED, write.grounds.url, whole) if whole else write.grounds
        if name in write.body:
            yield Constraint(write.operation, str(name), "required", True, grounds)
    for name, node in (schema.get("properties") or {}).items():
        prop = _schema(spec, node)
        if name not in write.body or not isinstance(write.body[name], (str, int)):
            continue
        for rule in _BOUNDS:
            if rule in prop:
                inferred = str(prop.get("x-inferred") or "")
                grounds = Grounds(Basis.INFERRED, write.grounds.url, inferred) if inferred else write.grounds
                yield Constraint(write.operation, str(name), rule, prop[rule], grounds)


def _check_references(spec: Spec, found: Declarations) -> None:
    known = spec.operations
    for write in found.writes:
        for name in [write.of, *(r.operation for r in write.reads)]:
            if name is not None and name not in known:
                raise DeclarationError(f"{write.operation}.{EXTENSION}: unknown operation {name}")
    for listing in found.listings:
        if listing.make is not None and found.write(listing.make) is None:
            raise DeclarationError(f"{listing.operation}.{EXTENSION}.make: {listing.make} declares no probe body")
    for write in found.writes:
        if write.of is not None and found.write(write.of) is None:
            raise DeclarationError(f"{write.operation}.{EXTENSION}.of: {write.of} declares no probe body")


def _promises(found: Declarations) -> Iterator[Promise]:
    def promise(operation: str, kind: str, name: str, grounds: Grounds) -> Promise:
        return Promise(operation, kind, name, grounds.basis, grounds.url, grounds.inference)

    for write in found.writes:
        for read in write.reads:
            yield promise(write.operation, "persistence", f"read by {read.operation}", write.grounds)
        if len(write.encodings) > 1 and write.reads:
            for encoding in write.encodings:
                yield promise(write.operation, "encoding", encoding, write.grounds)
    for listing in found.listings:
        for each in listing.filters:
            yield promise(listing.operation, "filter", each.parameter, each.grounds)
        paging = listing.pagination
        if paging is not None:
            yield promise(listing.operation, "pagination", "walk", paging.grounds)
            if paging.style == "page":
                yield promise(listing.operation, "pagination", f"base {paging.base}", paging.grounds)
            if paging.default is not None:
                yield promise(listing.operation, "pagination", f"default size {paging.default}", paging.grounds)
            if paging.maximum is not None:
                yield promise(listing.operation, "pagination", f"maximum size {paging.maximum}", paging.grounds)
    for constraint in found.constraints:
        yield promise(constraint.operation, "constraint", constraint.name, constraint.grounds)
