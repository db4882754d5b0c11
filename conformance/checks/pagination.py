"""List invariants: walking every page lists each object exactly once, and has-more tells the truth.

Provider-neutral: the workflow layer walks a list (by cursor or page number) and hands over what
each page held; pointers in the breaches are relative to a page's response body.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from conformance.checks.invariants import Breach
from conformance.core import pointers
from conformance.core.kinds import Kind


@dataclass(frozen=True)
class PageSeen:
    ids: tuple[str, ...]
    has_more: bool | None  # None: the flag was absent or not a boolean (the schema check says so)


@dataclass(frozen=True)
class PageBreach:
    page: int  # index of the page in the walk whose response shows the breach
    breach: Breach


@dataclass(frozen=True)
class ListShape:
    """Where a list response keeps its objects and its has-more flag."""

    items: str
    has_more: str
    doc_ref: str


def walk_breaches(
    pages: Sequence[PageSeen],
    shape: ListShape,
    *,
    complete: bool,
    expected: Collection[str] = (),
) -> list[PageBreach]:
    """Repeats, lies of has-more, and (for a complete walk) expected objects never listed.

    `complete`: the walk ended on a page saying no more objects follow (or on an empty page), not on
    the walker's page cap.
    """
    found: list[PageBreach] = []
    seen: dict[str, int] = {}
    for index, page in enumerate(pages):
        for position, object_id in enumerate(page.ids):
            if object_id in seen:
                found.append(PageBreach(index, _repeat(shape, position, object_id, seen[object_id], index)))
            else:
                seen[object_id] = index
        following = pages[index + 1] if index + 1 < len(pages) else None
        if page.has_more is True and (not page.ids or (following is not None and not following.ids)):
            found.append(PageBreach(index, _lie(shape, index, empty=not page.ids)))
    if complete and pages:
        missing = [object_id for object_id in expected if object_id not in seen]
        if missing:
            found.append(PageBreach(len(pages) - 1, _skip(shape, missing, len(pages))))
    return found


def _repeat(shape: ListShape, position: int, object_id: str, first: int, index: int) -> Breach:
    return Breach(
        Kind.INVARIANT_VIOLATION,
        shape.items + pointers.join(position, "id"),
        "each object on exactly one page",
        f"{object_id} again on page {index + 1} (first on page {first + 1})",
        f"Page {index + 1} lists {object_id} again, which page {first + 1} already listed.",
        shape.doc_ref,
        check="pagination.repeat",
    )


def _lie(shape: ListShape, index: int, *, empty: bool) -> Breach:
    why = "the page is empty" if empty else "the next page is empty"
    return Breach(
        Kind.INVARIANT_VIOLATION,
        shape.has_more,
        "has-more false on the last page",
        f"true on page {index + 1}, but {why}",
        f"Page {index + 1} says more objects follow, but {why}.",
        shape.doc_ref,
        check="pagination.has_more_last_page",
    )


def _skip(shape: ListShape, missing: list[str], pages: int) -> Breach:
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    return Breach(
        Kind.INVARIANT_VIOLATION,
        shape.items,
        "every object listed on some page",
        f"never listed: {shown}",
        f"Walking all {pages} pages never listed {shown}, although {'they exist' if len(missing) > 1 else 'it exists'}.",
        shape.doc_ref,
        check="pagination.skip",
    )
