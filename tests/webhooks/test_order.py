"""webhook.order: events about one invoice arrive in the order of its changes; one that arrives after an event
about a newer state is reported (info, never breaking), and nothing is reported for any order-keeping story."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.checks.webhook_order import ORDER_CHECK, order_findings
from conformance.checks.webhooks import StateChange
from conformance.core.kinds import Basis, Severity
from conformance.providers import get_provider
from tests.checks import webhook_kit as kit

# (event, state the invoice enters) in the order a lifecycle goes through them
STORIES = {
    "wooshpay": [("invoice.created", "draft"), ("invoice.finalized", "open"), ("invoice.paid", "paid")],
    "useepay": [("invoice.sent", "open"), ("invoice.paid", "paid")],
}


def _story(provider: str, invoice_ids: list[str]) -> tuple[list[StateChange], list[list[object]]]:
    """Per invoice, its changes (one per step, 1 s apart) and the deliveries of their events, in change order."""
    states = kit.invoices_by_state(provider)
    changes, per_invoice = [], []
    for number, invoice_id in enumerate(invoice_ids):
        previous: str | None = None
        events = []
        for step, (name, state) in enumerate(STORIES[provider]):
            at = number * 10 + step
            changes.append(StateChange(invoice_id, state, float(at), previous, ""))
            previous = state
            invoice = {**states[state], "id": invoice_id}
            events.append(kit.envelope(provider, name, invoice, event_id=f"evt_{invoice_id}{step}"))
        per_invoice.append(events)
    return changes, per_invoice


@pytest.mark.parametrize("provider", sorted(STORIES))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_any_interleaving_that_keeps_each_invoices_order_is_silent(provider: str, data: st.DataObject) -> None:
    changes, per_invoice = _story(provider, ["in_a", "in_b"])
    queues = [list(events) for events in per_invoice]
    arrived = []
    while any(queues):
        queue = data.draw(st.sampled_from([q for q in queues if q]))
        arrived.append(queue.pop(0))
    deliveries = [kit.delivery(provider, event, sequence=i, at=20.0 + i) for i, event in enumerate(arrived)]
    assert order_findings(get_provider(provider).spec, deliveries, changes) == []


@pytest.mark.parametrize("provider", sorted(STORIES))
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_an_event_overtaken_by_a_newer_one_of_its_invoice_is_reported(provider: str, data: st.DataObject) -> None:
    changes, [events] = _story(provider, ["in_a"])
    late = data.draw(st.integers(0, len(events) - 2))
    swapped = [*events[:late], events[late + 1], events[late], *events[late + 2 :]]
    deliveries = [kit.delivery(provider, event, sequence=i, at=20.0 + i) for i, event in enumerate(swapped)]
    [found] = order_findings(get_provider(provider).spec, deliveries, changes)
    assert found.check == ORDER_CHECK
    assert found.operation == f"webhook {STORIES[provider][late][0]}"
    assert found.severity is Severity.INFO
    assert found.basis is Basis.INFERRED


def test_a_retry_of_an_earlier_event_is_not_a_reordering() -> None:
    provider = "wooshpay"
    changes, [events] = _story(provider, ["in_a"])
    deliveries = [
        kit.delivery(provider, events[0], sequence=0, status=500),
        kit.delivery(provider, events[1], sequence=1),
        kit.delivery(provider, events[0], sequence=2, at=1.0),  # the refused one, retried
        kit.delivery(provider, events[2], sequence=3, at=2.0),
    ]
    assert order_findings(get_provider(provider).spec, deliveries, changes) == []
