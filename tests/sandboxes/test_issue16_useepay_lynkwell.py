"""UseePay's subscriptions, mandates, payment methods and customer list, and Lynkwell's identity drivers,
over real HTTP against their doubles (issue 16's operations)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance.targets.double_server import running_double
from tests.sandboxes.test_lynkwell_double import Api, ok, refused
from tests.sandboxes.test_useepay_double import EXAMPLES, Client

RECURRING = {"interval": "month", "interval_count": 1, "unit_amount": 112, "total_billing_cycles": 10}
ACCEPTANCE = EXAMPLES["PayInvoiceRequestFromPayPage"]["value"]["mandate_data"]["customer_acceptance"]


@pytest.fixture
def useepay() -> Iterator[Client]:
    with running_double("useepay", seed=7) as running:
        yield Client(running)


@pytest.fixture
def lynkwell() -> Iterator[Api]:
    with running_double("lynkwell", seed=7) as running:
        yield Api(running)


def _subscription(client: Client, customer: str, **fields: Any) -> dict[str, Any]:
    body = {"customer_id": customer, "currency": "USD", "recurring": RECURRING, **fields}
    return client.ok("createSubscription", json=body)


# -- UseePay --------------------------------------------------------------------------------------


def test_subscription_bills_its_first_invoice_and_becomes_active_when_paid(useepay: Client) -> None:
    customer = useepay.customer()
    subscription = _subscription(useepay, customer, metadata={"sid": "0001"})
    assert subscription["status"] == "incomplete"
    assert subscription["first_invoice_id"] == subscription["latest_invoice"]
    # The documented object's key order.
    assert list(subscription) == list(EXAMPLES["SubscriptionObjectFromRetrievePage"]["value"])
    invoice = useepay.ok("retrieveInvoice", id=subscription["first_invoice_id"])
    assert (invoice["status"], invoice["subscription_id"], invoice["total_amount"]) == (
        "open",
        subscription["id"],
        112,
    )
    assert invoice["period_start"] == subscription["current_period_start"]
    assert invoice["period_end"] == subscription["current_period_end"]
    paid = useepay.ok("payInvoice", id=invoice["id"], json={"mandate_data": {"customer_acceptance": ACCEPTANCE}})
    assert paid["status"] == "paid"
    assert useepay.ok("retrieveSubscription", id=subscription["id"])["status"] == "active"


def test_subscription_stays_incomplete_when_its_invoice_payment_fails(useepay: Client) -> None:
    subscription = _subscription(useepay, useepay.customer())
    future = {**ACCEPTANCE, "accepted_at": "2999-01-01T00:00:00Z"}  # not yet accepted: the payment fails
    failed = useepay.ok(
        "payInvoice", id=subscription["first_invoice_id"], json={"mandate_data": {"customer_acceptance": future}}
    )
    assert failed["status"] == "payment_failed"
    assert useepay.ok("retrieveSubscription", id=subscription["id"])["status"] == "incomplete"


def test_update_list_and_cancel_subscriptions(useepay: Client) -> None:
    customer, other = useepay.customer(), useepay.customer()
    first = _subscription(useepay, customer)
    _subscription(useepay, other)
    updated = useepay.ok("updateSubscription", id=first["id"], json={"description": "new", "metadata": {"a": "b"}})
    assert (updated["description"], updated["metadata"]) == ("new", {"a": "b"})
    moved = useepay.call("updateSubscription", id=first["id"], json={"customer_id": other})
    assert moved.status_code == 400  # the Errors page's "failed another validation test"
    page = useepay.ok("listSubscriptions", params={"customer_id": customer})
    assert [s["id"] for s in page["items"]] == [first["id"]]
    assert useepay.ok("listSubscriptions", params={"page_size": 1, "page_num": 1})["has_more"] is False
    cancelled = useepay.ok("cancelSubscription", id=first["id"])
    assert cancelled["status"] == "cancelled"
    assert cancelled["canceled_at"] == cancelled["ended_at"] is not None
    assert useepay.call("cancelSubscription", id=first["id"]).status_code == 400
    assert useepay.call("updateSubscription", id=first["id"], json={"description": "x"}).status_code == 400
    assert useepay.call("retrieveSubscription", id="sub_missing").status_code == 404


def test_mandates_are_created_for_known_customers_and_listed(useepay: Client) -> None:
    customer = useepay.customer()
    body = {"customer_id": customer, "payment_intent_id": "1012411211459019141", "customer_acceptance": ACCEPTANCE}
    mandate = useepay.ok("createMandate", json=body)
    assert list(mandate) == list(EXAMPLES["MandateObjectFromCreatePage"]["value"])
    assert mandate["id"].startswith("man_")
    assert useepay.ok("listMandates", params={"customer_id": customer})["items"] == [mandate]
    assert useepay.ok("listMandates", params={"from_created_at": "2999-01-01T00:00:00Z"})["items"] == []
    missing = useepay.call("createMandate", json={**body, "customer_id": "cus_missing"})
    assert missing.status_code == 404


def test_customers_are_updated_and_listed_and_payment_methods_created(useepay: Client) -> None:
    customer = useepay.customer()
    updated = useepay.ok("updateCustomer", id=customer, json={"email": "new@example.com", "name": "New"})
    assert (updated["email"], updated["name"]) == ("new@example.com", "New")
    assert useepay.ok("retrieveCustomer", id=customer) == updated
    assert [c["id"] for c in useepay.ok("listCustomers")["items"]] == [customer]
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030}
    method = useepay.ok("createPaymentMethod", json={"type": "card", "customer_id": customer, "card": card})
    assert method["card"] == {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030}
    assert useepay.call("updateCustomer", id="cus_missing", json={}).status_code == 404


# -- Lynkwell -------------------------------------------------------------------------------------


def test_drivers_are_created_listed_by_email_and_archived(lynkwell: Api) -> None:
    body = {"name": {"first": "Ada", "last": "Lovelace"}, "contactDetails": {"email": "ada@example.com"}}
    driver = ok(lynkwell.call("createDriver", body=body), "createDriver")["data"]
    assert driver["id"].startswith("drv_")
    other = {"name": {"first": "Bob", "last": "B"}, "contactDetails": {"email": "bob@example.com"}}
    ok(lynkwell.call("createDriver", body=other), "createDriver")
    found = ok(lynkwell.call("listDrivers", query={"email": "ADA@example.com"}), "listDrivers")["data"]
    assert [d["id"] for d in found["items"]] == [driver["id"]]
    archived = ok(lynkwell.call("archiveDriver", driverId=driver["id"]), "archiveDriver")["data"]
    assert (archived["name"], archived["contactDetails"], archived["physicalAddress"]) == (None, None, None)
    refused(lynkwell.call("archiveDriver", driverId="drv_missing"), "archiveDriver", 404)
    # The payment profile the billing API creates for a driver.
    profile = ok(lynkwell.call("createPaymentProfile", body={"driver": driver["id"]}), "createPaymentProfile")
    assert profile["data"]["driver"] == driver["id"]


def test_site_partner_attaches_to_a_known_driver_only(lynkwell: Api) -> None:
    driver = ok(lynkwell.call("createDriver", body={"name": {"first": "A", "last": "B"}}), "createDriver")["data"]
    body = {"sitePartnerId": "sp_1", "driverId": driver["id"]}
    attached = ok(lynkwell.call("attachSitePartner", body=body), "attachSitePartner")["data"]
    assert (attached["status"], attached["networkId"]) == ("ATTACHED", driver["network"])
    refused(
        lynkwell.call("attachSitePartner", body={"sitePartnerId": "sp_1", "driverId": "drv_x"}),
        "attachSitePartner",
        409,
    )
    refused(
        lynkwell.call("attachSitePartner", body={"sitePartnerId": "sp_1", "tokenId": "tok"}), "attachSitePartner", 409
    )
    # "Either tokenId or driverId must be provided, but not both" (the documented example sends both).
    both = {"sitePartnerId": "sp_1", "driverId": driver["id"], "tokenId": "tok"}
    refused(lynkwell.call("attachSitePartner", body=both), "attachSitePartner", 400)
