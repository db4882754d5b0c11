"""The WooshPay operations issue 16 added, over real HTTP: subscriptions and the invoices they bill, the
invoice lines endpoint, price and customer updates, and form-encoded bodies (Stripe's bracket keys)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.core.form import FormError, decode, encode
from conformance.providers.wooshpay import PROVIDER
from conformance.targets.double_server import RunningDouble, running_double
from tests.sandboxes.test_wooshpay_double import Client, violations_of

SPEC = PROVIDER.spec
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def double() -> Iterator[RunningDouble]:
    with running_double("wooshpay", seed=7) as running:
        yield running


@pytest.fixture
def client(double: RunningDouble) -> Client:
    return Client(double)


def _plan(client: Client, unit_amount: int = 1200, interval: str = "month") -> str:
    product = client.ok("createProduct", json={"name": "Plan"})["id"]
    recurring = {"interval": interval}
    body = {"product": product, "currency": "usd", "unit_amount": unit_amount, "recurring": recurring}
    return client.ok("createPrice", json=body)["id"]


def _form_post(client: Client, path: str, body: dict[str, Any]) -> requests.Response:
    return client.session.post(client.base_url + path, data=encode(body), headers=FORM, timeout=30)


# -- the invoice lines endpoint -----------------------------------------------------------------------


def test_lines_11_and_12_of_a_12_line_invoice_are_reachable(client: Client) -> None:
    customer = client.customer()
    invoice = client.draft(customer, [{"amount": 100 + n, "description": f"L{n}"} for n in range(1, 13)])
    embedded = client.ok("retrieveInvoice", invoice)["lines"]
    assert (len(embedded["data"]), embedded["has_more"]) == (10, True)
    # What a Stripe SDK does with invoice.lines: follow `url` after the last embedded line.
    response = client.session.get(
        client.base_url + embedded["url"], params={"starting_after": embedded["data"][-1]["id"]}, timeout=30
    )
    assert response.status_code == 200, response.text
    assert violations_of("listInvoiceLines", response) == []
    page = response.json()
    assert [line["description"] for line in page["data"]] == ["L11", "L12"]
    assert page["has_more"] is False
    backwards = client.ok("listInvoiceLines", invoice, params={"ending_before": page["data"][0]["id"], "limit": 3})
    assert [line["description"] for line in backwards["data"]] == ["L8", "L9", "L10"]


def test_lines_of_a_short_invoice_fit_one_page_and_unknown_invoices_answer_404(client: Client) -> None:
    invoice = client.draft(client.customer(), [{"amount": 5, "description": "only"}])
    page = client.ok("listInvoiceLines", invoice)
    assert ([line["description"] for line in page["data"]], page["has_more"]) == (["only"], False)
    assert client.call("listInvoiceLines", "in_missing").status_code == 404


def test_pagination_fault_on_lines_is_visible(double: RunningDouble) -> None:
    with running_double("wooshpay", faults=["pagination_skips"], seed=7) as faulty:
        client = Client(faulty)
        invoice = client.draft(client.customer(), [{"amount": 1, "description": f"L{n}"} for n in range(4)])
        first = client.ok("listInvoiceLines", invoice, params={"limit": 2})
        second = client.ok("listInvoiceLines", invoice, params={"limit": 2, "starting_after": first["data"][-1]["id"]})
        assert [line["description"] for line in first["data"] + second["data"]] != ["L0", "L1", "L2", "L3"]


# -- subscriptions and the invoices they bill ---------------------------------------------------------


def test_charged_subscription_bills_a_paid_first_invoice(client: Client) -> None:
    customer = client.customer(payment_method="pm_card_visa")
    price = _plan(client, 1200)
    subscription = client.ok(
        "createSubscription", json={"customer": customer, "items": [{"price": price, "quantity": 3}]}
    )
    assert (subscription["id"][:4], subscription["status"], subscription["object"]) == (
        "sub_",
        "active",
        "subscription",
    )
    invoice = client.ok("retrieveInvoice", subscription["latest_invoice"])
    assert (invoice["status"], invoice["subscription"], invoice["billing_reason"]) == (
        "paid",
        subscription["id"],
        "subscription_create",
    )
    assert invoice["total"] == invoice["amount_paid"] == 3600
    (line,) = invoice["lines"]["data"]
    assert (line["type"], line["subscription_item"], line["quantity"]) == (
        "subscription",
        subscription["items"]["data"][0]["id"],
        3,
    )
    assert line["period"] == {"start": subscription["current_period_start"], "end": subscription["current_period_end"]}
    listed = client.ok("listInvoices", params={"subscription": subscription["id"]})
    assert [i["id"] for i in listed["data"]] == [invoice["id"]]
    assert client.ok("retrieveSubscription", subscription["id"]) == subscription


def test_subscription_without_payment_method_stays_incomplete_with_an_open_invoice(client: Client) -> None:
    customer = client.customer()
    subscription = client.ok("createSubscription", json={"customer": customer, "items": [{"price": _plan(client)}]})
    assert subscription["status"] == "incomplete"
    assert client.ok("retrieveInvoice", subscription["latest_invoice"])["status"] == "open"


def test_send_invoice_and_trial_subscriptions(client: Client) -> None:
    customer = client.customer()
    price = _plan(client, 500)
    sent = client.ok(
        "createSubscription",
        json={
            "customer": customer,
            "items": [{"price": price}],
            "collection_method": "send_invoice",
            "days_until_due": 7,
        },
    )
    invoice = client.ok("retrieveInvoice", sent["latest_invoice"])
    assert (sent["status"], invoice["status"], invoice["amount_due"]) == ("active", "open", 500)
    assert invoice["due_date"] == invoice["created"] + 7 * 86_400
    trial = client.ok(
        "createSubscription", json={"customer": customer, "items": [{"price": price}], "trial_period_days": 14}
    )
    trial_invoice = client.ok("retrieveInvoice", trial["latest_invoice"])
    assert (trial["status"], trial_invoice["status"], trial_invoice["total"]) == ("trialing", "paid", 0)
    assert trial["trial_end"] == trial["current_period_end"] == trial["created"] + 14 * 86_400


def test_subscription_requests_the_docs_forbid_are_refused(client: Client) -> None:
    customer = client.customer()
    one_time = client.ok("createPrice", json={"currency": "usd", "unit_amount": 5, "product_data": {"name": "x"}})["id"]
    price = _plan(client)
    refused = [
        {"customer": customer, "items": [{"price": one_time}]},  # not a recurring price
        {"customer": customer, "items": [{"price": price, "price_data": {}}]},  # both price and price_data
        {"customer": customer, "items": []},
        {"customer": "cus_missing", "items": [{"price": price}]},
        {"customer": customer, "items": [{"price": price}], "days_until_due": 3},  # charge_automatically
    ]
    for body in refused:
        assert client.call("createSubscription", json=body).status_code == 400, body
    assert (
        client.call("createSubscription", json={"customer": customer, "items": [{"price": price}]}).status_code == 200
    )


def test_update_list_and_cancel_subscriptions(client: Client) -> None:
    customer = client.customer(payment_method="pm_card_visa")
    price, other = _plan(client), _plan(client, 300)
    first = client.ok("createSubscription", json={"customer": customer, "items": [{"price": price}]})
    second = client.ok("createSubscription", json={"customer": customer, "items": [{"price": other}]})
    item = first["items"]["data"][0]["id"]
    updated = client.ok(
        "updateSubscription",
        first["id"],
        json={
            "items": [{"id": item, "quantity": 4}, {"price": other}],
            "metadata": {"k": "v"},
            "cancel_at_period_end": True,
        },
    )
    assert [(i["price"]["id"], i["quantity"]) for i in updated["items"]["data"]] == [(price, 4), (other, 1)]
    assert (updated["metadata"], updated["cancel_at"]) == ({"k": "v"}, updated["current_period_end"])
    assert client.call("updateSubscription", first["id"], json={"items": [{"id": "si_missing"}]}).status_code == 400
    listed = client.ok("listSubscriptions", params={"customer": customer})
    assert [s["id"] for s in listed["data"]] == [second["id"], first["id"]]
    assert [s["id"] for s in client.ok("listSubscriptions", params={"price": price})["data"]] == [first["id"]]
    canceled = client.ok("cancelSubscription", first["id"])
    assert canceled["status"] == "canceled"
    assert canceled["canceled_at"] == canceled["ended_at"] is not None
    assert client.call("cancelSubscription", first["id"]).status_code == 400
    assert client.call("updateSubscription", first["id"], json={"description": "x"}).status_code == 400


def test_illegal_transition_fault_lets_a_canceled_subscription_be_canceled_again() -> None:
    with running_double("wooshpay", faults=["illegal_transition_accepted"], seed=7) as faulty:
        client = Client(faulty)
        customer = client.customer()
        subscription = client.ok("createSubscription", json={"customer": customer, "items": [{"price": _plan(client)}]})
        client.ok("cancelSubscription", subscription["id"])
        assert client.call("cancelSubscription", subscription["id"]).status_code == 200


# -- products and subscription items (issue 22's sidebar operations) ---------------------------------


def test_products_are_retrieved_updated_and_listed_newest_first(client: Client) -> None:
    first = client.ok("createProduct", json={"name": "First", "metadata": {"a": "1", "b": "2"}})
    second = client.ok("createProduct", json={"name": "Second"})
    assert client.ok("retrieveProduct", first["id"]) == first
    updated = client.ok(
        "updateProduct", first["id"], json={"name": "Renamed", "active": False, "metadata": {"a": "", "c": "3"}}
    )
    assert (updated["name"], updated["active"], updated["metadata"]) == ("Renamed", False, {"b": "2", "c": "3"})
    assert updated["created"] == first["created"]
    assert client.ok("retrieveProduct", first["id"]) == updated
    page = client.ok("listProducts", params={"limit": 1})
    assert ([p["id"] for p in page["data"]], page["has_more"]) == ([second["id"]], True)
    rest = client.ok("listProducts", params={"starting_after": second["id"]})
    assert [p["id"] for p in rest["data"]] == [first["id"]]
    assert client.call("retrieveProduct", "prod_missing").status_code == 404
    assert client.call("updateProduct", "prod_missing", json={"name": "x"}).status_code == 404


def test_subscription_items_are_added_read_and_removed(client: Client) -> None:
    customer = client.customer(payment_method="pm_card_visa")
    price, other = _plan(client), _plan(client, 300)
    subscription = client.ok("createSubscription", json={"customer": customer, "items": [{"price": price}]})
    added = client.ok(
        "createSubscriptionItem", json={"subscription": subscription["id"], "price": other, "quantity": 3}
    )
    assert (added["object"], added["subscription"], added["quantity"]) == ("subscription_item", subscription["id"], 3)
    assert client.ok("retrieveSubscriptionItem", added["id"]) == added
    items = client.ok("retrieveSubscription", subscription["id"])["items"]["data"]
    assert [i["id"] for i in items][-1] == added["id"]
    deleted = client.ok("deleteSubscriptionItem", added["id"])
    assert deleted == {"id": added["id"], "object": "subscription_item", "deleted": True}
    assert client.call("retrieveSubscriptionItem", added["id"]).status_code == 404
    remaining = client.ok("retrieveSubscription", subscription["id"])["items"]["data"]
    assert [i["id"] for i in remaining] == [i["id"] for i in items[:-1]]


def test_subscription_item_requests_stripe_refuses_are_refused(client: Client) -> None:
    customer = client.customer(payment_method="pm_card_visa")
    price = _plan(client)
    subscription = client.ok("createSubscription", json={"customer": customer, "items": [{"price": price}]})
    only = subscription["items"]["data"][0]["id"]
    # The last item cannot go: a subscription without items is a canceled one.
    assert client.call("deleteSubscriptionItem", only).status_code == 400
    yearly = _plan(client, interval="year")
    assert (
        client.call("createSubscriptionItem", json={"subscription": subscription["id"], "price": yearly}).status_code
        == 400
    )
    both = {"subscription": subscription["id"], "price": price, "price_data": {"currency": "usd"}}
    assert client.call("createSubscriptionItem", json=both).status_code == 400
    # An unknown id in the body is a bad parameter (400 resource_missing), as for every Stripe reference.
    missing = client.call("createSubscriptionItem", json={"subscription": "sub_missing", "price": price})
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "resource_missing")
    assert client.call("deleteSubscriptionItem", "si_missing").status_code == 404
    # An id holding a "?" (sent as %3F) is an unknown id, not the list path plus a query.
    assert client.session.get(client.base_url + "/v1/subscription_items/%3Fsi", timeout=30).status_code == 404
    client.ok("cancelSubscription", subscription["id"])
    after = client.call("createSubscriptionItem", json={"subscription": subscription["id"], "price": price})
    assert after.status_code == 400


def test_price_data_of_added_invoice_items_and_of_updated_items(client: Client) -> None:
    customer = client.customer(payment_method="pm_card_visa")
    product = client.ok("createProduct", json={"name": "Setup"})["id"]
    subscription = client.ok(
        "createSubscription",
        json={
            "customer": customer,
            "items": [{"price": _plan(client)}],
            "add_invoice_items": [{"price_data": {"currency": "usd", "product": product, "unit_amount": 500}}],
        },
    )
    invoice = client.ok("retrieveInvoice", subscription["latest_invoice"])
    assert invoice["amount_due"] == 1200 + 500
    # The update page's price_data keys (active, nickname, tiers_mode, ...) are accepted.
    price_data = {
        "currency": "usd",
        "product": product,
        "unit_amount": 700,
        "recurring": {"interval": "month", "usage_type": "licensed"},
        "nickname": "Gold",
        "active": True,
        "billing_scheme": "per_unit",
        "tiers_mode": "volume",
    }
    updated = client.ok("updateSubscription", subscription["id"], json={"items": [{"price_data": price_data}]})
    assert [i["price"]["unit_amount"] for i in updated["items"]["data"]] == [1200, 700]


# -- prices and customers -----------------------------------------------------------------------------


def test_retrieve_and_update_price_and_customer(client: Client) -> None:
    price = _plan(client)
    updated = client.ok("updatePrice", price, json={"nickname": "Gold", "active": False, "metadata": {"tier": "1"}})
    assert (updated["nickname"], updated["active"], updated["metadata"]) == ("Gold", False, {"tier": "1"})
    assert client.ok("retrievePrice", price) == updated
    assert client.call("retrievePrice", "price_missing").status_code == 404
    customer = client.customer(metadata={"a": "1", "b": "2"})
    changed = client.ok("updateCustomer", customer, json={"email": "new@example.com", "metadata": {"a": ""}})
    assert (changed["email"], changed["metadata"]) == ("new@example.com", {"b": "2"})
    assert client.ok("retrieveCustomer", customer) == changed
    assert client.call("updateCustomer", "cus_missing", json={}).status_code == 404


# -- form-encoded bodies ------------------------------------------------------------------------------


def test_a_form_encoding_client_creates_a_subscription_with_nested_keys(client: Client) -> None:
    customer = _form_post(
        client, "/v1/customers", {"name": "Form", "metadata": {"plan": "gold"}, "payment_method": "pm_card_visa"}
    )
    assert customer.status_code == 200, customer.text
    assert customer.json()["metadata"] == {"plan": "gold"}
    product = _form_post(client, "/v1/products", {"name": "Form plan"}).json()["id"]
    price = _form_post(
        client,
        "/v1/prices",
        {
            "product": product,
            "currency": "usd",
            "unit_amount": 700,
            "recurring": {"interval": "month", "interval_count": 1},
        },
    )
    assert price.status_code == 200, price.text
    assert (price.json()["unit_amount"], price.json()["recurring"]["interval_count"]) == (700, 1)
    # items[0][price]=...&items[0][quantity]=2, exactly what Stripe's SDKs send.
    raw = f"customer={customer.json()['id']}&items[0][price]={price.json()['id']}&items[0][quantity]=2"
    subscription = client.session.post(client.base_url + "/v1/subscriptions", data=raw, headers=FORM, timeout=30)
    assert subscription.status_code == 200, subscription.text
    assert violations_of("createSubscription", subscription) == []
    assert subscription.json()["items"]["data"][0]["quantity"] == 2
    assert client.ok("retrieveInvoice", subscription.json()["latest_invoice"])["total"] == 1400


def test_form_bodies_are_validated_like_json_ones(client: Client) -> None:
    customer = client.customer()
    bad = [
        "customer=" + customer + "&items[0][quantity]=two",  # no price, quantity not an integer
        "customer[x]=1&customer=2",  # a key that is both a value and an object
        "%ZZ=1",
    ]
    for raw in bad:
        response = client.session.post(client.base_url + "/v1/subscriptions", data=raw, headers=FORM, timeout=30)
        assert response.status_code == 400, raw
        assert violations_of("createSubscription", response) == []


# An empty object has no form encoding at all (nor on Stripe), so metadata has at least one key.
metadata = st.dictionaries(st.text("abcxyz_", min_size=1, max_size=5), st.text(max_size=8), min_size=1, max_size=3)
body = st.fixed_dictionaries(
    {
        "customer": st.text("abc", min_size=1, max_size=4),
        "items": st.lists(
            st.fixed_dictionaries({"price": st.text("pr", min_size=1, max_size=3), "quantity": st.integers(0, 99)}),
            min_size=1,
            max_size=3,
        ),
    },
    optional={
        "metadata": metadata,
        "trial_period_days": st.integers(1, 730),
        "default_payment_method": st.none() | st.text("pm", min_size=1),
    },
)


def _deref(node: Any) -> Any:
    if isinstance(node, dict) and "$ref" in node:
        return SPEC.resolve(node["$ref"].removeprefix("#"))
    return node


@settings(max_examples=40, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(body)
def test_form_round_trip_gives_back_the_json_body(value: dict[str, Any]) -> None:
    schema = {"$ref": "#/components/schemas/CreateSubscriptionRequest"}
    # A metadata value "" clears the key on Stripe; the round trip keeps it as "" (metadata is not nullable).
    assert decode(encode(value).encode(), schema, _deref) == value


def test_unparseable_form_keys_are_refused() -> None:
    with pytest.raises(FormError):
        decode(b"[0]=1", {}, _deref)
