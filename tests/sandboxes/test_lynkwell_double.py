"""The Lynkwell double over real HTTP: OAuth2 tokens, every operation, the invoice lifecycle, faults.

Faults that cannot apply to Lynkwell, hence not tested: `deleted_still_retrievable` (no delete
operation is documented).
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

from conformance.checks.response_schema import response_violations
from conformance.core.kinds import Kind
from conformance.providers.lynkwell import AUDIENCE, PROVIDER
from conformance.providers.lynkwell.double import CATALOGUE, TOKEN_LIFETIME, LynkwellDouble
from conformance.spec.validation import Violation
from conformance.targets.double_server import RunningDouble, running_double

SPEC = PROVIDER.spec
ST = Path(sys.executable).with_name("st")  # schemathesis CLI of this environment
FLEET = "price_fleet_monthly"
TIMEOUT = 10
DEFAULT_AUTH = object()  # Api.call: the provider's OAuth2 client auth


class RawAuthorization(requests.auth.AuthBase):
    """Sends a fixed Authorization header."""

    def __init__(self, value: str) -> None:
        self.value = value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.value
        return request


class Api:
    """Calls operations by operationId, with the provider's own OAuth2 client auth unless told otherwise."""

    def __init__(self, running: RunningDouble) -> None:
        self.running = running
        self.auth = PROVIDER.auth(running.credentials, running.base_url)

    @property
    def double(self) -> LynkwellDouble:
        assert isinstance(self.running.double, LynkwellDouble)
        return self.running.double

    def call(
        self,
        operation_id: str,
        *,
        query: dict[str, str] | None = None,
        body: Any = None,
        auth: Any = DEFAULT_AUTH,
        **path_params: str,
    ) -> requests.Response:
        operation = SPEC.operations[operation_id]
        url = self.running.base_url + operation.path.format(**path_params)
        return requests.request(
            operation.method,
            url,
            params=query,
            json=body,
            auth=self.auth if auth is DEFAULT_AUTH else auth,
            timeout=TIMEOUT,
        )

    def token(self, **overrides: str) -> requests.Response:
        body = {
            "client_id": self.running.credentials["LYNKWELL_CLIENT_ID"],
            "client_secret": self.running.credentials["LYNKWELL_CLIENT_SECRET"],
            "audience": AUDIENCE,
            "grant_type": "client_credentials",
            **overrides,
        }
        return requests.post(self.running.base_url + "/oauth/token", json=body, timeout=TIMEOUT)

    # -- building blocks ------------------------------------------------------------------------

    def profile(self, driver: str = "drv_alice", network: str | None = None) -> dict[str, Any]:
        body = {"driver": driver} if network is None else {"driver": driver, "network": network}
        return ok(self.call("createPaymentProfile", body=body), "createPaymentProfile")["data"]

    def attach(self, profile_id: str, card: str = "pm_card_visa") -> dict[str, Any]:
        response = self.call("attachPaymentMethod", body={"paymentMethodId": card}, paymentProfileId=profile_id)
        return ok(response, "attachPaymentMethod")["data"]

    def subscribe(self, profile_id: str, price: str = FLEET) -> dict[str, Any]:
        response = self.call("subscribePaymentProfile", body={"priceId": price}, paymentProfileId=profile_id)
        return ok(response, "subscribePaymentProfile")["data"]

    def invoice(self, invoice_id: str) -> dict[str, Any]:
        return ok(self.call("getInvoice", invoiceId=invoice_id), "getInvoice")["data"]

    def invoice_of(self, subscription: dict[str, Any]) -> dict[str, Any]:
        invoices = ok(self.call("listInvoices", query={"limit": "100"}), "listInvoices")["data"]["items"]
        return next(i for i in invoices if i["subscriptionItems"][0]["subscriptionId"] == subscription["id"])

    def retry(self, invoice_id: str) -> requests.Response:
        return self.call("retryInvoicePayment", body={"invoiceId": invoice_id}, invoiceId=invoice_id)


def violations_of(response: requests.Response, operation_id: str) -> list[Violation] | None:
    return response_violations(SPEC, SPEC.operations[operation_id], response.status_code, response.json())


def ok(response: requests.Response, operation_id: str) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert violations_of(response, operation_id) == []
    body: dict[str, Any] = response.json()
    return body


def refused(response: requests.Response, operation_id: str, status: int) -> dict[str, Any]:
    """The documented error object with `status`, validated strictly against the spec."""
    assert response.status_code == status, response.text
    assert violations_of(response, operation_id) == []
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"code", "message"}
    return error


@pytest.fixture
def api() -> Iterator[Api]:
    with running_double("lynkwell", seed=7) as running:
        yield Api(running)


@pytest.fixture
def faulty(request: pytest.FixtureRequest) -> Iterator[Api]:
    """A double showing the one fault given as the indirect parameter `faulty`."""
    with running_double("lynkwell", faults=[request.param], seed=7) as running:
        yield Api(running)


def walk(api: Api, operation_id: str, limit: str) -> list[dict[str, Any]]:
    """Every page of a list, following startingAfter from the last item of each page."""
    pages: list[dict[str, Any]] = []
    query = {"limit": limit}
    while len(pages) < 50:
        page = ok(api.call(operation_id, query=query), operation_id)["data"]
        pages.append(page)
        if not page["hasMore"] or not page["items"]:
            break
        query = {"limit": limit, "startingAfter": page["items"][-1]["id"]}
    return pages


def keys_of(value: Any) -> Any:
    """The nested field names of a JSON value: what "same shape as the documented example" compares."""
    if isinstance(value, dict):
        return {key: keys_of(item) for key, item in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [keys_of(value[0])]
    return None


def documented_example(operation_id: str) -> Any:
    return next(
        use.value
        for use in SPEC.example_uses()
        if use.operation.operation_id == operation_id and use.location == "response 200"
    )


# -- auth -------------------------------------------------------------------------------------------


def test_token_endpoint_answers_the_documented_token_response(api: Api) -> None:
    response = api.token()
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == TOKEN_LIFETIME
    assert len(body["access_token"]) >= 32
    assert body["access_token"] != api.token().json()["access_token"]
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    listed = requests.get(api.running.base_url + "/billing/v1/invoices", headers=bearer, timeout=TIMEOUT)
    ok(listed, "listInvoices")


def test_token_endpoint_also_takes_a_form_body(api: Api) -> None:
    fields = {
        "client_id": api.running.credentials["LYNKWELL_CLIENT_ID"],
        "client_secret": api.running.credentials["LYNKWELL_CLIENT_SECRET"],
        "audience": AUDIENCE,
        "grant_type": "client_credentials",
    }
    response = requests.post(api.running.base_url + "/oauth/token", data=fields, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "access_denied"),
        ({"client_id": "someone-else"}, 401, "access_denied"),
        ({"audience": "https://api.example.com"}, 403, "access_denied"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_token_endpoint_refuses_like_auth0(api: Api, overrides: dict[str, str], status: int, error: str) -> None:
    response = api.token(**overrides)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    assert body["error_description"]


def test_token_endpoint_refuses_a_body_that_is_not_json(api: Api) -> None:
    response = requests.post(
        api.running.base_url + "/oauth/token",
        data="client_id=x",
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_token_endpoint_is_post_only(api: Api) -> None:
    response = requests.get(api.running.base_url + "/oauth/token", timeout=TIMEOUT)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


SAMPLE_CALLS: dict[str, dict[str, Any]] = {
    "getInvoice": {"invoiceId": "in_x"},
    "listInvoices": {},
    "retryInvoicePayment": {"invoiceId": "in_x", "body": {"invoiceId": "in_x"}},
    "attachPaymentMethod": {"paymentProfileId": "pp_x", "body": {"paymentMethodId": "pm_card_visa"}},
    "listPaymentProfiles": {},
    "createPaymentProfile": {"body": {"driver": "drv_x"}},
    "subscribePaymentProfile": {"paymentProfileId": "pp_x", "body": {"priceId": FLEET}},
    "listSubscriptions": {},
    "listDrivers": {},
    "createDriver": {"body": {"name": {"first": "Ada", "last": "L"}}},
    "archiveDriver": {"driverId": "drv_x"},
    "attachSitePartner": {"body": {"sitePartnerId": "sp_x", "driverId": "drv_x"}},
}


def test_sample_calls_cover_every_operation() -> None:
    assert set(SAMPLE_CALLS) == set(SPEC.operations)


@pytest.mark.parametrize("operation_id", sorted(SAMPLE_CALLS))
@pytest.mark.parametrize(
    "auth",
    [
        None,
        requests.auth.HTTPBasicAuth("conformance-client", "conformance-secret"),
        RawAuthorization("Bearer not-a-token"),
        RawAuthorization("Bearer"),
    ],
    ids=["no-credentials", "basic-auth", "unknown-token", "empty-bearer"],
)
def test_every_operation_needs_a_valid_bearer_token(api: Api, operation_id: str, auth: Any) -> None:
    response = api.call(operation_id, auth=auth, **SAMPLE_CALLS[operation_id])
    assert refused(response, operation_id, 401)["code"] == "unauthorized"


def test_tokens_expire_on_the_doubles_clock(api: Api) -> None:
    now = [1_800_000_000.0]
    api.double.clock = lambda: now[0]
    token = api.token().json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    url = api.running.base_url + "/billing/v1/invoices"
    now[0] += TOKEN_LIFETIME - 1
    assert requests.get(url, headers=bearer, timeout=TIMEOUT).status_code == 200
    now[0] += 1
    expired = requests.get(url, headers=bearer, timeout=TIMEOUT)
    refused(expired, "listInvoices", 401)


def test_the_provider_client_fetches_a_new_token_after_expiry(api: Api) -> None:
    now = [1_800_000_000.0]
    api.double.clock = lambda: now[0]
    ok(api.call("listInvoices"), "listInvoices")
    now[0] += TOKEN_LIFETIME
    stale = api.call("listInvoices")
    assert stale.status_code == 401
    api.auth.observe(stale.request.headers, stale.status_code)
    ok(api.call("listInvoices"), "listInvoices")
    assert api.auth.fetches == 2  # type: ignore[attr-defined]


# -- operations and their documented shapes -------------------------------------------------------


def test_create_payment_profile_reproduces_the_documented_example(api: Api) -> None:
    profile = api.profile("drv_alice", network="net_partner")
    assert keys_of(profile) == keys_of(documented_example("createPaymentProfile")["data"])
    assert profile["driver"] == "drv_alice"
    assert profile["network"] == "net_partner"
    assert profile["id"].startswith("pp_")


def test_a_profile_without_network_belongs_to_the_api_clients_network(api: Api) -> None:
    assert api.profile()["network"] == api.double.network_id


def test_list_payment_profiles_filters_by_driver(api: Api) -> None:
    alice = api.profile("drv_alice")
    api.profile("drv_bob")
    second_alice = api.profile("drv_alice")
    body = ok(api.call("listPaymentProfiles", query={"driverId": "drv_alice"}), "listPaymentProfiles")
    assert keys_of(body) == keys_of(documented_example("listPaymentProfiles"))
    assert [p["id"] for p in body["data"]["items"]] == [second_alice["id"], alice["id"]]
    assert body["data"]["hasMore"] is False


def test_attach_payment_method_reproduces_the_documented_example(api: Api) -> None:
    profile = api.profile()
    method = api.attach(profile["id"], "pm_card_mastercard")
    assert keys_of(method) == keys_of(documented_example("attachPaymentMethod")["data"])
    assert method["id"].startswith("pm_")
    assert method["id"] != "pm_card_mastercard"  # a test card makes a new payment method each time
    assert method["paymentProfileId"] == profile["id"]
    assert method["network"] == profile["network"]
    assert method["type"] == "card"
    assert method["cardDetails"]["type"] == "mastercard"
    assert method["cardDetails"]["last4"] == "4444"
    assert method["createdAt"] == method["lastUpdatedAt"]


def test_subscribe_creates_a_subscription_and_its_first_invoice(api: Api) -> None:
    profile = api.profile()
    api.attach(profile["id"])
    subscription = api.subscribe(profile["id"], FLEET)
    example = documented_example("listSubscriptions")["data"]["items"][0]
    assert keys_of(subscription) == keys_of(example)
    assert subscription["id"].startswith("sub_")
    assert subscription["priceId"] == FLEET
    assert subscription["paymentProfileId"] == profile["id"]
    assert subscription["billingThreshold"] == {"amount": CATALOGUE[FLEET].billing_threshold, "currency": "USD"}
    assert subscription["billingStatus"] == "ACTIVE"
    assert subscription["currentPeriodStart"] < subscription["currentPeriodEnd"]

    listed = ok(api.call("listSubscriptions"), "listSubscriptions")["data"]
    assert listed["items"] == [subscription]

    invoice = api.invoice_of(subscription)
    assert keys_of(invoice) == keys_of(documented_example("getInvoice")["data"])
    assert invoice["status"] == "PAID"
    assert invoice["totalPaymentAttempts"] == 1
    assert invoice["lastPaymentAttemptDate"] is not None
    assert invoice["pdfUrl"].endswith(f"/{invoice['id']}.pdf")
    assert (invoice["periodStart"], invoice["periodEnd"]) == (
        subscription["currentPeriodStart"],
        subscription["currentPeriodEnd"],
    )


def test_invoice_totals_come_from_the_offering(api: Api) -> None:
    profile = api.profile()
    invoice = api.invoice_of(api.subscribe(profile["id"], FLEET))
    offering = CATALOGUE[FLEET]
    items = invoice["subscriptionItems"]
    assert [(i["description"], i["total"]) for i in items] == list(offering.components)
    assert invoice["subTotal"] == sum(i["total"] for i in items) == 10900
    assert invoice["taxTotal"] == 899  # 8.25 % of 109.00, rounded half up
    for item in items:
        assert item["id"].startswith("si_")
        assert (item["invoiceId"], item["priceId"], item["paymentProfileId"]) == (invoice["id"], FLEET, profile["id"])
        assert item["currency"] == invoice["currency"] == "USD"
    assert invoice["invoiceItems"] == []


def test_get_invoice_and_retry_reproduce_the_documented_example(api: Api) -> None:
    [invoice_id] = api.double.seed_invoices(1)
    invoice = api.invoice(invoice_id)
    assert keys_of(invoice) == keys_of(documented_example("getInvoice")["data"])
    retried = ok(api.retry(invoice_id), "retryInvoicePayment")["data"]
    assert keys_of(retried) == keys_of(documented_example("retryInvoicePayment")["data"])
    listed = ok(api.call("listInvoices"), "listInvoices")
    assert keys_of(listed) == keys_of(documented_example("listInvoices"))


def test_a_new_double_is_empty(api: Api) -> None:
    for operation_id in ("listInvoices", "listPaymentProfiles", "listSubscriptions"):
        assert ok(api.call(operation_id), operation_id)["data"] == {"hasMore": False, "items": []}


@pytest.mark.parametrize("status", ["DRAFT", "OPEN", "PAID", "UNCOLLECTIBLE", "VOID"])
def test_seed_invoices_creates_invoices_in_each_status(api: Api, status: str) -> None:
    ids = api.double.seed_invoices(4, status=status)
    assert len(ids) == len(set(ids)) == 4
    invoices = [api.invoice(i) for i in ids]
    assert {i["status"] for i in invoices} == {status}
    assert {i["subscriptionItems"][0]["priceId"] for i in invoices} == set(CATALOGUE)
    assert all((i["pdfUrl"] is None) == (status == "DRAFT") for i in invoices)


def test_demo_data_holds_invoices_in_every_status() -> None:
    with running_double("lynkwell", seed=7, demo_data=True) as running:
        api = Api(running)
        invoices = ok(api.call("listInvoices", query={"limit": "100"}), "listInvoices")["data"]["items"]
        assert {i["status"] for i in invoices} == {"DRAFT", "OPEN", "PAID", "UNCOLLECTIBLE", "VOID"}
        assert any(i["status"] == "OPEN" and i["totalPaymentAttempts"] == 1 for i in invoices)
        subscriptions = ok(api.call("listSubscriptions"), "listSubscriptions")["data"]["items"]
        assert {s["billingStatus"] for s in subscriptions} == {"ACTIVE", "INCOMPLETE"}
        assert len(ok(api.call("listPaymentProfiles"), "listPaymentProfiles")["data"]["items"]) == 3


# -- lifecycle ------------------------------------------------------------------------------------


def test_full_lifecycle_from_profile_to_paid_invoice(api: Api) -> None:
    profile = api.profile()
    subscription = api.subscribe(profile["id"], "price_home_charging_monthly")
    assert subscription["billingStatus"] == "INCOMPLETE"
    invoice = api.invoice_of(subscription)
    # No payment method: the invoice is finalized, but nothing could be charged.
    assert (invoice["status"], invoice["totalPaymentAttempts"], invoice["lastPaymentAttemptDate"]) == ("OPEN", 0, None)

    failed = ok(api.retry(invoice["id"]), "retryInvoicePayment")["data"]
    assert (failed["status"], failed["totalPaymentAttempts"]) == ("OPEN", 1)
    assert failed["lastPaymentAttemptDate"] is not None

    api.attach(profile["id"], "pm_card_chargeDeclined")
    declined = ok(api.retry(invoice["id"]), "retryInvoicePayment")["data"]
    assert (declined["status"], declined["totalPaymentAttempts"]) == ("OPEN", 2)

    api.attach(profile["id"], "pm_card_visa")
    paid = ok(api.retry(invoice["id"]), "retryInvoicePayment")["data"]
    assert (paid["status"], paid["totalPaymentAttempts"]) == ("PAID", 3)
    assert api.invoice(invoice["id"]) == paid
    [after] = ok(api.call("listSubscriptions"), "listSubscriptions")["data"]["items"]
    assert after["billingStatus"] == "ACTIVE"

    error = refused(api.retry(invoice["id"]), "retryInvoicePayment", 409)
    assert error["code"] == "invoice_not_retryable"
    assert api.invoice(invoice["id"]) == paid


def test_a_renewal_is_drafted_then_finalized_and_collected(api: Api) -> None:
    profile = api.profile()
    api.attach(profile["id"])
    subscription = api.subscribe(profile["id"], "price_network_access_annual")
    draft_id = api.double.renew_subscription(subscription["id"])
    draft = api.invoice(draft_id)
    assert (draft["status"], draft["pdfUrl"], draft["periodStart"]) == ("DRAFT", None, subscription["currentPeriodEnd"])
    assert draft["periodEnd"][:4] == str(int(draft["periodStart"][:4]) + 1)
    refused(api.retry(draft_id), "retryInvoicePayment", 409)
    api.double.finalize_invoice(draft_id)
    assert api.invoice(draft_id)["status"] == "PAID"
    [renewed] = ok(api.call("listSubscriptions"), "listSubscriptions")["data"]["items"]
    assert renewed["currentPeriodStart"] == draft["periodStart"]


def test_an_unpaid_renewal_makes_the_subscription_past_due(api: Api) -> None:
    profile = api.profile()
    api.attach(profile["id"], "pm_card_visa")
    subscription = api.subscribe(profile["id"])
    api.attach(profile["id"], "pm_card_chargeDeclined")
    renewal = api.double.renew_subscription(subscription["id"])
    api.double.finalize_invoice(renewal)
    assert api.invoice(renewal)["status"] == "OPEN"
    [after] = ok(api.call("listSubscriptions"), "listSubscriptions")["data"]["items"]
    assert after["billingStatus"] == "PAST_DUE"


def test_an_uncollectible_invoice_can_still_be_paid(api: Api) -> None:
    [invoice_id] = api.double.seed_invoices(1, status="UNCOLLECTIBLE")
    profile_id = api.invoice(invoice_id)["paymentProfileId"]
    api.attach(profile_id)
    assert ok(api.retry(invoice_id), "retryInvoicePayment")["data"]["status"] == "PAID"


@pytest.mark.parametrize("status", ["PAID", "VOID", "DRAFT"])
def test_retry_refuses_an_invoice_that_cannot_be_paid(api: Api, status: str) -> None:
    [invoice_id] = api.double.seed_invoices(1, status=status)
    before = api.invoice(invoice_id)
    error = refused(api.retry(invoice_id), "retryInvoicePayment", 409)
    assert error["code"] == "invoice_not_retryable"
    assert status in error["message"]
    assert api.invoice(invoice_id) == before


def test_retry_refuses_a_body_naming_another_invoice(api: Api) -> None:
    first, second = api.double.seed_invoices(2)
    response = api.call("retryInvoicePayment", body={"invoiceId": second}, invoiceId=first)
    assert refused(response, "retryInvoicePayment", 409)["code"] == "invoice_mismatch"
    assert api.invoice(first)["totalPaymentAttempts"] == api.invoice(second)["totalPaymentAttempts"] == 0


# -- validation and unknown ids ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation_id", "kwargs"),
    [
        ("getInvoice", {"invoiceId": "in_missing"}),
        ("retryInvoicePayment", {"invoiceId": "in_missing", "body": {"invoiceId": "in_missing"}}),
        ("attachPaymentMethod", {"paymentProfileId": "pp_missing", "body": {"paymentMethodId": "pm_card_visa"}}),
        ("subscribePaymentProfile", {"paymentProfileId": "pp_missing", "body": {"priceId": FLEET}}),
    ],
)
def test_unknown_ids_in_the_path_answer_404(api: Api, operation_id: str, kwargs: dict[str, Any]) -> None:
    error = refused(api.call(operation_id, **kwargs), operation_id, 404)
    assert error["code"] == "resource_missing"
    assert "_missing" in error["message"]


@pytest.mark.parametrize("operation_id", ["listInvoices", "listPaymentProfiles", "listSubscriptions"])
def test_an_unknown_starting_after_answers_409(api: Api, operation_id: str) -> None:
    api.double.seed_invoices(2)
    response = api.call(operation_id, query={"startingAfter": "nope"})
    assert refused(response, operation_id, 409)["code"] == "resource_missing"


def test_unknown_prices_and_payment_methods_answer_409(api: Api) -> None:
    profile = api.profile()
    unknown_price = api.call("subscribePaymentProfile", body={"priceId": "price_nope"}, paymentProfileId=profile["id"])
    assert "price_nope" in refused(unknown_price, "subscribePaymentProfile", 409)["message"]
    unknown_method = api.call(
        "attachPaymentMethod", body={"paymentMethodId": "pm_nope"}, paymentProfileId=profile["id"]
    )
    assert "pm_nope" in refused(unknown_method, "attachPaymentMethod", 409)["message"]
    assert ok(api.call("listSubscriptions"), "listSubscriptions")["data"]["items"] == []


@pytest.mark.parametrize(
    ("operation_id", "kwargs"),
    [
        ("createPaymentProfile", {"body": {"network": "net_x"}}),
        ("createPaymentProfile", {"body": {"driver": 42}}),
        ("createPaymentProfile", {"body": None}),
        ("subscribePaymentProfile", {"paymentProfileId": "pp_x", "body": {"priceId": ["x"]}}),
        ("attachPaymentMethod", {"paymentProfileId": "pp_x", "body": {}}),
        ("retryInvoicePayment", {"invoiceId": "in_x", "body": None}),
        ("listInvoices", {"query": {"limit": "101"}}),
        ("listInvoices", {"query": {"limit": "-1"}}),
        ("listPaymentProfiles", {"query": {"limit": "ten"}}),
        ("listSubscriptions", {"query": {"limit": "1.5"}}),
    ],
)
def test_invalid_requests_answer_400(api: Api, operation_id: str, kwargs: dict[str, Any]) -> None:
    refused(api.call(operation_id, **kwargs), operation_id, 400)


def test_a_body_of_json_null_answers_400(api: Api) -> None:
    response = requests.post(
        api.running.base_url + "/billing/v1/payment-profiles",
        data="null",
        headers={"Content-Type": "application/json"},
        auth=api.auth,
        timeout=TIMEOUT,
    )
    refused(response, "createPaymentProfile", 400)


# -- pagination -------------------------------------------------------------------------------------


def test_pagination_walks_every_invoice_once_newest_first(api: Api) -> None:
    created = api.double.seed_invoices(23)
    pages = walk(api, "listInvoices", "5")
    assert [len(p["items"]) for p in pages] == [5, 5, 5, 5, 3]
    assert [p["hasMore"] for p in pages] == [True, True, True, True, False]
    assert [i["id"] for p in pages for i in p["items"]] == created[::-1]


@pytest.mark.parametrize("operation_id", ["listPaymentProfiles", "listSubscriptions"])
def test_pagination_of_profiles_and_subscriptions(api: Api, operation_id: str) -> None:
    api.double.seed_invoices(7)
    pages = walk(api, operation_id, "3")
    ids = [i["id"] for p in pages for i in p["items"]]
    assert len(ids) == len(set(ids)) == 7
    assert [p["hasMore"] for p in pages] == [True, True, False]


def test_limit_defaults_to_20_and_accepts_the_patterns_extremes(api: Api) -> None:
    api.double.seed_invoices(21)
    default = ok(api.call("listInvoices"), "listInvoices")["data"]
    assert (len(default["items"]), default["hasMore"]) == (20, True)
    everything = ok(api.call("listInvoices", query={"limit": "100"}), "listInvoices")["data"]
    assert (len(everything["items"]), everything["hasMore"]) == (21, False)
    padded = ok(api.call("listInvoices", query={"limit": "05"}), "listInvoices")["data"]
    assert len(padded["items"]) == 5
    # "0" matches the documented pattern: an empty page that still says whether objects follow.
    empty = ok(api.call("listInvoices", query={"limit": "0"}), "listInvoices")["data"]
    assert empty == {"hasMore": True, "items": []}
    last = everything["items"][-1]["id"]
    assert ok(api.call("listInvoices", query={"limit": "0", "startingAfter": last}), "listInvoices")["data"] == {
        "hasMore": False,
        "items": [],
    }


def test_has_more_is_false_when_the_last_page_is_exactly_full(api: Api) -> None:
    api.double.seed_invoices(6)
    assert [p["hasMore"] for p in walk(api, "listInvoices", "3")] == [True, False]


# -- faults ----------------------------------------------------------------------------------------


def _paid_invoice(api: Api) -> dict[str, Any]:
    [invoice_id] = api.double.seed_invoices(1, status="PAID")
    response = api.call("getInvoice", invoiceId=invoice_id)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()["data"]
    return body


def _kinds(response: requests.Response, operation_id: str) -> set[tuple[Kind, str]]:
    return {(v.kind, v.pointer) for v in violations_of(response, operation_id) or []}


@pytest.mark.parametrize("faulty", ["field_removed"], indirect=True)
def test_fault_field_removed(faulty: Api) -> None:
    [invoice_id] = faulty.double.seed_invoices(1)
    response = faulty.call("getInvoice", invoiceId=invoice_id)
    assert "periodEnd" not in response.json()["data"]
    assert _kinds(response, "getInvoice") == {(Kind.MISSING_FIELD, "/data/periodEnd")}
    listed = faulty.call("listInvoices")
    assert _kinds(listed, "listInvoices") == {(Kind.MISSING_FIELD, "/data/items/*/periodEnd")}


@pytest.mark.parametrize("faulty", ["field_retyped"], indirect=True)
def test_fault_field_retyped(faulty: Api) -> None:
    invoice = _paid_invoice(faulty)
    assert invoice["totalPaymentAttempts"] == "1"
    response = faulty.call("getInvoice", invoiceId=invoice["id"])
    assert _kinds(response, "getInvoice") == {(Kind.TYPE_MISMATCH, "/data/totalPaymentAttempts")}


@pytest.mark.parametrize("faulty", ["field_renamed"], indirect=True)
def test_fault_field_renamed(faulty: Api) -> None:
    invoice = _paid_invoice(faulty)
    assert "taxTotal" not in invoice
    assert invoice["totalTax"] == 0
    response = faulty.call("getInvoice", invoiceId=invoice["id"])
    assert _kinds(response, "getInvoice") == {
        (Kind.MISSING_FIELD, "/data/taxTotal"),
        (Kind.UNDOCUMENTED_FIELD, "/data/totalTax"),
    }


@pytest.mark.parametrize("faulty", ["field_added"], indirect=True)
def test_fault_field_added_touches_invoices_only(faulty: Api) -> None:
    invoice = _paid_invoice(faulty)
    assert invoice["amountDue"] == 0
    response = faulty.call("getInvoice", invoiceId=invoice["id"])
    assert _kinds(response, "getInvoice") == {(Kind.UNDOCUMENTED_FIELD, "/data/amountDue")}
    for operation_id in ("listSubscriptions", "listPaymentProfiles"):
        assert violations_of(faulty.call(operation_id), operation_id) == []


@pytest.mark.parametrize("faulty", ["enum_value_added"], indirect=True)
def test_fault_enum_value_added(faulty: Api) -> None:
    invoice = _paid_invoice(faulty)
    assert invoice["status"] == "PAYMENT_FAILED"
    response = faulty.call("getInvoice", invoiceId=invoice["id"])
    assert _kinds(response, "getInvoice") == {(Kind.ENUM_VIOLATION, "/data/status")}


@pytest.mark.parametrize("faulty", ["null_not_nullable"], indirect=True)
def test_fault_null_not_nullable(faulty: Api) -> None:
    invoice = _paid_invoice(faulty)
    assert invoice["currency"] is None
    response = faulty.call("getInvoice", invoiceId=invoice["id"])
    assert _kinds(response, "getInvoice") == {(Kind.NULLABILITY, "/data/currency")}


@pytest.mark.parametrize("faulty", ["wrong_success_status"], indirect=True)
def test_fault_wrong_success_status(faulty: Api) -> None:
    assert faulty.call("createPaymentProfile", body={"driver": "drv_x"}).status_code == 202
    assert faulty.call("listInvoices").status_code == 202
    assert faulty.call("getInvoice", invoiceId="in_missing").status_code == 404


@pytest.mark.parametrize("faulty", ["wrong_content_type"], indirect=True)
def test_fault_wrong_content_type(faulty: Api) -> None:
    response = faulty.call("listInvoices")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert faulty.call("getInvoice", invoiceId="in_x").headers["Content-Type"].startswith("text/plain")
    assert faulty.token().headers["Content-Type"] == "application/json"  # Auth0's endpoint, not the API


@pytest.mark.parametrize("faulty", ["server_error"], indirect=True)
def test_fault_server_error_on_subscribe(faulty: Api) -> None:
    profile = faulty.profile()
    response = faulty.call("subscribePaymentProfile", body={"priceId": FLEET}, paymentProfileId=profile["id"])
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "api_error"
    assert violations_of(response, "subscribePaymentProfile") is None  # 500 is undocumented
    ok(faulty.call("listInvoices"), "listInvoices")


@pytest.mark.parametrize("faulty", ["auth_not_enforced"], indirect=True)
def test_fault_auth_not_enforced(faulty: Api) -> None:
    ok(faulty.call("listInvoices", auth=None), "listInvoices")
    created = faulty.call("createPaymentProfile", body={"driver": "drv_x"}, auth=("x", "y"))
    ok(created, "createPaymentProfile")


@pytest.mark.parametrize("faulty", ["rate_limited"], indirect=True)
def test_fault_rate_limited(faulty: Api) -> None:
    statuses = [faulty.call("listInvoices") for _ in range(4)]
    assert [r.status_code for r in statuses] == [429, 429, 429, 200]
    assert all(r.headers["Retry-After"] == "1" for r in statuses[:3])
    assert violations_of(statuses[0], "listInvoices") == []
    assert faulty.auth.fetches == 1  # type: ignore[attr-defined]  # the token endpoint is not rate limited


@pytest.mark.parametrize("faulty", ["slow_responses"], indirect=True)
def test_fault_slow_responses(faulty: Api) -> None:
    faulty.auth.token()  # type: ignore[attr-defined]  # the token endpoint answers at once
    started = time.monotonic()
    ok(faulty.call("listInvoices"), "listInvoices")
    assert time.monotonic() - started >= LynkwellDouble.slow_seconds


@pytest.mark.parametrize("faulty", ["pagination_repeats"], indirect=True)
def test_fault_pagination_repeats(faulty: Api) -> None:
    faulty.double.seed_invoices(6)
    first, second = walk(faulty, "listInvoices", "3")
    assert second["items"][0] == first["items"][-1]


@pytest.mark.parametrize("faulty", ["pagination_skips"], indirect=True)
def test_fault_pagination_skips(faulty: Api) -> None:
    created = faulty.double.seed_invoices(6)
    ids = [i["id"] for p in walk(faulty, "listInvoices", "3") for i in p["items"]]
    assert len(ids) == len(set(ids))
    assert set(ids) < set(created)


@pytest.mark.parametrize("faulty", ["has_more_lies"], indirect=True)
def test_fault_has_more_lies(faulty: Api) -> None:
    faulty.double.seed_invoices(4)
    everything = ok(faulty.call("listInvoices", query={"limit": "100"}), "listInvoices")["data"]
    assert len(everything["items"]) == 4
    assert everything["hasMore"] is True


@pytest.mark.parametrize("faulty", ["totals_mismatch"], indirect=True)
def test_fault_totals_mismatch(faulty: Api) -> None:
    invoice = _paid_invoice(faulty)
    assert invoice["subTotal"] == sum(i["total"] for i in invoice["subscriptionItems"]) + 1
    response = faulty.call("getInvoice", invoiceId=invoice["id"])
    assert violations_of(response, "getInvoice") == []  # schema-valid: only the invariant breaks


@pytest.mark.parametrize("faulty", ["illegal_transition_accepted"], indirect=True)
def test_fault_illegal_transition_accepted(faulty: Api) -> None:
    for status in ("PAID", "VOID", "DRAFT"):
        [invoice_id] = faulty.double.seed_invoices(1, status=status)
        response = ok(faulty.retry(invoice_id), "retryInvoicePayment")
        assert response["data"]["totalPaymentAttempts"] >= 1


def test_stored_objects_are_not_changed_by_response_faults() -> None:
    with running_double("lynkwell", faults=["field_removed", "null_not_nullable"]) as running:
        double = running.double
        assert isinstance(double, LynkwellDouble)
        [invoice_id] = double.seed_invoices(1)
        Api(running).call("getInvoice", invoiceId=invoice_id)
        assert double.invoices[invoice_id]["currency"] == "USD"
        assert "periodEnd" in double.invoices[invoice_id]


# -- schemathesis ---------------------------------------------------------------------------------


def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    # Demo data gives the links invoices to follow: no operation creates one from random input.
    with running_double("lynkwell", seed=7, demo_data=True) as running:
        api = Api(running)
        _run_schemathesis(api, api.token().json()["access_token"], tmp_path)


def _run_schemathesis(api: Api, token: str, tmp_path: Path) -> None:
    command = [
        str(ST),
        "run",
        str(PROVIDER.spec_path),
        "--url",
        api.running.base_url,
        "--header",
        f"Authorization: Bearer {token}",
        "--mode",
        "all",
        "--max-examples",
        "10",
        "--seed",
        "1",
        "--report-dir",
        str(tmp_path / "report"),
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert f"{len(SPEC.operations)} selected / {len(SPEC.operations)} total" in result.stdout
