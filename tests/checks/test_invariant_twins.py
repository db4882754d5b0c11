"""Every invariant and pagination check has its twin: silent on valid variants, loud on the matching fault.

Valid variants (hypothesis): other ids, other amounts and quantities that still add up, optional
fields absent, nulls where nullable, keys in another order, pages of any size. Faults: one number
off, one object repeated or skipped, has-more true on the last page. Each fault must give exactly one
breach, from the check that owns it.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.checks.invariants import invoice_breaches
from conformance.checks.pagination import ListShape, PageSeen, walk_breaches
from conformance.providers.wooshpay.workflows import FACTS as WOOSHPAY

BUDGET = settings(
    max_examples=25, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
SHAPE = ListShape("/data", "/has_more", "https://docs.example/list")

_lines = st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 50), st.booleans()), min_size=1, max_size=5)


@st.composite
def paid_invoices(draw: st.DrawFn) -> dict[str, Any]:
    """A consistent paid WooshPay-shaped invoice: amounts add up, times in order, keys in any order."""
    created = draw(st.integers(1_600_000_000, 1_900_000_000))
    finalized = created + draw(st.integers(0, 10**6))
    paid_at = finalized + draw(st.integers(0, 10**6))
    lines = []
    for unit, quantity, with_price in draw(_lines):
        line: dict[str, Any] = {"amount": unit * quantity, "unit_amount": unit, "quantity": quantity}
        line["currency"] = draw(st.sampled_from(["usd", "USD", "eur"]))
        if with_price:
            line["price"] = {"id": "price_" + draw(st.text("abcdef0123", min_size=1, max_size=8)), "currency": "USD"}
        else:
            line["price"] = None
        lines.append(line)
    total = sum(line["amount"] for line in lines)
    body = {
        "id": "in_" + draw(st.text("ABCDEF0123", min_size=1, max_size=10)),
        "status": "paid",
        "currency": "usd",
        "created": created,
        "period_start": created - draw(st.integers(0, 10**6)),
        "period_end": created,
        "total": total,
        "amount_due": total,
        "amount_paid": total,
        "amount_remaining": 0,
        "lines": {"has_more": False, "data": lines},
        "status_transitions": {
            "finalized_at": finalized,
            "paid_at": paid_at,
            "voided_at": None,
            "marked_uncollectible_at": None,
        },
    }
    if draw(st.booleans()):
        del body["period_start"]  # an optional field absent
    keys = list(body)
    random.Random(draw(st.integers(0, 1000))).shuffle(keys)
    return {key: body[key] for key in keys}


@BUDGET
@given(paid_invoices())
def test_valid_invoices_break_no_invariant(invoice: dict[str, Any]) -> None:
    assert invoice_breaches(invoice, WOOSHPAY) == []


@BUDGET
@given(paid_invoices(), st.data())
def test_one_number_off_breaks_exactly_the_invariant_that_owns_it(invoice: dict[str, Any], data: st.DataObject) -> None:
    fault = data.draw(st.sampled_from(["line", "total", "remaining", "paid"]))
    if fault == "line":
        index = data.draw(st.integers(0, len(invoice["lines"]["data"]) - 1))
        invoice["lines"]["data"][index]["amount"] += 1
        # The line no longer matches its unit amount x quantity, and the total no longer matches the lines.
        expected = {("invariant.line_amount", f"/lines/data/{index}/amount"), ("invariant.totals", "/total")}
    elif fault == "total":
        invoice["total"] += 1
        expected = {("invariant.totals", "/total")}
    elif fault == "remaining":
        invoice["amount_remaining"] += 1
        expected = {("invariant.balance", "/amount_remaining")}
    else:
        invoice["amount_paid"] -= 1
        invoice["amount_remaining"] += 1
        expected = {("invariant.paid_in_full", "/amount_paid")}
    assert {(b.check, b.pointer) for b in invoice_breaches(invoice, WOOSHPAY)} == expected


@st.composite
def walks(draw: st.DrawFn) -> list[PageSeen]:
    ids = [f"obj_{n}" for n in range(draw(st.integers(1, 12)))]
    size = draw(st.integers(1, 5))
    pages = [tuple(ids[i : i + size]) for i in range(0, len(ids), size)]
    return [PageSeen(page, index < len(pages) - 1) for index, page in enumerate(pages)]


@BUDGET
@given(walks())
def test_a_valid_walk_of_any_page_size_breaks_nothing(pages: list[PageSeen]) -> None:
    expected = {object_id for page in pages for object_id in page.ids}
    assert walk_breaches(pages, SHAPE, complete=True, expected=expected) == []


@BUDGET
@given(walks(), st.sampled_from(["repeat", "skip", "lie"]))
def test_each_pagination_fault_is_one_breach_of_its_own_check(pages: list[PageSeen], fault: str) -> None:
    expected = {object_id for page in pages for object_id in page.ids}
    if fault == "repeat":
        pages = [*pages, PageSeen((pages[0].ids[0],), False)]
        pages[-2] = PageSeen(pages[-2].ids, True)
    elif fault == "skip":
        expected = expected | {"obj_never_listed"}
    else:
        pages = [*pages[:-1], PageSeen(pages[-1].ids, True), PageSeen((), False)]
    found = walk_breaches(pages, SHAPE, complete=True, expected=expected)
    check = {"repeat": "pagination.repeat", "skip": "pagination.skip", "lie": "pagination.has_more_last_page"}[fault]
    assert [b.breach.check for b in found] == [check]
