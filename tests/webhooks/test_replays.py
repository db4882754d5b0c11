"""The idempotency verdict (conformance.sandbox.replays) over any sequence of invoice events: a handler that
remembers event ids and keeps order always passes; one that books every invoice.paid is caught exactly when a
payment was delivered; one that lets the last event win is caught exactly when a replayed event is older than
its invoice's state. Real outbox, real WooshPay signing, the handler as a WSGI app (no socket)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.providers.wooshpay.double.events import WooshPayEvents
from conformance.sandbox.receivers import WsgiReceiver
from conformance.sandbox.replays import NotIdempotent, differences, orders, replay_handled
from conformance.sandbox.webhooks import Endpoint, Outbox
from tests.webhooks.ledger import Ledger

# One invoice's life, as (event, status the invoice then has).
LIVES = st.sampled_from(
    [
        [("invoice.created", "draft")],
        [("invoice.created", "draft"), ("invoice.updated", "draft"), ("invoice.finalized", "open")],
        [("invoice.created", "draft"), ("invoice.finalized", "open"), ("invoice.paid", "paid")],
        [
            ("invoice.created", "draft"),
            ("invoice.finalized", "open"),
            ("invoice.sent", "open"),
            ("invoice.paid", "paid"),
        ],
        [("invoice.created", "draft"), ("invoice.finalized", "open"), ("invoice.voided", "void")],
        [("invoice.finalized", "open"), ("invoice.payment_failed", "open"), ("invoice.paid", "paid")],
        [("invoice.paid", "paid")],
    ]
)

Sequence = list[tuple[str, str, str, int]]  # (event, invoice id, status, amount paid)


@st.composite
def interleaved(draw: st.DrawFn) -> Sequence:
    """Several invoices' lives, interleaved in any order that keeps each one's own order."""
    lives = draw(st.lists(LIVES, min_size=1, max_size=3))
    queues = [[(name, f"in_{i}", status, 100 * (i + 1)) for name, status in life] for i, life in enumerate(lives)]
    found: Sequence = []
    while any(queues):
        queue = draw(st.sampled_from([q for q in queues if q]))
        found.append(queue.pop(0))
    return found


@contextmanager
def delivered(sequence: Sequence, app: Ledger) -> Iterator[Outbox]:
    outbox = Outbox(WooshPayEvents(lambda: False), lambda name: False, time_scale=0.001, seed=0)
    outbox.register(Endpoint("we_1", WsgiReceiver(app), "whsec_test"))
    try:
        for name, invoice_id, status, amount in sequence:
            data = {"id": invoice_id, "status": status, "amount_paid": amount if status == "paid" else 0}
            outbox.emit(name, invoice_id, data, 1_700_000_000)
        assert outbox.flush(10)
        yield outbox
    finally:
        outbox.close()


def verdict(sequence: Sequence, app: Ledger) -> NotIdempotent | None:
    with delivered(sequence, app) as outbox:
        return replay_handled(outbox, (), app.state)


PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(interleaved())
def test_a_handler_that_remembers_ids_and_keeps_order_passes(sequence: Sequence) -> None:
    app = Ledger()
    with delivered(sequence, app) as outbox:
        before = copy.deepcopy(app.state())
        assert replay_handled(outbox, (), app.state) is None
    assert app.state() == before
    assert before["status"] == {invoice: status for _, invoice, status, _ in sequence}


@PROPERTY
@given(interleaved())
def test_booking_every_payment_is_caught_exactly_when_a_payment_was_delivered(sequence: Sequence) -> None:
    found = verdict(sequence, Ledger(remembers_ids=False))
    paid = [invoice for name, invoice, _, _ in sequence if name == "invoice.paid"]
    assert (found is not None) == bool(paid)
    if found is not None:
        assert found.replay.event.name == "invoice.paid"
        assert found.replay.order == "as delivered"
        assert any(line.startswith("['booked']") for line in found.changes), found.changes


@PROPERTY
@given(interleaved())
def test_letting_the_last_event_win_is_caught_exactly_when_an_event_is_older_than_its_invoice(
    sequence: Sequence,
) -> None:
    """Without memory of ids, each replay is handled afresh: an older status overwrites the newer one (and a
    payment is booked again), at the first such event of the replay."""
    found = verdict(sequence, Ledger(remembers_ids=False, keeps_order=False))
    final = {invoice: status for _, invoice, status, _ in sequence}
    caught = [
        (name, status != final[invoice])
        for name, invoice, status, _ in sequence
        if status != final[invoice] or name == "invoice.paid"
    ]
    assert (found is not None) == bool(caught)
    if found is not None:
        name, older = caught[0]
        assert found.replay.event.name == name
        field = "['status']" if older else "['booked']"
        assert any(line.startswith(field) for line in found.changes), found.changes


def test_a_refused_duplicate_is_a_finding_even_when_the_state_holds() -> None:
    sequence: Sequence = [("invoice.created", "in_1", "draft", 0), ("invoice.finalized", "in_1", "open", 0)]
    found = verdict(sequence, Ledger(refuses_duplicates=True))
    assert found is not None
    assert found.changes == ()
    assert found.replay.status == 409
    text = str(found)
    assert "was not acknowledged when delivered again" in text
    assert "answered 409" in text
    assert verdict(sequence, Ledger()) is None


def test_an_event_never_acknowledged_is_not_replayed() -> None:
    """The provider still retries an event nobody acknowledged: handling it then is the first time, not a
    duplicate, so it is left out (here: a handler that was down for every attempt)."""
    posts: list[bytes] = []

    def down(environ: dict[str, Any], start: Any) -> list[bytes]:
        posts.append(environ["wsgi.input"].read())
        start("503 Service Unavailable", [])
        return [b""]

    outbox = Outbox(WooshPayEvents(lambda: False), lambda name: name == "retries_ignored", time_scale=0.001)
    outbox.register(Endpoint("we_1", WsgiReceiver(down), "whsec_test"))
    try:
        outbox.emit("invoice.paid", "in_1", {"id": "in_1", "status": "paid", "amount_paid": 5}, 1)
        assert outbox.flush(10)
        assert [a.acknowledged for a in outbox.sent] == [False]
        assert replay_handled(outbox, (), lambda: len(posts)) is None
        assert len(posts) == 1
    finally:
        outbox.close()


def test_the_message_reads_like_a_finding() -> None:
    sequence: Sequence = [("invoice.finalized", "in_1", "open", 0), ("invoice.paid", "in_1", "paid", 1200)]
    found = verdict(sequence, Ledger(remembers_ids=False))
    assert found is not None
    text = str(found)
    event = found.replay.event
    assert text.splitlines()[0] == (
        f"webhook handler not idempotent: event {event.id} (invoice.paid, about in_1) changed the app's state "
        "when delivered again"
    )
    assert "delivery: replay 1 of 3 (as delivered), event 2 of 2, to wsgi:Ledger: answered 200" in text
    assert "['booked']['in_1']: 1200 -> 2400" in text


def test_the_passes_are_again_reversed_and_a_fixed_shuffle() -> None:
    passes = orders(5, seed=3)
    assert [name for name, _ in passes] == ["as delivered", "reversed", "shuffled, seed 3"]
    assert passes[0][1] == [0, 1, 2, 3, 4]
    assert passes[1][1] == [4, 3, 2, 1, 0]
    assert sorted(passes[2][1]) == [0, 1, 2, 3, 4]
    assert orders(5, seed=3) == passes


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({"a": 1}, {"a": 2}, ["['a']: 1 -> 2"]),
        ({"a": 1}, {"a": 1, "b": 2}, ["['b']: added 2"]),
        ({"a": 1, "b": 2}, {"a": 1}, ["['b']: removed (was 2)"]),
        ([("in_1", 5)], [("in_1", 5), ("in_1", 5)], ["[1]: added ('in_1', 5)"]),
        ({"s": {"x"}}, {"s": {"x", "y"}}, ["['s']: added 'y'"]),
        (3, 4, ["the state: 3 -> 4"]),
    ],
)
def test_the_diff_names_what_changed(before: object, after: object, expected: list[str]) -> None:
    assert differences(before, after) == expected


def test_the_diff_is_short() -> None:
    lines = differences({}, {str(i): i for i in range(20)})
    assert len(lines) == 9
    assert lines[-1] == "... and 12 more"
