"""Consumer-side faults through the pytest plugin: for each, a naive handler is caught and a correct one
passes under the fault, and the naive one passes without it (so the fault, not the test, catches it)."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.pytest_plugin import Double
from conformance.sandbox.faults import HANDLER_FAULTS
from tests.webhooks.handlers import Books, CorrectHandler, NaiveHandler

ONLINE = {"ip_address": "192.168.12.1", "user_agent": "user agent"}
AMOUNT = 1200
FORGED = frozenset({"signature_invalid", "signature_missing", "timestamp_stale"})
# fault -> the providers it applies to
APPLIES = {
    "deliver_twice": ("wooshpay", "useepay"),
    "deliver_reversed": ("wooshpay", "useepay"),
    "deliver_late": ("wooshpay", "useepay"),
    "signature_invalid": ("wooshpay", "useepay"),
    "signature_missing": ("wooshpay", "useepay"),
    "timestamp_stale": ("wooshpay",),
    "content_type_other_version": ("useepay",),
}
CASES = [(fault, provider) for fault, providers in sorted(APPLIES.items()) for provider in providers]


def test_every_consumer_side_fault_is_covered() -> None:
    assert set(APPLIES) == {f.name for f in HANDLER_FAULTS} | {"signature_invalid"}


def pay_an_invoice(double: Double) -> str:
    """Drive the double through a paid invoice over its API, as the app under test would."""
    session, url = double.session, double.url
    if double.provider == "wooshpay":
        customer = session.post(url("/v1/customers"), data={"name": "Ada"}).json()
        invoice = session.post(url("/v1/invoices"), data={"customer": customer["id"]}).json()
        session.post(url(f"/v1/invoices/{invoice['id']}/add_lines"), json={"lines": [{"amount": AMOUNT}]})
        session.post(url(f"/v1/invoices/{invoice['id']}/finalize"))
        assert session.post(url(f"/v1/invoices/{invoice['id']}/pay"), data={"paid_out_of_band": "true"}).ok
    else:
        customer = session.post(
            url("/api/v1/customers/create"), json={"merchant_customer_id": "c", "name": "Ada", "email": "a@b.co"}
        ).json()
        invoice = session.post(
            url("/api/v1/invoices/create"),
            json={"customer_id": customer["id"], "currency": "USD", "total_amount": AMOUNT},
        ).json()
        acceptance = {"type": "online", "accepted_at": "2020-01-01T00:00:00Z", "online": ONLINE}
        paid = session.post(
            url(f"/api/v1/invoices/{invoice['id']}/pay"), json={"mandate_data": {"customer_acceptance": acceptance}}
        )
        assert paid.json().get("status") == "paid", paid.text
    return str(invoice["id"])


def problems(books: Books, invoice_id: str, *, authentic: bool) -> list[str]:
    """What is wrong with the app's state after the deliveries: the verdict on the handler."""
    if not authentic:
        return [f"accepted a post that is not the provider's: {books.status}"] if books.status else []
    found = []
    if books.booked.get(invoice_id) != AMOUNT:
        found.append(f"booked {books.booked.get(invoice_id)} for an invoice of {AMOUNT}")
    if books.status.get(invoice_id) != "paid":
        found.append(f"shows the paid invoice as {books.status.get(invoice_id)}")
    return found


def run(double: Double, handler: Any, fault: str | None) -> list[str]:
    if fault is not None:
        double.inject(fault)
    double.webhooks.time_scale = 0.000001  # a correct handler refusing forged posts sees the whole schedule
    double.webhooks.deliver_to(handler)
    if isinstance(handler, CorrectHandler):
        # What the app is configured with: the endpoint's signing secret, or the provider's public key.
        handler.secret = double.webhooks.secret
        handler.public_key = double.webhooks.public_key
    invoice_id = pay_an_invoice(double)
    double.webhooks.flush()
    return problems(handler.books, invoice_id, authentic=fault not in FORGED)


@pytest.mark.parametrize(("fault", "provider"), CASES)
def test_naive_handler_is_caught(fault: str, provider: str, provider_double: Any) -> None:
    assert run(provider_double(provider), NaiveHandler(), fault) != []


@pytest.mark.parametrize(("fault", "provider"), CASES)
def test_correct_handler_passes(fault: str, provider: str, provider_double: Any) -> None:
    assert run(provider_double(provider), CorrectHandler(), fault) == []


@pytest.mark.parametrize("provider", ["wooshpay", "useepay"])
def test_naive_handler_passes_without_a_fault(provider: str, provider_double: Any) -> None:
    assert run(provider_double(provider), NaiveHandler(), None) == []
