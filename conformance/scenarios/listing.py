"""Walking a list operation page by page, by cursor or by page number, checking the pages as a whole."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.checks.invariants import Breach
from conformance.checks.json_values import instant, number, value_at
from conformance.checks.pagination import ListShape, PageSeen, walk_breaches
from conformance.core import pointers
from conformance.core.kinds import Kind
from conformance.scenarios.client import Exchange
from conformance.scenarios.scenario import ScenarioRun
from conformance.spec.validation import show

# Enough for any list a scenario makes; a live account with more stops here (then nothing is
# claimed about objects never listed).
MAX_PAGES = 50


@dataclass(frozen=True)
class Listing:
    """How a provider pages one list operation."""

    operation: str
    shape: ListShape
    limit: str  # page-size parameter
    after: str | None = None  # cursor: the page starts after this id
    before: str | None = None  # cursor: the page ends before this id (walking backwards)
    page: str | None = None  # page number, for lists without cursors
    base: int = 0  # the number of the first page


@dataclass(frozen=True)
class Walk:
    ids: tuple[str, ...]  # every object listed, once, in the order walked
    objects: Mapping[str, Any]  # id -> the object as first listed
    where: Mapping[str, tuple[int, int]]  # id -> (page, position) where first listed
    pages: tuple[Exchange, ...]
    complete: bool  # ended on the last page (not on MAX_PAGES)

    def page_of(self, object_id: str) -> Exchange:
        return self.pages[self.where[object_id][0]]


def walk(
    run: ScenarioRun,
    listing: Listing,
    *,
    limit: int | str,
    query: Mapping[str, Any] | None = None,
    expected: Collection[str] = (),
    backwards_from: str | None = None,
    relabel: Callable[[Breach], Breach] | None = None,
) -> Walk:
    """Every page of `listing`; repeats, has-more lies and `expected` objects never listed are findings
    (`relabel`: as the caller's check says them)."""
    params: dict[str, Any] = {**(query or {}), listing.limit: limit}
    backwards = backwards_from is not None and listing.before is not None
    if backwards:
        params[str(listing.before)] = backwards_from
    pages: list[Exchange] = []
    seen: list[PageSeen] = []
    objects: dict[str, Any] = {}
    where: dict[str, tuple[int, int]] = {}
    complete = False
    for number_ in range(MAX_PAGES):
        if listing.page:
            params[listing.page] = number_ + listing.base
        exchange = run.call(listing.operation, query=dict(params))
        items = value_at(exchange.body, listing.shape.items)
        listed = [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
        ids = tuple(item["id"] for item in listed if isinstance(item.get("id"), str))
        for position, item in enumerate(listed):
            if isinstance(item.get("id"), str) and item["id"] not in objects:
                objects[item["id"]] = item
                where[item["id"]] = (len(pages), position)
        flag = value_at(exchange.body, listing.shape.has_more)
        has_more = flag if isinstance(flag, bool) else None
        pages.append(exchange)
        seen.append(PageSeen(ids, has_more))
        if not ids or has_more is not True:
            # A missing flag leaves the end unknown (the schema check reports the flag).
            complete = has_more is not None or not ids
            break
        if backwards:
            params[str(listing.before)] = ids[0]
        elif listing.after:
            params[listing.after] = ids[-1]
    for found in walk_breaches(seen, listing.shape, complete=complete, expected=expected):
        # A page's breach shows only with the pages after it: the evidence is the whole walk.
        run.report(pages[found.page], relabel(found.breach) if relabel else found.breach, through=pages[-1])
    return Walk(ids=tuple(objects), objects=objects, where=where, pages=tuple(pages), complete=complete)


def expect_newest_first(run: ScenarioRun, listed: Walk, listing: Listing, created: str, doc_ref: str) -> None:
    """The walk lists objects by creation time, newest first (ties in either order)."""
    previous: tuple[str, float] | None = None
    for object_id in listed.ids:
        raw = value_at(listed.objects[object_id], pointers.join(created))
        moment = number(raw) if number(raw) is not None else instant(raw)
        if moment is None:
            continue
        if previous is not None and moment > previous[1]:
            page, position = listed.where[object_id]
            run.report(
                listed.pages[page],
                Breach(
                    Kind.INVARIANT_VIOLATION,
                    listing.shape.items + pointers.join(position, created),
                    f"not after the previous object's {created} ({previous[1]:g}), newest first",
                    show(raw),
                    f"{object_id} is listed after {previous[0]}, which was created before it.",
                    doc_ref,
                    check="pagination.order",
                ),
            )
            return
        previous = (object_id, moment)
