"""double.webhooks in the pytest plugin: delivery to a URL, a WSGI app (Flask) or an ASGI app without a port,
redelivery, the retry schedule a failing handler sees (time-compressed), faults by marker, bounded flush."""

from __future__ import annotations

import json
import threading
from itertools import pairwise
from typing import Any

import pytest

from conformance.providers.wooshpay.double.events import RETRY_SCHEDULE
from conformance.pytest_plugin import Double
from tests.webhooks.handlers import NaiveHandler
from tests.webhooks.receiver import receiving
from tests.webhooks.test_handler_faults import pay_an_invoice


def test_delivery_to_a_flask_app_needs_no_port(wooshpay_double: Double) -> None:
    import flask

    app = flask.Flask("billing")
    seen: list[str] = []

    @app.post("/webhooks/wooshpay")
    def hook() -> tuple[str, int]:
        seen.append(flask.request.get_json()["type"])
        assert flask.request.headers["WooshPay-Signature"].startswith("t=")
        return "", 204

    wooshpay_double.webhooks.deliver_to(app, path="/webhooks/wooshpay")
    pay_an_invoice(wooshpay_double)
    wooshpay_double.webhooks.flush()
    assert seen == ["invoice.created", "invoice.finalized", "invoice.paid"]
    assert [a.status for a in wooshpay_double.webhooks.sent] == [204, 204, 204]
    assert {a.receiver for a in wooshpay_double.webhooks.sent} == {"wsgi:billing"}
    assert {a.delivery.path for a in wooshpay_double.webhooks.sent} == {"/webhooks/wooshpay"}


def test_delivery_to_an_asgi_app(useepay_double: Double) -> None:
    seen: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        message = await receive()
        seen.append({"body": json.loads(message["body"]), "headers": dict(scope["headers"])})
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    useepay_double.webhooks.deliver_to(app)
    pay_an_invoice(useepay_double)
    useepay_double.webhooks.flush()
    assert [s["body"]["name"] for s in seen] == ["invoice.sent", "invoice.paid"]
    assert all(b"sign" in s["headers"] for s in seen)
    assert [(a.status, a.answer) for a in useepay_double.webhooks.sent] == [(200, b"ok"), (200, b"ok")]


def test_delivery_to_a_url_over_real_http(useepay_double: Double) -> None:
    with receiving() as recorder:
        useepay_double.webhooks.deliver_to(recorder.url)
        pay_an_invoice(useepay_double)
        useepay_double.webhooks.flush()
        assert [json.loads(a.body)["name"] for a in recorder.arrivals] == ["invoice.sent", "invoice.paid"]


def test_redeliver_sends_the_same_id_and_body(wooshpay_double: Double) -> None:
    handler = NaiveHandler()
    wooshpay_double.webhooks.deliver_to(handler)
    pay_an_invoice(wooshpay_double)
    wooshpay_double.webhooks.flush()
    paid = next(e for e in wooshpay_double.webhooks.events if e.name == "invoice.paid")
    wooshpay_double.webhooks.redeliver(paid.id)
    wooshpay_double.webhooks.flush()
    again = [a for a in wooshpay_double.webhooks.sent if a.event_id == paid.id]
    assert len(again) == 2
    assert again[0].delivery.body == again[1].delivery.body
    assert sum(handler.books.booked.values()) == 2 * 1200  # the naive handler books it twice


def test_a_failing_handler_sees_the_declared_schedule_time_compressed(wooshpay_double: Double) -> None:
    answers = iter([500, 500, 503, 200])

    def flaky(environ: dict[str, Any], start: Any) -> list[bytes]:
        status = next(answers, 200)
        start(f"{status} X", [])
        return [b""]

    wooshpay_double.webhooks.time_scale = 0.0001
    wooshpay_double.webhooks.deliver_to(flaky, events=["invoice.created"])
    customer = wooshpay_double.session.post(wooshpay_double.url("/v1/customers"), data={"name": "A"}).json()
    wooshpay_double.session.post(wooshpay_double.url("/v1/invoices"), data={"customer": customer["id"]})
    wooshpay_double.webhooks.flush()
    sent = wooshpay_double.webhooks.sent
    assert [(a.attempt, a.status) for a in sent] == [(1, 500), (2, 500), (3, 503), (4, 200)]
    gaps = [b.delivery.received_at - a.delivery.received_at for a, b in pairwise(sent)]
    for gap, declared in zip(gaps, RETRY_SCHEDULE, strict=False):
        assert gap >= declared * 0.0001 * 0.9


@pytest.mark.provider_fault("wooshpay", "deliver_twice")
def test_a_fault_marker_reaches_the_deliveries(wooshpay_double: Double) -> None:
    handler = NaiveHandler()
    wooshpay_double.webhooks.deliver_to(handler)
    pay_an_invoice(wooshpay_double)
    wooshpay_double.webhooks.flush()
    assert sum(handler.books.booked.values()) == 2 * 1200


def test_a_hanging_handler_fails_flush_in_one_sentence(wooshpay_double: Double) -> None:
    release = threading.Event()

    def hangs(environ: dict[str, Any], start: Any) -> list[bytes]:
        release.wait(5)
        start("200 OK", [])
        return [b""]

    wooshpay_double.webhooks.deliver_to(hangs, events=["invoice.created"])
    customer = wooshpay_double.session.post(wooshpay_double.url("/v1/customers"), data={"name": "A"}).json()
    wooshpay_double.session.post(wooshpay_double.url("/v1/invoices"), data={"customer": customer["id"]})
    with pytest.raises(pytest.fail.Exception, match=r"deliveries still pending after 0.2 s: the receiver hangs"):
        wooshpay_double.webhooks.flush(timeout=0.2)
    release.set()
    wooshpay_double.webhooks.flush()


def test_an_app_hanging_past_the_timeout_is_an_attempt_without_an_answer(useepay_double: Double) -> None:
    """A Starlette-style ASGI app object that blocks: the attempt fails after webhook_timeout and is retried."""
    import time

    calls: list[int] = []

    class Blocking:
        async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
            calls.append(1)
            if len(calls) == 1:
                time.sleep(1.0)  # blocks its event loop, as a sync call in a handler does
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    assert useepay_double.state.webhooks is not None
    useepay_double.state.webhooks.timeout = 0.2
    useepay_double.webhooks.deliver_to(Blocking(), events=["invoice.sent"])
    customer = useepay_double.session.post(
        useepay_double.url("/api/v1/customers/create"), json={"merchant_customer_id": "m", "name": "A"}
    ).json()
    useepay_double.session.post(
        useepay_double.url("/api/v1/invoices/create"),
        json={"customer_id": customer["id"], "currency": "USD", "total_amount": 5},
    )
    useepay_double.webhooks.flush()
    sent = useepay_double.webhooks.sent
    assert [(a.attempt, a.status) for a in sent] == [(1, None), (2, 200)]
    assert "did not answer within 0.2 s" in (sent[0].error or "")


def test_lynkwell_sends_no_events_said_once(lynkwell_double: Double) -> None:
    with pytest.raises(pytest.fail.Exception, match="the lynkwell double sends no events"):
        lynkwell_double.webhooks.deliver_to(NaiveHandler())
    with pytest.raises(pytest.fail.Exception, match="fault deliver_twice: the lynkwell double sends no events"):
        lynkwell_double.inject("deliver_twice")


def test_a_fault_the_provider_cannot_show_is_refused(wooshpay_double: Double, useepay_double: Double) -> None:
    with pytest.raises(pytest.fail.Exception, match="content_type_other_version is UseePay's"):
        wooshpay_double.inject("content_type_other_version")
    with pytest.raises(pytest.fail.Exception, match="UseePay signs no timestamp"):
        useepay_double.inject("timestamp_stale")


def test_each_test_starts_with_no_receiver(wooshpay_double: Double) -> None:
    pay_an_invoice(wooshpay_double)
    wooshpay_double.webhooks.flush()
    assert wooshpay_double.webhooks.sent == []
    assert wooshpay_double.webhooks.secret is None


def test_a_reset_restores_the_configured_time_scale_and_timeout(wooshpay_double: Double) -> None:
    from conformance.pytest_plugin import TIME_SCALE

    outbox = wooshpay_double.state.webhooks
    assert outbox is not None
    wooshpay_double.webhooks.time_scale = 1.0
    outbox.timeout = 0.1
    wooshpay_double.reset()
    assert wooshpay_double.webhooks.time_scale == TIME_SCALE
    assert outbox.timeout == 5.0
