"""The invariant and pagination checks on hand-made objects: what breaks them and what does not."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.checks.invariants import (
    Balance,
    Format,
    InvoiceFacts,
    Lifecycle,
    LineArithmetic,
    LinesTotal,
    Timeline,
    echo,
    formats,
    invoice_breaches,
    timeline_changes,
    transition,
)
from conformance.checks.json_values import instant
from conformance.checks.lifecycle import lifecycle_of, with_lifecycle
from conformance.checks.pagination import ListShape, PageSeen, walk_breaches
from conformance.core.kinds import Kind
from conformance.providers import get_provider
from conformance.providers.wooshpay.workflows import FACTS

# WooshPay's facts as a run checks them: completed by its spec's x-lifecycle.
WOOSHPAY = with_lifecycle(FACTS, lifecycle_of(get_provider("wooshpay").spec))

DOC = "https://docs.example/invoices"


def invoice(**changes: Any) -> dict[str, Any]:
    """A consistent paid WooshPay-shaped invoice, changed as given."""
    body: dict[str, Any] = {
        "id": "in_1",
        "status": "paid",
        "currency": "USD",
        "created": 100,
        "period_start": 100,
        "period_end": 100,
        "total": 3250,
        "amount_due": 3250,
        "amount_paid": 3250,
        "amount_remaining": 0,
        "lines": {
            "has_more": False,
            "data": [
                {"amount": 3000, "unit_amount": 1500, "quantity": 2, "currency": "USD", "price": None},
                {"amount": 250, "unit_amount": 250, "quantity": 1, "currency": "USD", "price": None},
            ],
        },
        "status_transitions": {"finalized_at": 110, "paid_at": 120, "voided_at": None, "marked_uncollectible_at": None},
    }
    body.update(changes)
    return body


def kinds_at(found: list[Any]) -> set[tuple[Kind, str]]:
    return {(b.kind, b.pointer) for b in found}


def test_a_consistent_invoice_breaks_nothing() -> None:
    assert invoice_breaches(invoice(), WOOSHPAY) == []


def test_line_amount_must_be_unit_amount_times_quantity() -> None:
    broken = invoice()
    broken["lines"]["data"][0]["amount"] = 2999
    found = invoice_breaches(broken, InvoiceFacts(arithmetic=LineArithmetic("/lines/data", DOC)))
    assert kinds_at(found) == {(Kind.INVARIANT_VIOLATION, "/lines/data/0/amount")}
    assert "1500 x 2 = 3000" in found[0].expected


def test_total_must_be_the_sum_of_the_lines_unless_lines_are_truncated() -> None:
    facts = LinesTotal("/total", "/lines/data", "amount", DOC, truncated="/lines/has_more")
    assert kinds_at(invoice_breaches(invoice(total=3251), WOOSHPAY)) >= {(Kind.INVARIANT_VIOLATION, "/total")}
    truncated = invoice(total=3251)
    truncated["lines"]["has_more"] = True
    assert invoice_breaches(truncated, InvoiceFacts(totals=(facts,))) == []


def test_float_totals_compare_without_rounding_noise() -> None:
    facts = LinesTotal("/subTotal", "/subscriptionItems", "total", DOC)
    body = {"subTotal": 0.3, "subscriptionItems": [{"total": 0.1}, {"total": 0.2}]}
    assert invoice_breaches(body, InvoiceFacts(totals=(facts,))) == []


def test_balance_remaining_and_paid_in_full() -> None:
    facts = InvoiceFacts(
        balance=Balance("/amount_due", "/amount_paid", "/amount_remaining", "/status", frozenset({"paid"}), DOC)
    )
    assert kinds_at(invoice_breaches(invoice(amount_remaining=10), facts)) == {
        (Kind.INVARIANT_VIOLATION, "/amount_remaining")
    }
    partly = invoice(amount_paid=3000, amount_remaining=250)
    assert kinds_at(invoice_breaches(partly, facts)) == {(Kind.INVARIANT_VIOLATION, "/amount_paid")}
    assert invoice_breaches(invoice(status="open", amount_paid=0, amount_remaining=3250), facts) == []


def test_a_field_of_the_wrong_type_is_left_to_the_schema_check() -> None:
    assert invoice_breaches(invoice(total="3251", amount_due=None), WOOSHPAY) == []


def test_timeline_order_and_transition_times() -> None:
    times = invoice()["status_transitions"]
    assert kinds_at(invoice_breaches(invoice(created=115, period_start=115, period_end=115), WOOSHPAY)) == {
        (Kind.INVARIANT_VIOLATION, "/status_transitions/finalized_at")
    }
    late = invoice(status_transitions={**times, "paid_at": 105})
    assert (Kind.INVARIANT_VIOLATION, "/status_transitions/paid_at") in kinds_at(invoice_breaches(late, WOOSHPAY))
    unset = invoice(status_transitions={**times, "paid_at": None})
    assert kinds_at(invoice_breaches(unset, WOOSHPAY)) == {(Kind.STATE_TRANSITION, "/status_transitions/paid_at")}
    early = invoice(status="draft", amount_paid=0, amount_remaining=3250)
    assert (Kind.STATE_TRANSITION, "/status_transitions/finalized_at") in kinds_at(invoice_breaches(early, WOOSHPAY))


def test_rfc3339_and_unix_instants() -> None:
    assert instant("2023-06-07T17:32:28Z") == instant(1686159148)
    assert instant("2023-06-07T17:32:28") is None  # no offset: not an instant
    assert instant(True) is None
    facts = Timeline("/createdAt", DOC, not_before_created=("/lastPaymentAttemptDate",))
    body = {"createdAt": "2023-06-07T17:32:28Z", "lastPaymentAttemptDate": "2023-06-07T17:32:27Z"}
    assert kinds_at(invoice_breaches(body, InvoiceFacts(timeline=facts))) == {
        (Kind.INVARIANT_VIOLATION, "/lastPaymentAttemptDate")
    }


def test_transitions_follow_the_lifecycle() -> None:
    lifecycle = Lifecycle(
        "/status", {"draft": frozenset({"open"}), "open": frozenset({"paid"}), "paid": frozenset()}, DOC
    )
    assert transition("draft", "open", lifecycle) is None
    assert transition("open", "open", lifecycle) is None
    illegal = transition("paid", "open", lifecycle)
    assert illegal is not None
    assert illegal.kind is Kind.STATE_TRANSITION
    assert illegal.pointer == "/status"
    assert transition("open", "processing", lifecycle) is None  # an unknown status is an enum_violation


def test_a_transition_time_never_changes_once_set() -> None:
    assert WOOSHPAY.timeline is not None
    before = invoice()
    after = invoice(status_transitions={**before["status_transitions"], "finalized_at": 130})
    assert kinds_at(timeline_changes(before, after, WOOSHPAY.timeline)) == {
        (Kind.STATE_TRANSITION, "/status_transitions/finalized_at")
    }
    assert timeline_changes(before, invoice(), WOOSHPAY.timeline) == []


@pytest.mark.parametrize(
    ("entry", "value", "breaks"),
    [
        (Format("/id", DOC, prefix="inv_"), "inv_1JBQUCEC40000", False),
        (Format("/id", DOC, prefix="inv_"), "in_1JBQUCEC40000", True),
        (Format("/id", DOC, pattern=r"^[A-Z]{3}$"), "usd", True),
        (Format("/id", DOC, integer_amount=True), 1500, False),
        (Format("/id", DOC, integer_amount=True), 15.0, True),
    ],
)
def test_formats(entry: Format, value: Any, breaks: bool) -> None:
    assert bool(formats({"id": value}, entry)) is breaks


def test_formats_reach_into_arrays() -> None:
    entry = Format("/lines/*/price/id", DOC, prefix="price_")
    body = {"lines": [{"price": {"id": "price_1"}}, {"price": None}, {"price": {"id": "plan_2"}}]}
    assert kinds_at(formats(body, entry)) == {(Kind.INVARIANT_VIOLATION, "/lines/2/price/id")}


def test_echo_compares_value_and_type() -> None:
    written = {"total_amount": 112, "metadata": {"a": "b"}, "footer": "x"}
    assert echo(written, {"total_amount": 112, "metadata": {"a": "b"}, "footer": "x"}, doc_ref=DOC) == []
    found = echo(written, {"total_amount": 112.0, "metadata": {"a": "c"}}, doc_ref=DOC)
    assert kinds_at(found) == {
        (Kind.INVARIANT_VIOLATION, "/total_amount"),
        (Kind.INVARIANT_VIOLATION, "/metadata/a"),
        (Kind.INVARIANT_VIOLATION, "/footer"),
    }


SHAPE = ListShape("/data", "/has_more", DOC)


def test_a_clean_walk_breaks_nothing() -> None:
    pages = [PageSeen(("a", "b"), True), PageSeen(("c",), False)]
    assert walk_breaches(pages, SHAPE, complete=True, expected={"a", "b", "c"}) == []


def test_walk_repeats_skips_and_lies() -> None:
    repeated = [PageSeen(("a", "b"), True), PageSeen(("b", "c"), False)]
    assert [(b.page, b.breach.pointer) for b in walk_breaches(repeated, SHAPE, complete=True)] == [(1, "/data/0/id")]
    skipped = [PageSeen(("a", "b"), True), PageSeen(("d",), False)]
    found = walk_breaches(skipped, SHAPE, complete=True, expected={"a", "b", "c", "d"})
    assert [(b.page, b.breach.pointer) for b in found] == [(1, "/data")]
    assert "c" in found[0].breach.observed
    lying = [PageSeen(("a", "b"), True), PageSeen((), True)]
    assert [(b.page, b.breach.pointer) for b in walk_breaches(lying, SHAPE, complete=True)] == [
        (0, "/has_more"),
        (1, "/has_more"),
    ]


def test_an_unfinished_walk_claims_nothing_about_unlisted_objects() -> None:
    pages = [PageSeen(("a", "b"), True)]
    assert walk_breaches(pages, SHAPE, complete=False, expected={"z"}) == []


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5))
_KEYS = st.text(alphabet="abcxyz_", min_size=1, max_size=4)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=12,
)
_WRITTEN = st.dictionaries(_KEYS, _JSON, min_size=1, max_size=4)


def _with_extra_keys(value: Any) -> Any:
    """`value` with one more key in every object, at every depth (what an annotating server adds)."""
    if isinstance(value, dict):
        return {**{k: _with_extra_keys(v) for k, v in value.items()}, "added_by_server": 1}
    if isinstance(value, list):
        return [_with_extra_keys(v) for v in value]
    return value


def _leaves(value: Any, at: str = "") -> list[str]:
    """Pointers of the scalars inside `value` (its deepest written places)."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, f"{at}/{k}")] or ([at] if at else [])
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, f"{at}/{i}")] or [at]
    return [at]


@given(_WRITTEN)
def test_echo_ignores_keys_added_to_what_was_written(written: dict[str, Any]) -> None:
    assert echo(written, _with_extra_keys(written), doc_ref=DOC) == []


@given(_WRITTEN, st.data())
def test_echo_reports_a_written_value_read_back_otherwise_where_it_is(written: dict[str, Any], data: Any) -> None:
    pointer = data.draw(st.sampled_from(_leaves(written)))
    read = copy.deepcopy(_with_extra_keys(written))
    *parents, last = pointer.lstrip("/").split("/")
    node = read
    for token in parents:
        node = node[int(token)] if isinstance(node, list) else node[token]
    if isinstance(node, list):
        node[int(last)] = 0.5  # an item changed (no written value is a float); the list keeps its length
    else:
        del node[last]  # a written key not stored
    found = echo(written, read, doc_ref=DOC)
    assert [(b.pointer, b.check, b.kind) for b in found] == [
        (pointer, "invariant.read_after_write", Kind.INVARIANT_VIOLATION)
    ]
    assert found[0].observed == ("0.5" if isinstance(node, list) else "absent")
