"""The UseePay double over real HTTP: documented shapes, lifecycle, auth, errors, paging and every fault.

Faults that cannot apply to UseePay, and so have no test here: deleted_still_retrievable (the spec
has no delete operation).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from conformance.checks.expectations import positive_expected
from conformance.checks.refusals import refusals_of
from conformance.checks.response_schema import response_violations
from conformance.core.kinds import Kind
from conformance.providers.useepay import HEADERS, PROVIDER
from conformance.targets.double_server import RunningDouble, running_double

SPEC = PROVIDER.spec
EXAMPLES = SPEC.document["components"]["examples"]
ST = Path(sys.executable).with_name("st")
T0 = 1_790_000_000  # 2026-09-21T14:13:20Z, a fixed clock for timestamp assertions
ISO_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
DOCUMENTED_MANDATE = EXAMPLES["PayInvoiceRequestFromPayPage"]["value"]
FUTURE_MANDATE = {
    "mandate_data": {
        "customer_acceptance": {
            **DOCUMENTED_MANDATE["mandate_data"]["customer_acceptance"],
            "accepted_at": "2099-01-01T00:00:00Z",
        }
    }
}


def iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


@dataclass
class Client:
    """Calls operations by operationId against a running double, with the provider's own auth."""

    running: RunningDouble
    auth: bool = True

    def call(
        self,
        op_id: str,
        *,
        id: str | None = None,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        auth: bool | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        op = SPEC.operations[op_id]
        path = op.path.replace("{id}", id) if id is not None else op.path
        use_auth = self.auth if auth is None else auth
        return requests.request(
            op.method,
            self.running.base_url + path,
            json=json,
            params=params,
            headers=headers,
            auth=PROVIDER.auth(self.running.credentials, self.running.base_url) if use_auth else None,
            timeout=10,
            **kwargs,
        )

    def ok(self, op_id: str, **kwargs: Any) -> Any:
        """Call, and insist on 200 with a body that validates strictly against the spec."""
        response = self.call(op_id, **kwargs)
        assert response.status_code == 200, response.text
        assert_conforms(op_id, response)
        return response.json()

    def customer(self) -> str:
        return self.ok("createCustomer", json={"merchant_customer_id": "m-1", "name": "Ada"})["id"]

    def invoice(self, customer_id: str | None = None, **fields: Any) -> dict[str, Any]:
        body = {"customer_id": customer_id or self.customer(), "currency": "USD", "total_amount": 112, **fields}
        return self.ok("createInvoice", json=body)


def assert_conforms(op_id: str, response: requests.Response) -> None:
    assert response.headers["Content-Type"].startswith("application/json")
    problems = response_violations(SPEC, SPEC.operations[op_id], response.status_code, response.json())
    assert problems == [], problems


def assert_error(op_id: str, response: requests.Response, status: int, code: str, source: str | None) -> None:
    assert response.status_code == status, response.text
    assert_conforms(op_id, response)
    body = response.json()
    assert (body["code"], body["source"]) == (code, source)
    assert body["message"]


@contextmanager
def double(*faults: str) -> Iterator[Client]:
    with running_double("useepay", faults=faults, seed=7) as running:
        running.double.clock = lambda: T0
        yield Client(running)


@pytest.fixture
def client() -> Iterator[Client]:
    with double() as made:
        yield made


def set_clock(client: Client, epoch: float) -> None:
    client.running.double.clock = lambda: epoch


# -- documented operations and shapes ------------------------------------------------------------


def test_create_invoice_reproduces_the_documented_example(client: Client) -> None:
    customer_id = client.customer()
    sent = {**EXAMPLES["InvoiceCreateRequestFromCreateCurl"]["value"], "customer_id": customer_id}
    invoice = client.ok("createInvoice", json=sent)
    example = EXAMPLES["InvoiceObjectFromCreatePage"]["value"]
    creds = client.running.credentials
    derived = {
        "id": invoice["id"],
        "currency": "USD",  # as sent (UP-CURRENCY-MISMATCH)
        "subscription_id": "sub_1JBQUBE5K0000",  # as sent (UP-SUBSCRIPTION-ID-MISMATCH)
        "merchant_no": creds["USEEPAY_MERCHANT_NO"],
        "app_id": creds["USEEPAY_APP_ID"],
        "customer_id": customer_id,
        "create_at": iso(T0),
        "modify_at": iso(T0),
    }
    assert list(invoice) == list(example)
    assert invoice == {**example, **derived}
    assert re.fullmatch(r"inv_[A-Z0-9]{13}", invoice["id"])
    assert "days_until_due" not in invoice


def test_retrieve_reproduces_the_documented_example(client: Client) -> None:
    sent = {**EXAMPLES["InvoiceCreateRequestFromCreateCurl"]["value"], "customer_id": client.customer()}
    del sent["collection_method"]  # the retrieve example shows the default
    created = client.ok("createInvoice", json=sent)
    fetched = client.ok("retrieveInvoice", id=created["id"])
    example = EXAMPLES["InvoiceObjectFromRetrievePage"]["value"]
    assert fetched == created
    assert fetched["collection_method"] == example["collection_method"] == "charge_automatically"
    assert set(fetched) == set(example)


def test_update_reproduces_the_documented_example(client: Client) -> None:
    created = client.invoice(description="invoice desc", metadata={"youid": "your param"})
    set_clock(client, T0 + 241)
    updated = client.ok("updateInvoice", id=created["id"], json={"description": "invoice desc update1"})
    example = EXAMPLES["InvoiceObjectFromUpdatePage"]["value"]
    assert updated["description"] == example["description"]
    assert updated["status"] == example["status"] == "open"
    assert (updated["create_at"], updated["modify_at"]) == (iso(T0), iso(T0 + 241))
    assert updated["metadata"] == {"youid": "your param"}
    assert client.ok("retrieveInvoice", id=created["id"]) == updated


def test_update_replaces_metadata_and_ignores_days_until_due(client: Client) -> None:
    created = client.invoice(metadata={"a": "1"}, footer="f")
    body = {"metadata": {"b": "2"}, "footer": "new footer", "days_until_due": 3}
    updated = client.ok("updateInvoice", id=created["id"], json=body)
    assert (updated["metadata"], updated["footer"]) == ({"b": "2"}, "new footer")
    assert "days_until_due" not in updated


def test_optional_create_fields_are_null_when_not_sent(client: Client) -> None:
    invoice = client.invoice()
    nulls = ("description", "metadata", "footer", "subscription_id", "code", "source", "message", "payment_intent")
    assert all(invoice[name] is None for name in nulls)
    assert invoice["number"] == "invoicenum000000001"
    assert client.invoice()["number"] == "invoicenum000000002"


def test_customers_are_created_and_retrieved(client: Client) -> None:
    body = {
        "merchant_customer_id": "m-42",
        "name": "test user",
        "email": "ada@example.com",
        "address": {"country": "US", "city": "Boston", "line1": "1 Main St"},
        "metadata": {"crm": "42"},
    }
    created = client.ok("createCustomer", json=body)
    assert re.fullmatch(r"cus_[A-Z0-9]{13}", created["id"])
    assert {k: created[k] for k in body} == body
    assert created["phone"] is None
    assert created["merchant_no"] == client.running.credentials["USEEPAY_MERCHANT_NO"]
    assert created["create_at"] == created["modify_at"] == iso(T0)
    assert client.ok("retrieveCustomer", id=created["id"]) == created


def test_undocumented_address_parts_are_not_echoed(client: Client) -> None:
    created = client.ok(
        "createCustomer", json={"merchant_customer_id": "m", "address": {"city": "Oslo", "planet": "Earth"}}
    )
    assert created["address"] == {"city": "Oslo"}


def test_create_path_routes_to_create_not_update(client: Client) -> None:
    route = client.running.double._route
    assert route("POST", "/api/v1/invoices/create") == ("createInvoice", {})
    assert route("POST", "/api/v1/invoices/inv_X") == ("updateInvoice", {"id": "inv_X"})
    assert route("POST", "/api/v1/customers/create") == ("createCustomer", {})
    first, second = client.invoice(), client.invoice()
    assert first["id"] != second["id"]
    assert len(client.running.double.invoices) == 2
    # The concrete path is only create: OpenAPI never matches it as /invoices/{id}.
    response = client.call("retrieveInvoice", id="create")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


# -- lifecycle -------------------------------------------------------------------------------------


def test_full_lifecycle(client: Client) -> None:
    invoice = client.invoice(description="first")
    assert invoice["status"] == "open"
    invoice = client.ok("updateInvoice", id=invoice["id"], json={"description": "second"})
    set_clock(client, T0 + 60)
    failed = client.ok("payInvoice", id=invoice["id"], json=FUTURE_MANDATE)
    assert failed["status"] == "payment_failed"
    assert client.ok("updateInvoice", id=invoice["id"], json={"footer": "retry"})["status"] == "payment_failed"
    set_clock(client, T0 + 120)
    paid = client.ok("payInvoice", id=invoice["id"], json=DOCUMENTED_MANDATE)
    assert paid["status"] == "paid"
    assert (paid["code"], paid["source"], paid["message"]) == (None, None, None)
    assert re.fullmatch(r"pi_[A-Z0-9]{13}", paid["payment_intent"])
    assert (paid["description"], paid["footer"], paid["modify_at"]) == ("second", "retry", iso(T0 + 120))
    assert client.ok("retrieveInvoice", id=invoice["id"]) == paid
    assert client.ok("listInvoices")["items"] == [paid]


def test_documented_mandate_pays(client: Client) -> None:
    paid = client.ok("payInvoice", id=client.invoice()["id"], json=DOCUMENTED_MANDATE)
    assert paid["status"] == "paid"


def test_mandate_accepted_after_the_attempt_fails_like_the_pay_example(client: Client) -> None:
    invoice = client.invoice(description="invoice desc update1")
    failed = client.ok("payInvoice", id=invoice["id"], json=FUTURE_MANDATE)
    example = EXAMPLES["InvoiceObjectFromPayPage"]["value"]
    assert set(failed) == set(example)
    assert failed["status"] == example["status"] == "payment_failed"
    assert failed["payment_intent"] is None
    assert failed["code"] == "invalid_argument"
    assert failed["source"] == "mandate_data.customer_acceptance.accepted_at"
    assert "2099-01-01T00:00:00Z" in failed["message"]


@pytest.mark.parametrize(
    ("op_id", "body"),
    [("payInvoice", DOCUMENTED_MANDATE), ("updateInvoice", {"description": "late"})],
)
def test_paid_invoices_refuse_pay_and_update(client: Client, op_id: str, body: dict[str, Any]) -> None:
    invoice = client.invoice()
    paid = client.ok("payInvoice", id=invoice["id"], json=DOCUMENTED_MANDATE)
    response = client.call(op_id, id=invoice["id"], json=body)
    assert_error(op_id, response, 400, "invoice_unexpected_state", None)  # the Errors page's 400
    assert "paid" in response.json()["message"]
    assert client.ok("retrieveInvoice", id=invoice["id"]) == paid


def test_demo_data_holds_every_reachable_status() -> None:
    with running_double("useepay", seed=7, demo_data=True) as running:
        client = Client(running)
        page = client.ok("listInvoices", params={"page_size": 50})
        assert not page["has_more"]
        # The demo subscription's first invoice is open too; the invoices created directly cover every status.
        statuses = [(item["customer_id"], item["status"]) for item in page["items"] if not item["subscription_id"]]
        assert [s["status"] for s in client.ok("listSubscriptions")["items"]] == ["incomplete"]
        customers = list(dict.fromkeys(customer for customer, _ in statuses))
        assert len(customers) == 2
        for customer in customers:
            assert sorted(s for c, s in statuses if c == customer) == ["open", "paid", "payment_failed"]
            client.ok("retrieveCustomer", id=customer)
        open_invoice = next(item for item in page["items"] if item["status"] == "open")
        assert client.ok("payInvoice", id=open_invoice["id"], json=DOCUMENTED_MANDATE)["status"] == "paid"


# -- auth, unknown ids, bad requests -------------------------------------------------------------


def _credential_headers(client: Client) -> dict[str, str]:
    return {header: client.running.credentials[var] for var, header in HEADERS.items()}


@pytest.mark.parametrize(
    ("how", "header"),
    [("none", None)] + [(how, header) for how in ("wrong", "missing") for header in HEADERS.values()],
)
def test_auth_is_enforced(client: Client, how: str, header: str | None) -> None:
    headers = _credential_headers(client)
    if header is None:
        headers = {}
    elif how == "wrong":
        headers[header] += "x"
    else:
        del headers[header]
    calls: list[tuple[str, dict[str, Any]]] = [
        ("listInvoices", {}),
        ("retrieveInvoice", {"id": "inv_1JBQUCEC40000"}),
        ("createCustomer", {"json": {"merchant_customer_id": "m"}}),
    ]
    for op_id, kwargs in calls:
        response = client.call(op_id, auth=False, headers=headers, **kwargs)
        assert_error(op_id, response, 401, "unauthorized", None)
    assert client.running.double.customers == {}


@pytest.mark.parametrize(
    ("op_id", "body"),
    [
        ("retrieveInvoice", None),
        ("updateInvoice", {"description": "x"}),
        ("payInvoice", DOCUMENTED_MANDATE),
        ("retrieveCustomer", None),
    ],
)
def test_unknown_ids_answer_404(client: Client, op_id: str, body: Any) -> None:
    response = client.call(op_id, id="inv_1JBQUCEC40000", json=body)
    assert_error(op_id, response, 404, "resource_not_found", "id")


def test_invoice_for_unknown_customer_answers_404(client: Client) -> None:
    body = {"customer_id": "cus_1JA7UDDQG3800", "currency": "USD", "total_amount": 1}
    response = client.call("createInvoice", json=body)
    assert_error("createInvoice", response, 404, "resource_not_found", "customer_id")
    assert client.running.double.invoices == {}


@pytest.mark.parametrize(
    ("op_id", "body", "code", "source"),
    [
        ("createInvoice", {"currency": "USD", "customer_id": "cus_X"}, "field_required", "total_amount"),
        (
            "createInvoice",
            {"currency": "usd", "customer_id": "cus_X", "total_amount": 1},
            "invalid_argument",
            "currency",
        ),
        (
            "createInvoice",
            {"currency": "USD", "customer_id": "cus_X", "total_amount": -1},
            "invalid_argument",
            "total_amount",
        ),
        ("createInvoice", None, "field_required", None),
        ("createCustomer", {"merchant_customer_id": "m", "email": "not-an-email"}, "invalid_argument", "email"),
        ("payInvoice", {"mandate_data": {}}, "field_required", "mandate_data.customer_acceptance"),
        ("updateInvoice", {"days_until_due": -1}, "invalid_argument", "days_until_due"),
    ],
)
def test_bad_bodies_answer_400(client: Client, op_id: str, body: Any, code: str, source: str | None) -> None:
    response = client.call(op_id, id=client.invoice()["id"], json=body)
    assert_error(op_id, response, 400, code, source)


@pytest.mark.parametrize("raw", [b"null", b"{not json", b"[]"])
def test_malformed_bodies_answer_400(client: Client, raw: bytes) -> None:
    response = client.call("createInvoice", data=raw, headers={"Content-Type": "application/json"})
    assert_error("createInvoice", response, 400, "invalid_argument", None)


@pytest.mark.parametrize(
    ("params", "source"),
    [
        ({"page_size": 0}, "page_size"),
        ({"page_num": -1}, "page_num"),
        ({"page_size": "ten"}, "page_size"),
        ({"from_created_at": "yesterday"}, "from_created_at"),
        ({"from_created_at": "2024-10-28"}, "from_created_at"),
    ],
)
def test_bad_list_parameters_answer_400(client: Client, params: dict[str, Any], source: str) -> None:
    response = client.call("listInvoices", params=params)
    assert_error("listInvoices", response, 400, "invalid_argument", source)


# -- listing -----------------------------------------------------------------------------------------


def walk(client: Client, page_size: int, limit: int = 20) -> list[dict[str, Any]]:
    """Every page from page_num 0 until has_more is false (at most `limit` pages)."""
    pages = []
    for page_num in range(limit):
        page = client.ok("listInvoices", params={"page_num": page_num, "page_size": page_size})
        pages.append(page)
        if not page["has_more"]:
            break
    return pages


def test_pagination_walks_every_invoice_once_in_creation_order(client: Client) -> None:
    ids = [client.invoice()["id"] for _ in range(7)]
    pages = walk(client, page_size=3)
    assert [len(p["items"]) for p in pages] == [3, 3, 1]
    assert [p["has_more"] for p in pages] == [True, True, False]
    assert [item["id"] for p in pages for item in p["items"]] == ids
    assert client.ok("listInvoices", params={"page_num": 3, "page_size": 3}) == {"items": [], "has_more": False}
    assert client.ok("listInvoices", params={"page_num": 99, "page_size": 3}) == {"items": [], "has_more": False}


def test_exact_multiple_of_the_page_size_ends_without_an_empty_page(client: Client) -> None:
    for _ in range(4):
        client.invoice()
    assert [p["has_more"] for p in walk(client, page_size=2)] == [True, False]


def test_list_defaults_to_first_page_of_ten(client: Client) -> None:
    ids = [client.invoice()["id"] for _ in range(11)]
    page = client.ok("listInvoices")
    assert [item["id"] for item in page["items"]] == ids[:10]
    assert page["has_more"] is True


def test_list_filters_by_customer_and_creation_time(client: Client) -> None:
    alice, bob = client.customer(), client.customer()
    early = client.invoice(alice)
    set_clock(client, T0 + 100)
    late = client.invoice(alice)
    bobs = client.invoice(bob)

    def ids(**params: Any) -> list[str]:
        return [item["id"] for item in client.ok("listInvoices", params=params)["items"]]

    assert ids(customer_id=alice) == [early["id"], late["id"]]
    assert ids(from_created_at=iso(T0 + 50)) == [late["id"], bobs["id"]]
    assert ids(from_created_at=iso(T0 + 100), customer_id=bob) == [bobs["id"]]
    assert ids(from_created_at="2026-09-21T14:13:20.5Z") == [late["id"], bobs["id"]]  # after T0 by half a second
    assert ids(from_created_at="2026-09-21T16:13:20+02:00") == [early["id"], late["id"], bobs["id"]]  # == T0
    assert ids(customer_id="cus_NOBODY") == []


# -- faults --------------------------------------------------------------------------------------------

SHAPE_FAULTS = {
    "field_removed": {(Kind.MISSING_FIELD, "/currency")},
    "field_retyped": {(Kind.TYPE_MISMATCH, "/total_amount")},
    "field_renamed": {(Kind.MISSING_FIELD, "/create_at"), (Kind.UNDOCUMENTED_FIELD, "/created_at")},
    "field_added": {(Kind.UNDOCUMENTED_FIELD, "/object")},
    "enum_value_added": {(Kind.ENUM_VIOLATION, "/status")},
    "null_not_nullable": {(Kind.NULLABILITY, "/customer_id")},
}


def _found(op_id: str, response: requests.Response, prefix: str = "") -> set[tuple[Kind, str]]:
    problems = response_violations(SPEC, SPEC.operations[op_id], response.status_code, response.json()) or []
    return {(p.kind, p.pointer.removeprefix(prefix)) for p in problems}


@pytest.mark.parametrize("fault", sorted(SHAPE_FAULTS))
def test_response_shape_faults_show_on_every_invoice_response(fault: str) -> None:
    with double(fault) as client:
        customer = client.ok("createCustomer", json={"merchant_customer_id": "m"})["id"]  # customers untouched
        body = {"customer_id": customer, "currency": "USD", "total_amount": 112}
        created = client.call("createInvoice", json=body)
        invoice_id = created.json()["id"]
        responses = {
            "createInvoice": created,
            "retrieveInvoice": client.call("retrieveInvoice", id=invoice_id),
            "updateInvoice": client.call("updateInvoice", id=invoice_id, json={"footer": "f"}),
            "payInvoice": client.call("payInvoice", id=invoice_id, json=DOCUMENTED_MANDATE),
        }
        for op_id, response in responses.items():
            assert response.status_code == 200, response.text
            assert _found(op_id, response) == SHAPE_FAULTS[fault], op_id
        listed = client.call("listInvoices")
        assert _found("listInvoices", listed, prefix="/items/*") == SHAPE_FAULTS[fault]
        # Only responses change: the stored invoice is intact.
        stored = client.running.double.invoices[invoice_id]
        assert stored["currency"] == "USD"
        assert stored["total_amount"] == 112
        assert stored["status"] == "paid"


def test_fault_wrong_success_status() -> None:
    with double("wrong_success_status") as client:
        customer = client.call("createCustomer", json={"merchant_customer_id": "m"})
        assert customer.status_code == 202
        body = {"customer_id": customer.json()["id"], "currency": "USD", "total_amount": 1}
        assert client.call("createInvoice", json=body).status_code == 202
        assert client.call("listInvoices").status_code == 202
        assert client.call("retrieveInvoice", id="inv_NONE").status_code == 404  # errors keep their status


def test_fault_wrong_content_type() -> None:
    with double("wrong_content_type") as client:
        for response in (client.call("listInvoices"), client.call("retrieveInvoice", id="inv_NONE")):
            assert response.headers["Content-Type"].startswith("text/plain")
            assert "items" in response.json() or response.json()["code"] == "resource_not_found"


def test_fault_server_error_hits_create_invoice_only() -> None:
    with double("server_error") as client:
        customer = client.ok("createCustomer", json={"merchant_customer_id": "m"})["id"]
        response = client.call("createInvoice", json={"customer_id": customer, "currency": "USD", "total_amount": 1})
        assert response.status_code == 500
        assert_conforms("createInvoice", response)
        assert client.running.double.invoices == {}
        assert client.ok("listInvoices") == {"items": [], "has_more": False}


def test_fault_auth_not_enforced() -> None:
    with double("auth_not_enforced") as client:
        assert client.call("listInvoices", auth=False).status_code == 200
        wrong = {header: "wrong" for header in HEADERS.values()}
        assert client.call("listInvoices", auth=False, headers=wrong).status_code == 200


def test_fault_rate_limited_then_served() -> None:
    with double("rate_limited") as client:
        for _ in range(3):
            response = client.call("listInvoices")
            assert response.status_code == 429
            assert response.headers["Retry-After"] == "1"
            assert_conforms("listInvoices", response)
        assert client.call("listInvoices").status_code == 200


def test_fault_slow_responses() -> None:
    with double("slow_responses") as client:
        started = time.monotonic()
        assert client.call("listInvoices").status_code == 200
        assert time.monotonic() - started >= 1.5


def test_fault_pagination_repeats() -> None:
    with double("pagination_repeats") as client:
        ids = [client.invoice()["id"] for _ in range(5)]
        pages = [[i["id"] for i in page["items"]] for page in walk(client, page_size=2)]
        # Page n > 0 starts with the item that ends page n - 1 (an off-by-one offset): ids[1] twice.
        assert pages == [ids[0:2], ids[1:3], ids[3:5]]


def test_fault_pagination_skips() -> None:
    with double("pagination_skips") as client:
        ids = [client.invoice()["id"] for _ in range(5)]
        pages = [[i["id"] for i in page["items"]] for page in walk(client, page_size=2)]
        # Page n > 0 drops its first item: ids[2] and ids[4] are never listed.
        assert pages == [ids[0:2], ids[3:4], []]


def test_fault_has_more_lies() -> None:
    with double("has_more_lies") as client:
        for _ in range(3):
            client.invoice()
        last = client.ok("listInvoices", params={"page_num": 1, "page_size": 2})
        assert len(last["items"]) == 1
        assert last["has_more"] is True
        assert client.ok("listInvoices", params={"page_num": 5, "page_size": 2})["has_more"] is True


def test_fault_totals_mismatch() -> None:
    with double("totals_mismatch") as client:
        created = client.invoice(total_amount=112)
        assert created["total_amount"] == 113
        assert client.ok("retrieveInvoice", id=created["id"])["total_amount"] == 113
        assert client.running.double.invoices[created["id"]]["total_amount"] == 112


def test_fault_illegal_transition_accepted() -> None:
    with double("illegal_transition_accepted") as client:
        invoice = client.invoice()
        client.ok("payInvoice", id=invoice["id"], json=DOCUMENTED_MANDATE)
        again = client.ok("payInvoice", id=invoice["id"], json=DOCUMENTED_MANDATE)
        assert again["status"] == "paid"
        assert client.ok("updateInvoice", id=invoice["id"], json={"description": "late"})["description"] == "late"


# -- schemathesis ------------------------------------------------------------------------------------


def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    # The refusal statuses the spec declares (x-refusals: the Errors page's 400) told to plain schemathesis.
    statuses = ", ".join(f'"{s}"' for s in positive_expected(refusals_of(PROVIDER.spec).codes))
    (tmp_path / "schemathesis.toml").write_text(
        f"[checks.positive_data_acceptance]\nexpected-statuses = [{statuses}]\n"
    )
    with running_double("useepay", seed=1) as running:
        headers = [arg for var, h in HEADERS.items() for arg in ("-H", f"{h}: {running.credentials[var]}")]
        command = [str(ST), "run", str(PROVIDER.spec_path), "--url", running.base_url, *headers]
        command += ["--max-examples", "10", "--seed", "1", "--mode", "all", "--no-color"]
        result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout
