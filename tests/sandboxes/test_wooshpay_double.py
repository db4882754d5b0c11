"""The WooshPay double over real HTTP on 127.0.0.1: documented shapes, lifecycle, auth, errors, pagination,
every fault of the catalogue, and schemathesis against it.

All 18 faults apply to WooshPay (it documents a delete operation, a list operation and invoice lines), so
each has its own test below; none is listed as not applicable.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from conformance.checks.lifecycle import require_lifecycle
from conformance.checks.response_schema import response_violations
from conformance.core.kinds import Kind
from conformance.providers import get_provider
from conformance.providers.wooshpay import PROVIDER
from conformance.spec.validation import Violation
from conformance.targets.double_server import RunningDouble, running_double

SPEC = PROVIDER.spec
EXAMPLES = SPEC.document["components"]["examples"]
INVOICE_OPERATIONS_WITH_ID = (
    "retrieveInvoice",
    "deleteInvoice",
    "finalizeInvoice",
    "sendInvoice",
    "voidInvoice",
    "payInvoice",
    "addInvoiceLines",
)


class Client:
    """Calls the double by operationId, checking every answer against the spec unless told not to."""

    def __init__(self, running: RunningDouble, credentials: dict[str, str] | None = None) -> None:
        self.base_url = running.base_url
        self.session = requests.Session()
        if credentials is None:
            credentials = running.credentials
        self.session.auth = PROVIDER.auth(credentials, running.base_url) if credentials else None
        self.seen: set[str] = set()

    def call(
        self,
        operation_id: str,
        object_id: str | None = None,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        check: bool = True,
    ) -> requests.Response:
        operation = SPEC.operations[operation_id]
        path = operation.path.replace("{id}", object_id) if object_id is not None else operation.path
        response = self.session.request(operation.method, self.base_url + path, json=json, params=params, timeout=30)
        if check:
            assert violations_of(operation_id, response) == [], response.text
        self.seen.add(operation_id)
        return response

    def ok(self, operation_id: str, object_id: str | None = None, **kwargs: Any) -> Any:
        response = self.call(operation_id, object_id, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    # -- scenario builders --------------------------------------------------------------------

    def customer(self, **fields: Any) -> str:
        return self.ok("createCustomer", json={"name": "Ada", "email": "ada@example.com", **fields})["id"]

    def draft(self, customer: str, lines: list[dict[str, Any]] | None = None, **fields: Any) -> str:
        invoice = self.ok("createInvoice", json={"customer": customer, **fields})["id"]
        if lines:
            assert self.ok("addInvoiceLines", invoice, json={"lines": lines}) == {}
        return invoice

    def open_invoice(self, customer: str, amount: int = 1000, **fields: Any) -> str:
        invoice = self.draft(customer, [{"amount": amount, "description": "Work"}], **fields)
        assert self.ok("finalizeInvoice", invoice)["status"] == "open"
        return invoice

    def paid_invoice(self, customer: str) -> str:
        invoice = self.open_invoice(customer)
        assert self.ok("payInvoice", invoice, json={"paid_out_of_band": True})["status"] == "paid"
        return invoice

    def walk(self, limit: int, **filters: str) -> tuple[list[str], list[bool]]:
        """Every page of listInvoices with starting_after: the ids in order and each page's has_more."""
        ids: list[str] = []
        more: list[bool] = []
        params: dict[str, Any] = {"limit": limit, **filters}
        for _ in range(50):
            page = self.ok("listInvoices", params=params)
            ids += [invoice["id"] for invoice in page["data"]]
            more.append(page["has_more"])
            if not page["has_more"] or not page["data"]:
                break
            params["starting_after"] = page["data"][-1]["id"]
        return ids, more


def violations_of(operation_id: str, response: requests.Response) -> list[Violation]:
    assert response.headers["Content-Type"].startswith("application/json")
    found = response_violations(SPEC, SPEC.operations[operation_id], response.status_code, response.json())
    assert found is not None, f"{operation_id} does not document status {response.status_code}"
    return found


def kinds_at(found: list[Violation]) -> set[tuple[Kind, str]]:
    return {(violation.kind, violation.pointer) for violation in found}


@pytest.fixture
def double() -> Iterator[RunningDouble]:
    with running_double("wooshpay", seed=7) as running:
        yield running


@pytest.fixture
def client(double: RunningDouble) -> Client:
    return Client(double)


def faulty(*faults: str) -> Any:
    return running_double("wooshpay", faults=list(faults), seed=7)


# -- documented operations and shapes -----------------------------------------------------------------


def test_every_operation_answers_its_documented_shape(client: Client) -> None:
    customer = client.ok(
        "createCustomer",
        json={
            "name": "Ada",
            "email": "ada@example.com",
            "address": {"city": "London", "country": "GB"},
            "shipping": {"name": "Ada", "address": {"line1": "1 Main St"}},
            "metadata": {"tier": "gold"},
            "payment_method": "pm_card_visa",
        },
    )
    assert customer["id"].startswith("cus_")
    assert customer["object"] == "customer"
    assert customer["address"] == {
        "city": "London",
        "country": "GB",
        "line1": None,
        "line2": None,
        "postal_code": None,
        "state": None,
    }
    assert client.ok("retrieveCustomer", customer["id"]) == customer

    product = client.ok("createProduct", json={"name": "Consulting", "url": "www.example.com"})
    assert (product["id"][:5], product["object"], product["images"]) == ("prod_", "product", None)
    price = client.ok("createPrice", json={"currency": "usd", "unit_amount": 1500, "product": product["id"]})
    assert (price["id"][:6], price["currency"], price["type"], price["recurring"]) == (
        "price_",
        "USD",
        "one_time",
        None,
    )
    assert list(price) == [key for key in EXAMPLES["PriceObjectFromUpdatePricePage"]["value"] if key != "tiers"] + [
        "recurring"
    ]

    invoice = client.ok("createInvoice", json={"customer": customer["id"], "collection_method": "send_invoice"})
    documented_invoice = list(EXAMPLES["InvoiceObjectFromDeletePage"]["value"])
    # The documented key order, plus amount_remaining (part of WooshPay's Invoice component).
    assert [key for key in invoice if key != "amount_remaining"] == documented_invoice
    assert (invoice["id"][:3], invoice["object"], invoice["status"]) == ("in_", "invoice", "draft")

    item = client.ok(
        "createInvoiceItem", json={"customer": customer["id"], "invoice": invoice["id"], "price": price["id"]}
    )
    assert list(item) == list(EXAMPLES["InvoiceItemFromRetrievePage"]["value"])
    assert (item["id"][:3], item["object"], item["price"]) == ("ii_", "invoiceitem", price)
    assert client.ok("retrieveInvoiceItem", item["id"]) == item
    assert client.ok("addInvoiceLines", invoice["id"], json={"lines": [{"unit_amount": 250, "quantity": 2}]}) == {}

    retrieved = client.ok("retrieveInvoice", invoice["id"])
    line = retrieved["lines"]["data"][0]
    documented_line = EXAMPLES["InvoiceObjectFromDeletePage"]["value"]["lines"]["data"][0]
    assert list(line) == list(documented_line)
    assert (line["id"][:3], line["object"], line["invoice_item"]) == ("il_", "line_item", item["id"])

    client.ok("finalizeInvoice", invoice["id"])
    client.ok("sendInvoice", invoice["id"])
    client.ok("payInvoice", invoice["id"])
    client.ok("voidInvoice", client.open_invoice(customer["id"]))
    deleted = client.ok("deleteInvoice", client.draft(customer["id"]))
    assert deleted["deleted"] is True
    assert client.ok("listInvoices")["object"] == "list"

    # Issue 16's operations (behaviour in test_wooshpay_surface.py).
    assert client.ok("updateCustomer", customer["id"], json={"name": "Ada L."})["name"] == "Ada L."
    assert client.ok("retrievePrice", price["id"]) == price
    assert client.ok("updatePrice", price["id"], json={"nickname": "n"})["nickname"] == "n"
    assert client.ok("listInvoiceLines", invoice["id"])["url"] == f"/v1/invoices/{invoice['id']}/lines"
    recurring = {"currency": "usd", "unit_amount": 100, "product": product["id"], "recurring": {"interval": "month"}}
    plan = client.ok("createPrice", json=recurring)
    subscription = client.ok("createSubscription", json={"customer": customer["id"], "items": [{"price": plan["id"]}]})
    assert client.ok("retrieveSubscription", subscription["id"]) == subscription
    client.ok("updateSubscription", subscription["id"], json={"metadata": {"k": "v"}})
    assert client.ok("listSubscriptions")["data"][0]["id"] == subscription["id"]
    # Issue 22's sidebar operations (behaviour in test_wooshpay_surface.py).
    assert client.ok("retrieveProduct", product["id"]) == product
    assert client.ok("updateProduct", product["id"], json={"name": "Advice"})["name"] == "Advice"
    assert client.ok("listProducts")["data"][0]["id"] == product["id"]
    added = client.ok("createSubscriptionItem", json={"subscription": subscription["id"], "price": plan["id"]})
    assert client.ok("retrieveSubscriptionItem", added["id"]) == added
    assert client.ok("deleteSubscriptionItem", added["id"])["deleted"] is True
    assert client.ok("cancelSubscription", subscription["id"])["status"] == "canceled"
    # Issue 27's webhook endpoints (delivery in tests/webhooks/).
    endpoint = client.ok("CreateWebhookEndpoint", json={"url": "https://example.com/hook", "enabled_events": ["*"]})
    assert endpoint["secret"].startswith("whsec_")
    assert client.ok("RetrieveWebhookEndpoint", endpoint["id"])["url"] == "https://example.com/hook"
    assert client.ok("UpdateWebhookEndpoint", endpoint["id"], json={"enabled_events": ["invoice.paid"]})[
        "enabled_events"
    ] == ["invoice.paid"]
    assert client.ok("ListWebhookEndpoints")["data"][0]["id"] == endpoint["id"]
    assert client.ok("DeleteWebhookEndpoint", endpoint["id"])["deleted"] is True
    assert client.seen == set(SPEC.operations)


def test_full_lifecycle_with_totals_from_lines(client: Client) -> None:
    customer = client.customer(payment_method="pm_card_visa")
    price = client.ok("createPrice", json={"currency": "eur", "unit_amount": 700, "product_data": {"name": "Seat"}})
    pending = client.ok("createInvoiceItem", json={"customer": customer, "price": price["id"], "quantity": 3})
    assert pending["invoice"] is None

    # The pending item joins the customer's next invoice, which takes its currency.
    draft = client.ok("createInvoice", json={"customer": customer, "collection_method": "send_invoice"})
    assert (draft["currency"], draft["total"], draft["amount_due"]) == ("EUR", 2100, 2100)
    assert client.ok("retrieveInvoiceItem", pending["id"])["invoice"] == draft["id"]
    lines = [{"amount": 500, "description": "Setup"}, {"unit_amount": 150, "quantity": 4, "currency": "eur"}]
    client.ok("addInvoiceLines", draft["id"], json={"lines": lines})
    draft = client.ok("retrieveInvoice", draft["id"])
    assert [line["amount"] for line in draft["lines"]["data"]] == [2100, 500, 600]
    assert draft["total"] == draft["amount_due"] == draft["amount_remaining"] == 3200
    assert draft["number"] is draft["hosted_invoice_url"] is draft["status_transitions"]["finalized_at"] is None
    assert draft["due_date"] == draft["created"] + 30 * 86_400

    opened = client.ok("finalizeInvoice", draft["id"])
    assert opened["status"] == "open"
    assert opened["number"].endswith("-0001")
    assert opened["hosted_invoice_url"].endswith(opened["id"])
    assert opened["payment_intent"].startswith("pi_")
    assert opened["status_transitions"]["finalized_at"] == opened["effective_at"] is not None
    assert client.ok("retrieveCustomer", customer)["next_invoice_sequence"] == 2
    assert client.ok("sendInvoice", draft["id"]) == opened

    paid = client.ok("payInvoice", draft["id"])
    assert (paid["status"], paid["paid"], paid["amount_paid"], paid["amount_remaining"]) == ("paid", True, 3200, 0)
    assert paid["charge"].startswith("ch_")
    assert paid["status_transitions"]["paid_at"] is not None
    assert client.ok("retrieveInvoice", draft["id"]) == paid

    voided = client.ok("voidInvoice", client.open_invoice(customer))
    assert voided["status"] == "void"
    assert voided["status_transitions"]["voided_at"] is not None

    doomed = client.draft(customer, [{"amount": 100}])
    doomed_item = client.ok("retrieveInvoice", doomed)["lines"]["data"][0]["invoice_item"]
    assert client.ok("deleteInvoice", doomed) == {"id": doomed, "object": "invoice", "deleted": True}
    assert client.call("retrieveInvoice", doomed).status_code == 404
    assert client.call("retrieveInvoiceItem", doomed_item).status_code == 404


def test_finalizing_an_invoice_with_nothing_due_marks_it_paid(client: Client) -> None:
    invoice = client.ok("finalizeInvoice", client.draft(client.customer()))
    assert (invoice["status"], invoice["paid"], invoice["amount_due"], invoice["payment_intent"]) == (
        "paid",
        True,
        0,
        None,
    )
    assert invoice["status_transitions"]["paid_at"] is not None


def test_pending_items_join_only_an_invoice_of_their_currency(client: Client) -> None:
    customer = client.customer()
    euros = client.ok("createInvoiceItem", json={"customer": customer, "amount": 900, "currency": "eur"})
    dollars = client.ok("createInvoice", json={"customer": customer, "currency": "usd"})
    assert dollars["lines"]["data"] == []
    assert client.ok("retrieveInvoiceItem", euros["id"])["invoice"] is None
    in_euros = client.ok("createInvoice", json={"customer": customer})
    assert [line["invoice_item"] for line in in_euros["lines"]["data"]] == [euros["id"]]


def test_invoice_embeds_the_first_ten_lines_and_totals_all_of_them(client: Client) -> None:
    invoice = client.draft(client.customer(), [{"amount": 100 + n} for n in range(12)])
    body = client.ok("retrieveInvoice", invoice)
    assert len(body["lines"]["data"]) == 10
    assert body["lines"]["has_more"] is True
    assert body["lines"]["url"] == f"/v1/invoices/{invoice}/lines"
    assert body["total"] == sum(100 + n for n in range(12))


@pytest.mark.parametrize(
    ("fields", "param", "code"),
    [
        ({"customer": "cus_missing", "amount": 100}, "customer", "resource_missing"),
        ({"amount": 100_000_000}, "amount", "amount_too_large"),
        ({"unit_amount": 10, "amount": 10}, "amount", "parameter_invalid"),
        ({"amount": 10, "quantity": 2}, "quantity", "parameter_invalid"),
        ({"description": "no amount"}, "amount", "parameter_missing"),
        ({"price": "price_missing"}, "price", "resource_missing"),
        ({"amount": 10, "subscription": "sub_1"}, "subscription", "resource_missing"),
    ],
)
def test_invoice_item_rules_answer_400(client: Client, fields: dict[str, Any], param: str, code: str) -> None:
    response = client.call("createInvoiceItem", json={"customer": client.customer(), **fields})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "type": "invalid_request_error",
        "code": code,
        "message": response.json()["error"]["message"],
        "param": param,
    }


def test_invoice_items_refuse_recurring_prices_and_other_currencies(client: Client) -> None:
    customer = client.customer()
    monthly = client.ok(
        "createPrice",
        json={
            "currency": "usd",
            "unit_amount": 500,
            "product_data": {"name": "Plan"},
            "recurring": {"interval": "month"},
        },
    )
    assert (monthly["type"], monthly["recurring"]["interval_count"]) == ("recurring", 1)
    response = client.call("createInvoiceItem", json={"customer": customer, "price": monthly["id"]})
    assert (response.status_code, response.json()["error"]["param"]) == (400, "price")
    invoice = client.draft(customer, currency="usd")
    response = client.call(
        "addInvoiceLines", invoice, json={"lines": [{"amount": 5}, {"amount": 5, "currency": "eur"}]}
    )
    assert (response.status_code, response.json()["error"]["param"]) == (400, "lines[1][currency]")
    assert client.ok("retrieveInvoice", invoice)["lines"]["data"] == []  # nothing added from a refused batch


def test_paying_needs_a_payment_method_and_a_decline_answers_402(client: Client) -> None:
    invoice = client.open_invoice(client.customer())
    response = client.call("payInvoice", invoice)
    assert (response.status_code, response.json()["error"]["param"]) == (400, "payment_method")
    declined = client.call("payInvoice", invoice, json={"payment_method": "pm_card_chargeDeclined"})
    assert declined.status_code == 402
    assert declined.json()["error"]["type"] == "card_error"
    assert client.ok("retrieveInvoice", invoice)["status"] == "open"
    assert client.ok("payInvoice", invoice, json={"payment_method": "pm_card_visa"})["status"] == "paid"


def test_idempotency_key_replays_the_first_answer_and_refuses_other_requests(client: Client) -> None:
    headers = {"Idempotency-Key": "key-1"}
    url = client.base_url + "/v1/customers"
    first = client.session.post(url, json={"name": "Ada"}, headers=headers, timeout=10)
    again = client.session.post(url, json={"name": "Ada"}, headers=headers, timeout=10)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = client.session.post(url, json={"name": "Bob"}, headers=headers, timeout=10)
    assert other.status_code == 409
    assert violations_of("createCustomer", other) == []
    assert other.json()["error"]["type"] == "idempotency_error"


def test_demo_data_holds_invoices_in_every_status() -> None:
    with running_double("wooshpay", seed=7, demo_data=True) as running:
        client = Client(running)
        invoices = client.ok("listInvoices", params={"limit": 100})["data"]
    assert {invoice["status"] for invoice in invoices} == {"draft", "open", "paid", "void"}
    assert all(invoice["total"] == sum(line["amount"] for line in invoice["lines"]["data"]) for invoice in invoices)


# -- auth, unknown ids, illegal transitions ---------------------------------------------------------------


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"WOOSHPAY_API_KEY": "sk_test_wrong"},
        {"WOOSHPAY_API_KEY": "sk_test_conformance", "WOOSHPAY_API_SECRET": "x"},
    ],
    ids=["none", "wrong-key", "unexpected-password"],
)
@pytest.mark.parametrize(("operation_id", "object_id"), [("listInvoices", None), ("retrieveInvoice", "in_1")])
def test_missing_or_wrong_credentials_answer_401(
    double: RunningDouble, credentials: dict[str, str], operation_id: str, object_id: str | None
) -> None:
    response = Client(double, credentials).call(operation_id, object_id)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_a_configured_secret_is_the_password() -> None:
    credentials = {"WOOSHPAY_API_KEY": "sk_test_key", "WOOSHPAY_API_SECRET": "s3cret"}
    with running_double("wooshpay", credentials=credentials) as running:
        assert Client(running).call("listInvoices").status_code == 200
        assert Client(running, {"WOOSHPAY_API_KEY": "sk_test_key"}).call("listInvoices").status_code == 401


@pytest.mark.parametrize("operation_id", [*INVOICE_OPERATIONS_WITH_ID, "retrieveInvoiceItem", "retrieveCustomer"])
def test_unknown_ids_answer_404(client: Client, operation_id: str) -> None:
    body = {"lines": [{"amount": 1}]} if operation_id == "addInvoiceLines" else None
    response = client.call(operation_id, "in_doesnotexist", json=body)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"


# Every forbidden (status, action) of the spec's x-lifecycle the client can reach and call by invoice id.
FORBIDDEN = [
    (state, rule.key)
    for state, rule in require_lifecycle(get_provider("wooshpay").spec).cells()
    if not rule.allows(state) and state in ("draft", "open", "paid", "void") and rule.key != "createInvoiceItem"
]


@pytest.mark.parametrize(("status", "operation_id"), FORBIDDEN)
def test_illegal_transitions_answer_400(client: Client, status: str, operation_id: str) -> None:
    customer = client.customer()
    invoice = {
        "draft": lambda: client.draft(customer),
        "open": lambda: client.open_invoice(customer),
        "paid": lambda: client.paid_invoice(customer),
        "void": lambda: client.ok("voidInvoice", client.open_invoice(customer))["id"],
    }[status]()
    body = {"lines": [{"amount": 1}]} if operation_id == "addInvoiceLines" else None
    response = client.call(operation_id, invoice, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invoice_unexpected_state"
    assert client.ok("retrieveInvoice", invoice)["status"] == status


def test_only_send_invoice_invoices_can_be_sent(client: Client) -> None:
    response = client.call("sendInvoice", client.open_invoice(client.customer()))
    assert response.status_code == 400
    assert "send_invoice" in response.json()["error"]["message"]


# -- lists and pagination -------------------------------------------------------------------------------


def test_pagination_walks_every_invoice_newest_first(client: Client) -> None:
    customer = client.customer()
    created = [client.draft(customer) for _ in range(23)]
    ids, more = client.walk(limit=5)
    assert ids == created[::-1]
    assert more == [True, True, True, True, False]
    back = client.ok("listInvoices", params={"limit": 5, "ending_before": created[4]})
    assert [invoice["id"] for invoice in back["data"]] == created[9:4:-1]
    assert client.ok("listInvoices")["data"] == [client.ok("retrieveInvoice", i) for i in created[:-11:-1]]


def test_list_filters_by_customer(client: Client) -> None:
    ada, bob = client.customer(), client.customer(name="Bob")
    mine = [client.draft(ada), client.draft(ada)]
    client.draft(bob)
    assert client.walk(limit=1, customer=ada)[0] == mine[::-1]
    assert client.ok("listInvoices", params={"subscription": "sub_1"})["data"] == []


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"starting_after": "in_unknown"}, {"unknown": "1"}],
)
def test_bad_list_parameters_answer_400(client: Client, params: dict[str, Any]) -> None:
    response = client.call("listInvoices", params=params)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


# -- faults (one test per fault of the catalogue) ---------------------------------------------------------


def invoice_under(fault: str) -> tuple[dict[str, Any], list[Violation]]:
    """An invoice created by a double showing `fault`, with its violations of the spec."""
    with faulty(fault) as running:
        client = Client(running)
        customer = client.call("createCustomer", json={}, check=False).json()["id"]
        response = client.call("createInvoice", json={"customer": customer}, check=False)
        listed = client.call("listInvoices", check=False).json()["data"][0]
    assert listed == response.json()  # lists show the fault too
    return response.json(), violations_of("createInvoice", response)


def test_fault_field_removed() -> None:
    invoice, found = invoice_under("field_removed")
    assert "customer" not in invoice
    assert kinds_at(found) == {(Kind.MISSING_FIELD, "/customer")}


def test_fault_field_retyped() -> None:
    invoice, found = invoice_under("field_retyped")
    assert invoice["amount_due"] == "0"
    assert kinds_at(found) == {(Kind.TYPE_MISMATCH, "/amount_due")}


def test_fault_field_renamed() -> None:
    invoice, found = invoice_under("field_renamed")
    assert "number" not in invoice
    assert "invoice_number" in invoice
    assert kinds_at(found) == {(Kind.MISSING_FIELD, "/number"), (Kind.UNDOCUMENTED_FIELD, "/invoice_number")}


def test_fault_field_added() -> None:
    invoice, found = invoice_under("field_added")
    assert invoice["amount_shipping"] == 0
    assert kinds_at(found) == {(Kind.UNDOCUMENTED_FIELD, "/amount_shipping")}


def test_fault_enum_value_added() -> None:
    invoice, found = invoice_under("enum_value_added")
    assert invoice["status"] == "processing"
    assert kinds_at(found) == {(Kind.ENUM_VIOLATION, "/status")}


def test_fault_null_not_nullable() -> None:
    invoice, found = invoice_under("null_not_nullable")
    assert invoice["created"] is None
    assert kinds_at(found) == {(Kind.NULLABILITY, "/created")}


def test_fault_wrong_success_status() -> None:
    with faulty("wrong_success_status") as running:
        client = Client(running)
        assert client.call("createCustomer", json={}, check=False).status_code == 202
        assert client.call("listInvoices", check=False).status_code == 202
        assert client.call("retrieveInvoice", "in_unknown").status_code == 404  # errors keep their status


def test_fault_wrong_content_type() -> None:
    with faulty("wrong_content_type") as running:
        response = Client(running).call("listInvoices", check=False)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")


def test_fault_server_error() -> None:
    with faulty("server_error") as running:
        client = Client(running)
        customer = client.ok("createCustomer", json={})["id"]
        response = client.call("createInvoice", json={"customer": customer})
        assert response.status_code == 500
        assert response.json()["error"]["type"] == "api_error"
        assert client.ok("listInvoices")["data"] == []  # nothing was created


def test_fault_auth_not_enforced() -> None:
    with faulty("auth_not_enforced") as running:
        assert Client(running, {}).call("listInvoices").status_code == 200
        assert Client(running, {"WOOSHPAY_API_KEY": "sk_test_wrong"}).call("listInvoices").status_code == 200


def test_fault_rate_limited() -> None:
    with faulty("rate_limited") as running:
        client = Client(running)
        limited = [client.call("listInvoices") for _ in range(3)]
        assert [(r.status_code, r.headers["Retry-After"]) for r in limited] == [(429, "1")] * 3
        assert client.call("listInvoices").status_code == 200


def test_fault_slow_responses() -> None:
    with faulty("slow_responses") as running:
        started = time.monotonic()
        assert Client(running).call("listInvoices").status_code == 200
    assert time.monotonic() - started >= 1.5


def paged_under(fault: str | None) -> tuple[list[str], list[str], list[bool]]:
    """7 invoices walked 3 at a time: (created ids newest first, listed ids, has_more per page)."""
    with running_double("wooshpay", faults=[fault] if fault else [], seed=7) as running:
        client = Client(running)
        customer = client.customer()
        created = [client.draft(customer) for _ in range(7)][::-1]
        listed, more = client.walk(limit=3)
    return created, listed, more


def test_pagination_faults_are_absent_without_faults() -> None:
    created, listed, more = paged_under(None)
    assert (listed, more) == (created, [True, True, False])


def test_fault_pagination_repeats() -> None:
    created, listed, _ = paged_under("pagination_repeats")
    assert listed == created[:3] + created[2:5] + created[4:]  # each later page repeats the previous last item


def test_fault_pagination_skips() -> None:
    created, listed, _ = paged_under("pagination_skips")
    assert listed == created[:3] + created[4:6]  # each later page drops its first item
    assert set(created) - set(listed) == {created[3], created[6]}


def test_fault_has_more_lies() -> None:
    with faulty("has_more_lies") as running:
        client = Client(running)
        client.draft(client.customer())
        page = client.ok("listInvoices", params={"limit": 10})
    assert len(page["data"]) == 1
    assert page["has_more"] is True


def test_fault_totals_mismatch() -> None:
    with faulty("totals_mismatch") as running:
        client = Client(running)
        invoice = client.draft(client.customer(), [{"amount": 300}, {"amount": 200}])
        body = client.ok("retrieveInvoice", invoice)
    assert sum(line["amount"] for line in body["lines"]["data"]) == 500
    assert body["total"] == 501


def test_fault_illegal_transition_accepted() -> None:
    with faulty("illegal_transition_accepted") as running:
        client = Client(running)
        paid = client.paid_invoice(client.customer())
        voided = client.ok("voidInvoice", paid)
    assert voided["status"] == "void"


def test_fault_deleted_still_retrievable() -> None:
    with faulty("deleted_still_retrievable") as running:
        client = Client(running)
        invoice = client.draft(client.customer())
        assert client.ok("deleteInvoice", invoice)["deleted"] is True
        assert client.ok("retrieveInvoice", invoice)["id"] == invoice


# -- schemathesis -----------------------------------------------------------------------------------------

# The spec documents 400 for rules OpenAPI cannot express (a body naming an object that does not exist,
# illegal lifecycle transitions, mutually exclusive parameters, an unknown pagination cursor), so
# schema-valid requests may rightly answer 400; every other default check and status stays as shipped.
SCHEMATHESIS_CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
"""


def test_schemathesis_finds_nothing(double: RunningDouble, tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(SCHEMATHESIS_CONFIG)
    st = Path(sys.executable).parent / "st"
    key = double.credentials["WOOSHPAY_API_KEY"]
    command = [
        str(st),
        "--config-file",
        str(config),
        "run",
        str(PROVIDER.spec_path),
        "--url",
        double.base_url,
        "--auth",
        f"{key}:",
        "--mode",
        "all",
        "--max-examples",
        "10",
        "--seed",
        "1",
        "--generation-database",
        "none",
    ]
    # 30 operations, JSON and form bodies: about a minute on a busy 2-core machine.
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
