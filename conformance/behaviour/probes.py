"""The probes generated from a spec's behaviour declarations, as workflow scenarios of their own.

Each probe is deterministic (no random generation) and names the operation and the promise it tests
(check `behaviour.<kind>`), with the promise's basis: an inferred promise never breaks by default.
A promise is counted as probed once its probe reached a verdict on it (coverage's `behaviour` metric).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from conformance.behaviour.declarations import (
    Constraint,
    DeclarationError,
    Declarations,
    Filter,
    Grounds,
    Listing,
    Pagination,
    Read,
    Write,
    declarations,
)
from conformance.behaviour.making import Maker, is_reference
from conformance.checks.invariants import Breach, echo
from conformance.checks.json_values import MISSING, instant, number, value_at
from conformance.checks.pagination import ListShape
from conformance.checks.request_conformance import Constraint as Broken
from conformance.core import pointers
from conformance.core.kinds import Basis, Kind
from conformance.scenarios import listing as paging
from conformance.scenarios.client import Exchange
from conformance.scenarios.scenario import Scenario, ScenarioAborted, ScenarioRun
from conformance.spec.validation import show

# Objects made for a pagination walk when the default page size gives no reason for more.
WALKED = 5
# The page size of a reference walk over a list the probe's objects share with others (no maximum documented).
LARGE = 50
# The default size is probed only where this many objects are few enough to make.
MOST_MADE = 25


def _said(kind: str, grounds: Grounds) -> Callable[[Breach], Breach]:
    """A kit's breach as the behaviour promise says it: its check and the promise's basis."""

    def relabel(breach: Breach) -> Breach:
        return replace(
            breach,
            check=f"behaviour.{kind}",
            doc_ref=grounds.url or breach.doc_ref,
            basis=grounds.basis,
            inference=grounds.inference,
        )

    return relabel


def _declared(run: ScenarioRun) -> Declarations:
    try:
        return declarations(run.spec)
    except DeclarationError as error:  # the spec lint names it; a run judges nothing it cannot follow
        raise ScenarioAborted(f"the spec's behaviour declarations cannot be followed: {error}") from None


def _isolated(probe: Callable[[], None]) -> None:
    """One promise's probe: a step it needs that fails (already a finding of its own, or a documented null)
    stops this probe only; the promise stays unprobed (the behaviour metric shows it), the others go on."""
    try:
        probe()
    except ScenarioAborted:
        return


def _server_error(run: ScenarioRun, exchange: Exchange, kind: str, grounds: Grounds) -> bool:
    """A 5xx to a probe's request is a finding whatever the request was (a probe judges the rest itself)."""
    if exchange.status < 500:
        return False
    run.report(
        exchange,
        _breach_as(
            kind,
            Kind.SERVER_ERROR,
            grounds,
            "",
            "no 5xx for any request",
            f"HTTP {exchange.status}",
            f"{exchange.operation.operation_id} answered {exchange.status}.",
        ),
    )
    return True


def _probed(run: ScenarioRun, operation: str, kind: str, name: str) -> None:
    run.probed.add(f"{operation} {kind}: {name}")


# -- persistence and encodings ----------------------------------------------------------------------


def persistence(run: ScenarioRun) -> None:
    """Every declared write, in every accepted encoding, read back through each declared read."""
    found = _declared(run)
    maker = Maker(run, found)
    for write in found.writes:
        if not write.reads:
            continue
        for encoding in write.encodings:
            _isolated(partial(_persisted, run, found, maker, write, encoding))


def _persisted(run: ScenarioRun, found: Declarations, maker: Maker, write: Write, encoding: str) -> None:
    target = maker.make(write.of)[1] if write.of else None
    path = {name: str(value_at(target, pointer)) for name, pointer in write.path.items()}
    body = maker.body(write.body, of=target)
    sent = run.attempt(write.operation, path=path or None, json=body, form=encoding == "form")
    how = f"sent {'form-encoded' if encoding == 'form' else 'as JSON'}"
    if not sent.ok:
        # The declared body is valid, its references real: a refusal is the write's finding, as a workflow step's.
        kind = "encoding" if encoding != "json" else "persistence"
        if not _server_error(run, sent, kind, write.grounds):
            run.report(
                sent,
                _breach_as(
                    kind,
                    Kind.POSITIVE_DATA_REJECTED,
                    write.grounds,
                    "",
                    f"a 2xx answer to a valid body {how}",
                    f"HTTP {sent.status}",
                    f"{write.operation} refused a valid body {how}"
                    + (", an encoding its documentation accepts." if encoding != "json" else "."),
                ),
            )
        if encoding != "json":
            _probed(run, write.operation, "encoding", encoding)
        return
    written = value_at(sent.body, write.object)
    shown = maker.body(write.expect, of=target, sent=body) if write.expect is not None else body
    for read in write.reads:
        exchange, stored = _read(run, found, write, read, written)
        if exchange is None:
            continue
        _probed(run, write.operation, "persistence", f"read by {read.operation}")
        what = f"{read.operation} after {write.operation} ({how})"
        first = len(run.reported)
        for breach in echo(shown, stored, doc_ref=write.grounds.url, what=what):
            run.report(
                sent,
                replace(
                    _said("persistence", write.grounds)(breach),
                    message=f"{breach.message} {write.operation} answered as if it stored the value; the next read "
                    "shows what it kept.",
                ),
                base=write.object,
                through=exchange,
            )
        if len(run.reported) > first:
            run.broken(_object_id(written), first)
    if len(write.encodings) > 1:
        _probed(run, write.operation, "encoding", encoding)


def _breach_as(
    kind: str, breach_kind: Kind, grounds: Grounds, pointer: str, expected: str, observed: str, message: str
) -> Breach:
    """A breach of a `kind` promise (check `behaviour.<kind>`), on the promise's grounds."""
    return Breach(
        breach_kind,
        pointer,
        expected,
        observed,
        message,
        grounds.url,
        check=f"behaviour.{kind}",
        basis=grounds.basis,
        inference=grounds.inference,
    )


def _object_id(written: Any) -> str | None:
    found = value_at(written, "/id")
    return found if isinstance(found, str) and found else None


def _read(run: ScenarioRun, found: Declarations, write: Write, read: Read, written: Any) -> tuple[Exchange | None, Any]:
    """The written object as `read` shows it (MISSING when a list does not hold it)."""
    path = {name: value_at(written, pointer) for name, pointer in read.path.items()}
    query: dict[str, Any] = {name: value_at(written, pointer) for name, pointer in read.query.items()}
    if any(value is MISSING or value is None for value in [*path.values(), *query.values()]):
        return None, MISSING  # the write's answer lacks what the read needs: the schema check says so
    listing = found.listing(read.operation)
    if listing is not None and listing.pagination is not None and listing.pagination.maximum is not None:
        query.setdefault(listing.pagination.size, listing.pagination.maximum)
    exchange = run.call(read.operation, path={k: str(v) for k, v in path.items()} or None, query=query or None)
    if listing is None:
        return exchange, value_at(exchange.body, write.object)
    items = value_at(exchange.body, listing.items)
    listed = [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    wanted = _object_id(written)
    for item in listed:
        if item.get("id") == wanted:
            return exchange, item
    # Absent is proof only from a list that holds every match: one page, every item matching the query
    # (an ignored filter or a further page is the filter's or the walk's finding, not this write's).
    paged = listing.pagination
    more = value_at(exchange.body, paged.has_more) if paged is not None else False
    filters = {f.parameter: f.field for f in listing.filters}
    honoured = all(
        str(value) in map(str, _field_values(item, filters[name]))
        for item in listed
        for name, value in query.items()
        if name in filters
    )
    return (exchange, MISSING) if more is not True and honoured else (None, MISSING)


# -- filters ----------------------------------------------------------------------------------------


def filters(run: ScenarioRun) -> None:
    """Each declared filter: two objects that differ in its field; the filtered list holds the one that
    matches and none of the others."""
    run.judges_foreign_items = False  # a whole list holds others' objects: the probe judges its own
    found = _declared(run)
    maker = Maker(run, found)
    for listing in found.listings:
        if listing.make is None:
            continue
        for each in listing.filters:
            _isolated(partial(_filtered, run, maker, listing, each))


def _field_values(item: Any, field: str) -> list[Any]:
    if "*" not in field:
        value = value_at(item, field)
        return [] if value is MISSING or value is None else [value]
    head, _, tail = field.partition("/*")
    listed = value_at(item, head)
    return [v for entry in listed for v in _field_values(entry, tail)] if isinstance(listed, list) else []


def _filtered(run: ScenarioRun, maker: Maker, listing: Listing, each: Filter) -> None:
    assert listing.make is not None
    one, other = maker.make(listing.make)[1], maker.make(listing.make)[1]
    wanted, unwanted = _field_values(one, each.field), _field_values(other, each.field)
    if not wanted or set(map(str, wanted)) == set(map(str, unwanted)):
        return  # the probe bodies made no difference to filter on: not probed
    value = wanted[0]
    query: dict[str, Any] = {each.parameter: value}
    if listing.pagination is not None and listing.pagination.maximum is not None:
        query[listing.pagination.size] = listing.pagination.maximum
    exchange = run.call(listing.operation, query=query)
    items = value_at(exchange.body, listing.items)
    if not isinstance(items, list):
        return  # the schema check reports a missing list
    _probed(run, listing.operation, "filter", each.parameter)
    listed = [item for item in items if isinstance(item, dict)]
    ids = [item.get("id") for item in listed]
    strays = [item.get("id") for item in listed if value not in _field_values(item, each.field)]
    if strays:
        position = ids.index(strays[0])
        run.report(
            exchange,
            _breach_as(
                "filter",
                Kind.INVARIANT_VIOLATION,
                each.grounds,
                listing.items + pointers.join(position) + each.field.split("/*")[0],
                f"only objects whose {each.field} is {show(value)}",
                f"{len(strays)} of {len(listed)} listed do not match ({', '.join(map(str, strays[:3]))})",
                f"{listing.operation} filtered by {each.parameter}={value} lists objects whose {each.field} "
                "is another value: the filter is ignored.",
            ),
        )
    elif _object_id(one) is not None and _object_id(one) not in ids:
        run.report(
            exchange,
            _breach_as(
                "filter",
                Kind.INVARIANT_VIOLATION,
                each.grounds,
                listing.items,
                f"the object {_object_id(one)} whose {each.field} is {show(value)}",
                "not listed",
                f"{listing.operation} filtered by {each.parameter}={value} does not list the object that matches.",
            ),
        )


# -- pagination -------------------------------------------------------------------------------------


def pagination(run: ScenarioRun) -> None:
    """Each declared pagination: a walk at a small size lists the objects made exactly once, in the documented
    order; the first page sits at the documented base; the default size holds; above the maximum is refused
    or clamped as documented."""
    run.judges_foreign_items = False  # a whole list holds others' objects: the probe judges its own
    found = _declared(run)
    maker = Maker(run, found)
    for listing in found.listings:
        if listing.make is not None and listing.pagination is not None:
            _isolated(partial(_paged, run, found, maker, listing, listing.pagination))


def _paged(run: ScenarioRun, found: Declarations, maker: Maker, listing: Listing, paged: Pagination) -> None:
    assert listing.make is not None
    default = paged.default if paged.default is not None and paged.default < MOST_MADE else None
    count = max(WALKED, (default or 0) + 1)
    shared: dict[str, Any] = {}
    made = [maker.make(listing.make, shared=shared)[1] for _ in range(count)]
    ids = [i for i in map(_object_id, made) if i is not None]
    query: dict[str, Any] = {}
    scope = next((f for f in listing.filters if f.parameter == paged.scope), None)
    if scope is not None:
        values = _field_values(made[0], scope.field)
        if not values:
            return
        query[scope.parameter] = values[0]
    relabel = _said("pagination", paged.grounds)
    walker = paging.Listing(
        operation=listing.operation,
        shape=ListShape(items=listing.items, has_more=paged.has_more, doc_ref=paged.grounds.url),
        limit=paged.size,
        after=paged.after if paged.style == "cursor" else None,
        page=paged.page if paged.style == "page" else None,
        base=paged.base,
    )
    expected = list(ids)
    if scope is None:
        # Other objects share the list: a walk at a large size says which, and the small walk must list them too.
        large = paging.walk(run, walker, limit=paged.maximum or LARGE, query=query, relabel=relabel)
        expected += [i for i in large.ids if i not in set(ids)] if large.complete else []
    walked = paging.walk(run, walker, limit=2, query=query, expected=expected, relabel=relabel)
    _probed(run, listing.operation, "pagination", "walk")
    _order(run, walked, listing, paged, ids)
    newest = list(reversed(ids)) if paged.order == "newest_first" else ids
    if paged.style == "page" and paged.page is not None:
        first = run.call(listing.operation, query={**query, paged.size: 2, paged.page: paged.base})
        _probed(run, listing.operation, "pagination", f"base {paged.base}")
        shown = [i.get("id") for i in _items(first, listing)]
        if scope is not None and paged.order != "unspecified" and shown != newest[:2]:
            run.report(
                first,
                _breach_as(
                    "pagination",
                    Kind.INVARIANT_VIOLATION,
                    paged.grounds,
                    listing.items,
                    f"page {paged.base} (the documented first page) holds {', '.join(newest[:2])}",
                    ", ".join(map(str, shown)) or "no objects",
                    f"{listing.operation} page {paged.base} is not the first page: its pages are numbered from "
                    "another base than documented.",
                ),
            )
    if default is not None:  # more than a page of ours exist: the first page holds exactly the default
        plain = run.call(listing.operation, query=query)
        _probed(run, listing.operation, "pagination", f"default size {paged.default}")
        listed = _items(plain, listing)
        if len(listed) != default:
            run.report(
                plain,
                _breach_as(
                    "pagination",
                    Kind.INVARIANT_VIOLATION,
                    paged.grounds,
                    listing.items,
                    f"{default} objects, the documented default page size ({len(ids)} match)",
                    f"{len(listed)} objects",
                    f"{listing.operation} without {paged.size} lists {len(listed)} objects, not the documented "
                    f"default of {default}.",
                ),
            )
    if paged.maximum is not None:
        _above_maximum(run, listing, paged, query)


def _items(exchange: Exchange, listing: Listing) -> list[dict[str, Any]]:
    items = value_at(exchange.body, listing.items)
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _above_maximum(run: ScenarioRun, listing: Listing, paged: Pagination, query: Mapping[str, Any]) -> None:
    assert paged.maximum is not None
    above = paged.maximum + 1
    exchange = run.attempt(listing.operation, query={**query, paged.size: above})
    _probed(run, listing.operation, "pagination", f"maximum size {paged.maximum}")
    if _server_error(run, exchange, "pagination", paged.grounds):
        return
    if paged.above_maximum == "refused" and exchange.ok:
        run.report(
            exchange,
            _breach_as(
                "pagination",
                Kind.NEGATIVE_DATA_ACCEPTED,
                paged.grounds,
                "/query" + pointers.join(paged.size),  # a request constraint, named as the engine names it
                f"a 4xx refusal: {paged.size} above the documented maximum {paged.maximum}",
                f"HTTP {exchange.status}",
                f"{listing.operation} accepted {paged.size}={above}, above the documented maximum of {paged.maximum}.",
            ),
        )
    elif paged.above_maximum == "clamped" and exchange.ok and len(_items(exchange, listing)) > paged.maximum:
        run.report(
            exchange,
            _breach_as(
                "pagination",
                Kind.INVARIANT_VIOLATION,
                paged.grounds,
                listing.items,
                f"at most {paged.maximum} objects (the documented maximum)",
                f"{len(_items(exchange, listing))} objects",
                f"{listing.operation} with {paged.size}={above} lists more than the documented maximum.",
            ),
        )


def _order(run: ScenarioRun, walked: paging.Walk, listing: Listing, paged: Pagination, ids: list[str]) -> None:
    """The objects made are listed in the documented order (by their creation time; ties either way)."""
    if paged.order == "unspecified":
        return
    mine = [i for i in walked.ids if i in set(ids)]
    previous: tuple[str, float] | None = None
    for object_id in mine:
        raw = value_at(walked.objects[object_id], paged.created)
        moment = number(raw) if number(raw) is not None else instant(raw)
        if moment is None:
            continue
        wrong = previous is not None and (
            moment > previous[1] if paged.order == "newest_first" else moment < previous[1]
        )
        if previous is not None and wrong:
            page, position = walked.where[object_id]
            run.report(
                walked.pages[page],
                _breach_as(
                    "pagination",
                    Kind.INVARIANT_VIOLATION,
                    paged.grounds,
                    listing.items + pointers.join(position) + paged.created,
                    f"{paged.order.replace('_', ' ')} by {paged.created}",
                    show(raw),
                    f"{object_id} is listed after {previous[0]} against the documented order "
                    f"({paged.order.replace('_', ' ')}).",
                ),
            )
            return
        previous = (object_id, moment)


# -- constraints ------------------------------------------------------------------------------------


def constraints(run: ScenarioRun) -> None:
    """One request per documented bound, pattern and required field of each create's body, just past it."""
    found = _declared(run)
    maker = Maker(run, found)
    for constraint in found.constraints:
        _isolated(partial(_bounded, run, found, maker, constraint))


def _bounded(run: ScenarioRun, found: Declarations, maker: Maker, constraint: Constraint) -> None:
    write = found.write(constraint.operation)
    assert write is not None
    if constraint.rule != "required" and is_reference(write.body.get(constraint.field)):
        return
    body = maker.body(write.body)
    broken = _past(constraint, body)
    if broken is None:
        return
    # A request body constraint is named as the engine names it (request_conformance): /body/<field>.
    pointer = "/body" + pointers.join(constraint.field)
    shown = "absent" if constraint.rule == "required" else show(broken[constraint.field])
    grounds = constraint.grounds
    # Its echoes (the invalid value stored and answered back) are this finding, not response defects.
    sent = Broken(pointer, constraint.rule, constraint.name, shown, grounds.basis, grounds.inference)
    exchange = run.attempt(write.operation, json=broken, invalid=[sent])
    _probed(run, write.operation, "constraint", constraint.name)
    if _server_error(run, exchange, "constraint", grounds):
        return
    if exchange.ok:
        basis = "documented" if grounds.basis is Basis.DOCUMENTED else "inferred"
        run.report(
            exchange,
            _breach_as(
                "constraint",
                Kind.NEGATIVE_DATA_ACCEPTED,
                grounds,
                pointer,
                f"a 4xx refusal: {constraint.field} must be "
                + ("present" if constraint.rule == "required" else f"{_RULES[constraint.rule]} {constraint.bound}"),
                f"HTTP {exchange.status} with {constraint.field} {shown}",
                f"{write.operation} accepted a body that breaks {pointer} `{constraint.rule}` ({constraint.field} "
                f"{shown}), against its {basis} {constraint.name}.",
            ),
        )


_RULES = {
    "maximum": "at most",
    "minimum": "at least",
    "maxLength": "at most this long:",
    "minLength": "at least this long:",
    "pattern": "matching",
}


def _past(constraint: Constraint, body: dict[str, Any]) -> dict[str, Any] | None:
    """`body` just past the constraint (max+1, min-1, one character too many or too few, a pattern miss,
    the field left out), or None when no such value exists."""
    name, bound = constraint.field, constraint.bound
    if constraint.rule == "required":
        return {k: v for k, v in body.items() if k != name}
    value: Any
    if constraint.rule == "maximum":
        value = bound + 1
    elif constraint.rule == "minimum":
        value = bound - 1
    elif constraint.rule == "maxLength":
        value = "x" * (bound + 1)
    elif constraint.rule == "minLength":
        if bound < 1:
            return None
        value = "x" * (bound - 1)
    else:
        original = str(body.get(name, ""))
        candidates = ["", "!", original + "!", " " + original, original.lower(), original.upper()]
        value = next((c for c in candidates if re.search(str(bound), c) is None), None)
        if value is None:
            return None
    return {**body, name: value}


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "behaviour_persistence",
        "every declared write, in every accepted encoding, read back through each declared read (x-behaviour)",
        persistence,
    ),
    Scenario(
        "behaviour_filters",
        "each declared list filter: two objects differing in its field; only the matching one is listed",
        filters,
    ),
    Scenario(
        "behaviour_pagination",
        "each declared pagination: a small-size walk lists the objects made once, in order; base, default and "
        "maximum size",
        pagination,
    ),
    Scenario(
        "behaviour_constraints",
        "each documented bound, pattern and required field of a create's body, probed just past it",
        constraints,
    ),
)
