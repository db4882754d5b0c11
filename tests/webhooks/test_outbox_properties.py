"""Properties of the outbox, for any sequence of state changes: clean, every event arrives once and in order;
each ordering or duplicating fault changes exactly what it says and loses nothing."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.providers.wooshpay.double.events import WooshPayEvents
from conformance.sandbox.receivers import WsgiReceiver
from conformance.sandbox.webhooks import Endpoint, Outbox

NAMES = ("invoice.created", "invoice.finalized", "invoice.paid", "invoice.voided")
changes = st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(["in_a", "in_b", "in_c"])), max_size=8)


def deliver(emitted: list[tuple[str, str]], faults: frozenset[str]) -> tuple[list[str], list[str]]:
    """(ids emitted in order, ids as they arrived at a WSGI app)."""
    arrived: list[str] = []

    def app(environ: dict[str, Any], start: Any) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        arrived.append(json.loads(body)["id"])
        start("200 OK", [])
        return [b""]

    outbox = Outbox(WooshPayEvents(lambda: False), faults.__contains__, time_scale=0.001, seed=0)
    outbox.register(Endpoint("we_1", WsgiReceiver(app), "whsec_x"))
    ids = []
    for name, object_id in emitted:
        event = outbox.emit(name, object_id, {"id": object_id, "status": name.split(".")[1]}, 0)
        assert event is not None
        ids.append(event.id)
    assert outbox.flush(10)
    outbox.close()
    return ids, arrived


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(changes)
def test_clean_every_event_arrives_once_in_order(emitted: list[tuple[str, str]]) -> None:
    ids, arrived = deliver(emitted, frozenset())
    assert arrived == ids


@SETTINGS
@given(changes)
def test_duplicated_every_event_arrives_exactly_twice(emitted: list[tuple[str, str]]) -> None:
    for fault in ("event_duplicated", "deliver_twice"):
        ids, arrived = deliver(emitted, frozenset({fault}))
        assert sorted(arrived) == sorted(ids * 2)


@SETTINGS
@given(changes)
def test_reversed_all_arrive_newest_first(emitted: list[tuple[str, str]]) -> None:
    ids, arrived = deliver(emitted, frozenset({"deliver_reversed"}))
    assert arrived == ids[::-1]


@SETTINGS
@given(changes)
def test_reordered_pairs_swap_and_nothing_is_lost(emitted: list[tuple[str, str]]) -> None:
    ids, arrived = deliver(emitted, frozenset({"events_reordered"}))
    assert sorted(arrived) == sorted(ids)
    swapped = [x for i in range(0, len(ids) - 1, 2) for x in (ids[i + 1], ids[i])]
    assert arrived == swapped + ids[len(swapped) :]


@SETTINGS
@given(changes)
def test_late_repeats_the_previous_event_of_the_same_object(emitted: list[tuple[str, str]]) -> None:
    ids, arrived = deliver(emitted, frozenset({"deliver_late"}))
    expected: list[str] = []
    last: dict[str, str] = {}
    for event_id, (_, object_id) in zip(ids, emitted, strict=True):
        expected.append(event_id)
        if object_id in last:
            expected.append(last[object_id])
        last[object_id] = event_id
    assert arrived == expected
