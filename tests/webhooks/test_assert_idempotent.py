"""double.webhooks.assert_idempotent(read_state) in the pytest plugin, against the doubles driven over HTTP:
a handler that books a duplicate payment, or lets a late invoice.sent move a paid order back, is caught with a
message that reads like a finding; the correct twin passes, under every consumer-side fault; a URL receiver is
replayed over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from conformance.pytest_plugin import Double
from tests.webhooks.handlers import CorrectHandler, NaiveHandler, Start
from tests.webhooks.ledger import Ledger
from tests.webhooks.test_handler_faults import CASES, pay_an_invoice

PROVIDERS = ["wooshpay", "useepay"]


def _books(handler: CorrectHandler) -> dict[str, Any]:
    return {"booked": handler.books.booked, "status": handler.books.status}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_handler_that_books_every_payment_is_caught(provider: str, provider_double: Any) -> None:
    double: Double = provider_double(provider)
    handler = Ledger(remembers_ids=False)  # keeps order: only the duplicate payment is wrong
    double.webhooks.deliver_to(handler)
    invoice_id = pay_an_invoice(double)
    with pytest.raises(AssertionError) as caught:
        double.webhooks.assert_idempotent(handler.state)
    paid = next(e for e in double.webhooks.events if e.name == "invoice.paid")
    lines = [line.strip() for line in str(caught.value).splitlines()]
    assert lines[0] == (
        f"webhook handler not idempotent: event {paid.id} (invoice.paid, about {invoice_id}) changed the app's "
        "state when delivered again"
    )
    assert f"['booked'][{invoice_id!r}]: 1200 -> 2400" in lines
    assert all(a.event_id != paid.id or a.attempt == 1 for a in double.webhooks.sent)  # replays are not `sent`


@pytest.mark.parametrize(("fault", "provider"), CASES)
def test_a_correct_handler_passes_under_every_consumer_side_fault(
    fault: str, provider: str, provider_double: Any
) -> None:
    double: Double = provider_double(provider)
    double.inject(fault)
    double.webhooks.time_scale = 0.000001  # forged posts are refused: the whole schedule runs
    handler = CorrectHandler()
    double.webhooks.deliver_to(handler)
    handler.secret, handler.public_key = double.webhooks.secret, double.webhooks.public_key
    pay_an_invoice(double)
    if fault in ("signature_invalid", "signature_missing", "timestamp_stale"):
        # Every post refused: nothing was handled, so there is nothing to judge (not a pass).
        with pytest.raises(pytest.fail.Exception, match="acknowledged no event"):
            double.webhooks.assert_idempotent(lambda: _books(handler))
        assert handler.books.booked == {}
        return
    double.webhooks.assert_idempotent(lambda: _books(handler))
    assert list(handler.books.booked.values()) == [1200]


# -- a late invoice.sent: an order paid, then told "awaiting payment" again ------------------------------------

ORDER = {"invoice.sent": "awaiting payment", "invoice.paid": "paid"}


class Orders:
    """Marks an order by the invoice events it gets; `keeps_order` never moves one back."""

    def __init__(self, *, keeps_order: bool) -> None:
        self.keeps_order = keeps_order
        self.orders: dict[str, str] = {}

    def __call__(self, environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        event = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        name = event.get("type") or event.get("name")
        invoice = event["data"].get("object", event["data"])
        if name in ORDER:
            new, old = ORDER[name], self.orders.get(invoice["id"])
            if not (self.keeps_order and old == "paid"):
                self.orders[invoice["id"]] = new
        start("200 OK", [])
        return [b""]


def sent_then_paid(double: Double) -> str:
    """An invoice the customer is sent, then pays: invoice.sent, then invoice.paid, whatever the provider."""
    if double.provider == "useepay":
        return pay_an_invoice(double)  # created open (invoice.sent), then paid
    session, url = double.session, double.url
    customer = session.post(url("/v1/customers"), data={"name": "Ada"}).json()
    form = {"customer": customer["id"], "collection_method": "send_invoice", "days_until_due": "30"}
    invoice = session.post(url("/v1/invoices"), data=form).json()
    session.post(url(f"/v1/invoices/{invoice['id']}/add_lines"), json={"lines": [{"amount": 1200}]})
    assert session.post(url(f"/v1/invoices/{invoice['id']}/finalize")).ok
    assert session.post(url(f"/v1/invoices/{invoice['id']}/send")).ok
    assert session.post(url(f"/v1/invoices/{invoice['id']}/pay"), data={"paid_out_of_band": "true"}).ok
    return str(invoice["id"])


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_late_invoice_sent_moving_a_paid_order_back_is_caught(provider: str, provider_double: Any) -> None:
    double: Double = provider_double(provider)
    handler = Orders(keeps_order=False)
    double.webhooks.deliver_to(handler)
    invoice_id = sent_then_paid(double)
    with pytest.raises(AssertionError) as caught:
        double.webhooks.assert_idempotent(lambda: handler.orders)
    message = str(caught.value)
    assert "(invoice.sent, about" in message.splitlines()[0]
    assert f"[{invoice_id!r}]: 'paid' -> 'awaiting payment'" in message
    assert "replay 1 of 3 (as delivered)" in message


@pytest.mark.parametrize("provider", PROVIDERS)
def test_an_order_that_never_moves_back_passes(provider: str, provider_double: Any) -> None:
    double: Double = provider_double(provider)
    handler = Orders(keeps_order=True)
    double.webhooks.deliver_to(handler)
    invoice_id = sent_then_paid(double)
    double.webhooks.assert_idempotent(lambda: handler.orders)
    assert handler.orders == {invoice_id: "paid"}


# -- over real HTTP ----------------------------------------------------------------------------------------------


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving(app: Any) -> Iterator[str]:
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hooks"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("remembers_ids", [False, True])
def test_a_url_receiver_is_replayed_over_http(remembers_ids: bool, wooshpay_double: Double) -> None:
    app = Ledger(remembers_ids=remembers_ids)
    with serving(app) as url:
        wooshpay_double.webhooks.deliver_to(url)
        pay_an_invoice(wooshpay_double)
        if remembers_ids:
            wooshpay_double.webhooks.assert_idempotent(app.state)
            assert len(app.books.seen) == 3
        else:
            with pytest.raises(AssertionError, match=rf"to {url}: answered 200"):
                wooshpay_double.webhooks.assert_idempotent(app.state)


def test_a_refused_duplicate_is_caught_and_its_twin_passes(useepay_double: Double) -> None:
    refusing = Ledger(refuses_duplicates=True)
    useepay_double.webhooks.deliver_to(refusing)
    pay_an_invoice(useepay_double)
    with pytest.raises(AssertionError, match="was not acknowledged when delivered again"):
        useepay_double.webhooks.assert_idempotent(refusing.state)
    useepay_double.reset()
    accepting = Ledger()
    useepay_double.webhooks.deliver_to(accepting)
    pay_an_invoice(useepay_double)
    useepay_double.webhooks.assert_idempotent(accepting.state)


def test_a_state_that_cannot_be_copied_fails_in_one_sentence(wooshpay_double: Double) -> None:
    app = Ledger()
    wooshpay_double.webhooks.deliver_to(app)
    pay_an_invoice(wooshpay_double)
    with pytest.raises(pytest.fail.Exception, match="must be copyable to be compared later"):
        wooshpay_double.webhooks.assert_idempotent(lambda: (x for x in app.books.booked))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_naive_handler_of_the_fault_tests_is_caught_too(provider: str, provider_double: Any) -> None:
    double: Double = provider_double(provider)
    handler = NaiveHandler()
    double.webhooks.deliver_to(handler)
    pay_an_invoice(double)
    with pytest.raises(AssertionError, match="webhook handler not idempotent"):
        double.webhooks.assert_idempotent(lambda: {"booked": handler.books.booked, "status": handler.books.status})


def test_an_error_of_the_tests_own_read_state_is_its_own(wooshpay_double: Double) -> None:
    app = Ledger()
    wooshpay_double.webhooks.deliver_to(app)
    pay_an_invoice(wooshpay_double)

    def broken() -> object:
        raise TypeError("the test's own bug")

    with pytest.raises(TypeError, match="the test's own bug"):
        wooshpay_double.webhooks.assert_idempotent(broken)


def test_no_event_handled_is_no_verdict(wooshpay_double: Double) -> None:
    pay_an_invoice(wooshpay_double)  # before any deliver_to: nothing is delivered
    with pytest.raises(pytest.fail.Exception, match="acknowledged no event, so there is nothing to deliver again"):
        wooshpay_double.webhooks.assert_idempotent(dict)


def test_a_double_without_events_says_so(lynkwell_double: Double) -> None:
    with pytest.raises(pytest.fail.Exception, match="sends no events"):
        lynkwell_double.webhooks.assert_idempotent(dict)
