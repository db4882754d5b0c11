"""The doubles' behaviour faults (issue 26) over real HTTP on 127.0.0.1: each twin runs the same requests on
the clean double, which keeps what the pages promise, and on the faulted one, where the deviation shows on
the wire (a read after an update, a filtered list, a page walk, a bound, a required field, a form body)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.core.errors import UsageError
from conformance.providers import get_provider
from conformance.sandbox.faults import CATALOGUE
from conformance.targets.double_server import RunningDouble, build_double, running_double

PROVIDERS = ("wooshpay", "useepay", "lynkwell")
BEHAVIOUR_FAULTS = [fault.name for fault in CATALOGUE if fault.scoped]
TIMEOUT = 10
# Each example restarts a served double: a handful per twin keeps the file fast.
EXAMPLES = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 ", min_size=1, max_size=24).map(lambda s: "v" + s)
FAULTY = pytest.mark.parametrize("faulty", [False, True], ids=["clean", "faulted"])


class Api:
    """Calls a served double by operationId with the provider's own auth; answers are JSON."""

    def __init__(self, running: RunningDouble) -> None:
        self.running = running
        self.spec = running.provider.spec
        self.session = requests.Session()
        self.session.auth = running.provider.auth(running.credentials, running.base_url)

    def call(self, operation_id: str, path: dict[str, str] | None = None, **kwargs: Any) -> requests.Response:
        operation = self.spec.operations[operation_id]
        url = self.running.base_url + operation.path.format(**(path or {}))
        return self.session.request(operation.method, url, timeout=TIMEOUT, **kwargs)

    def ok(self, operation_id: str, path: dict[str, str] | None = None, **kwargs: Any) -> Any:
        response = self.call(operation_id, path, **kwargs)
        assert response.status_code == 200, f"{operation_id}: {response.status_code} {response.text}"
        body = response.json()
        # Lynkwell wraps every answer in {"data": ...}.
        return body["data"] if self.running.provider.name == "lynkwell" else body


@pytest.fixture(scope="module")
def served() -> Iterator[dict[str, RunningDouble]]:
    with (
        running_double("wooshpay", seed=3) as wooshpay,
        running_double("useepay", seed=3) as useepay,
        running_double("lynkwell", seed=3) as lynkwell,
    ):
        yield {"wooshpay": wooshpay, "useepay": useepay, "lynkwell": lynkwell}


def fresh(served: dict[str, RunningDouble], provider: str, fault: str, faulty: bool) -> Api:
    """The provider's served double, emptied, with `fault` on or off."""
    running = served[provider]
    running.double.restart([fault] if faulty else [])
    return Api(running)


# -- update_not_persisted -----------------------------------------------------------------------------


UPDATES: dict[tuple[str, str], tuple[str, str, str]] = {
    # (provider, update) -> (create, retrieve, the field written)
    ("wooshpay", "updateCustomer"): ("createCustomer", "retrieveCustomer", "description"),
    ("wooshpay", "updateProduct"): ("createProduct", "retrieveProduct", "name"),
    ("wooshpay", "updatePrice"): ("createPrice", "retrievePrice", "nickname"),
    ("useepay", "updateCustomer"): ("createCustomer", "retrieveCustomer", "description"),
    ("useepay", "updateInvoice"): ("createInvoice", "retrieveInvoice", "description"),
}


def _created(api: Api, create: str) -> str:
    """A new object for `create`, with "before" in every field an update here writes."""
    provider = api.running.provider.name
    if provider == "wooshpay":
        product = api.ok("createProduct", json={"name": "before"})
        bodies = {
            "createCustomer": {"description": "before"},
            "createPrice": {"currency": "usd", "unit_amount": 100, "product": product["id"], "nickname": "before"},
        }
        return product["id"] if create == "createProduct" else api.ok(create, json=bodies[create])["id"]
    customer = api.ok("createCustomer", json={"merchant_customer_id": "m-1", "description": "before"})
    if create == "createCustomer":
        return str(customer["id"])
    invoice = {"customer_id": customer["id"], "currency": "USD", "total_amount": 112, "description": "before"}
    return str(api.ok("createInvoice", json=invoice)["id"])


@FAULTY
@pytest.mark.parametrize(("provider", "update"), sorted(UPDATES), ids=lambda v: str(v))
@EXAMPLES
@given(value=WORDS)
def test_update_not_persisted(
    served: dict[str, RunningDouble], provider: str, update: str, faulty: bool, value: str
) -> None:
    api = fresh(served, provider, "update_not_persisted", faulty)
    create, retrieve, name = UPDATES[(provider, update)]
    object_id = _created(api, create)
    answered = api.ok(update, {"id": object_id}, json={name: value})
    read = api.ok(retrieve, {"id": object_id})
    assert answered[name] == value  # the answer shows the new value either way
    assert read[name] == ("before" if faulty else value)


# -- quantity_ignored (WooshPay invoice items and subscription items) --------------------------------


def _subscription(api: Api) -> tuple[str, dict[str, Any]]:
    """A customer's live subscription of one monthly item, and a second monthly price of the same product."""
    customer = api.ok("createCustomer", json={"payment_method": "pm_card_visa"})["id"]
    product = api.ok("createProduct", json={"name": "Seat"})["id"]
    monthly = {"currency": "usd", "unit_amount": 900, "recurring": {"interval": "month"}, "product": product}
    first = api.ok("createPrice", json=monthly)["id"]
    second = api.ok("createPrice", json={**monthly, "unit_amount": 400})["id"]
    subscription = api.ok("createSubscription", json={"customer": customer, "items": [{"price": first}]})
    return customer, {"subscription": subscription, "second_price": second}


@FAULTY
@EXAMPLES
@given(quantity=st.integers(2, 50), unit_amount=st.integers(1, 10_000))
def test_quantity_ignored_on_create_invoice_item(
    served: dict[str, RunningDouble], faulty: bool, quantity: int, unit_amount: int
) -> None:
    api = fresh(served, "wooshpay", "quantity_ignored", faulty)
    customer = api.ok("createCustomer", json={})["id"]
    body = {"customer": customer, "currency": "usd", "unit_amount": unit_amount, "quantity": quantity}
    answered = api.ok("createInvoiceItem", json=body)
    read = api.ok("retrieveInvoiceItem", {"id": answered["id"]})
    kept = 1 if faulty else quantity
    assert (answered["quantity"], read["quantity"]) == (kept, kept)
    assert read["amount"] == unit_amount * kept


@FAULTY
@EXAMPLES
@given(quantity=st.integers(2, 50))
def test_quantity_ignored_on_create_subscription_item(
    served: dict[str, RunningDouble], faulty: bool, quantity: int
) -> None:
    api = fresh(served, "wooshpay", "quantity_ignored", faulty)
    _, made = _subscription(api)
    body = {"subscription": made["subscription"]["id"], "price": made["second_price"], "quantity": quantity}
    answered = api.ok("createSubscriptionItem", json=body)
    read = api.ok("retrieveSubscriptionItem", {"id": answered["id"]})
    assert answered["quantity"] == quantity
    assert read["quantity"] == (1 if faulty else quantity)


@FAULTY
@EXAMPLES
@given(quantity=st.integers(2, 50))
def test_quantity_ignored_on_update_subscription(served: dict[str, RunningDouble], faulty: bool, quantity: int) -> None:
    api = fresh(served, "wooshpay", "quantity_ignored", faulty)
    _, made = _subscription(api)
    subscription = made["subscription"]
    item = subscription["items"]["data"][0]["id"]
    answered = api.ok(
        "updateSubscription", {"id": subscription["id"]}, json={"items": [{"id": item, "quantity": quantity}]}
    )
    read = api.ok("retrieveSubscription", {"id": subscription["id"]})
    assert answered["items"]["data"][0]["quantity"] == quantity
    assert read["items"]["data"][0]["quantity"] == (1 if faulty else quantity)


# -- filter_ignored ------------------------------------------------------------------------------------


def _owners(api: Api, operation_id: str, counts: tuple[int, int]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """Two owners with counts[i] objects each of the list's kind: the filter query for the first, and the ids
    each owns."""
    provider = api.running.provider.name
    owned: dict[str, set[str]] = {}
    query: dict[str, str] = {}
    for index, count in enumerate(counts):
        if provider == "wooshpay":
            owner = api.ok("createCustomer", json={"payment_method": "pm_card_visa"})["id"]
            if operation_id == "listInvoices":
                made = [api.ok("createInvoice", json={"customer": owner})["id"] for _ in range(count)]
            else:
                product = api.ok("createProduct", json={"name": "Seat"})["id"]
                price = {"currency": "usd", "unit_amount": 900, "recurring": {"interval": "month"}, "product": product}
                price_id = api.ok("createPrice", json=price)["id"]
                made = [
                    api.ok("createSubscription", json={"customer": owner, "items": [{"price": price_id}]})["id"]
                    for _ in range(count)
                ]
            key, value = "customer", owner
        elif provider == "useepay":
            owner = api.ok("createCustomer", json={"merchant_customer_id": f"m-{index}"})["id"]
            invoice = {"customer_id": owner, "currency": "USD", "total_amount": 112}
            made = [api.ok("createInvoice", json=invoice)["id"] for _ in range(count)]
            key, value = "customer_id", owner
        else:
            email = f"driver{index}@example.com"
            driver = api.ok(
                "createDriver", json={"name": {"first": "A", "last": str(index)}, "contactDetails": {"email": email}}
            )
            if operation_id == "listDrivers":
                made = [driver["id"]]
                made += [
                    api.ok(
                        "createDriver",
                        json={"name": {"first": "B", "last": str(n)}, "contactDetails": {"email": email}},
                    )["id"]
                    for n in range(count - 1)
                ]
                key, value = "email", email
            else:
                made = [api.ok("createPaymentProfile", json={"driver": driver["id"]})["id"] for _ in range(count)]
                key, value = "driverId", driver["id"]
        owned[value] = set(made)
        if index == 0:
            query = {key: value}
    return query, owned


FILTERS = [
    ("wooshpay", "listInvoices"),
    ("wooshpay", "listSubscriptions"),
    ("useepay", "listInvoices"),
    ("lynkwell", "listPaymentProfiles"),
    ("lynkwell", "listDrivers"),
]


ONE_PAGE = {"wooshpay": {"limit": "100"}, "useepay": {"page_size": "100"}, "lynkwell": {"limit": "100"}}


def _items(provider: str, page: Any) -> list[dict[str, Any]]:
    return list(page["data"] if provider == "wooshpay" else page["items"])


@FAULTY
@pytest.mark.parametrize(("provider", "operation_id"), FILTERS, ids=lambda v: str(v))
@EXAMPLES
@given(counts=st.tuples(st.integers(1, 3), st.integers(1, 3)))
def test_filter_ignored(
    served: dict[str, RunningDouble], provider: str, operation_id: str, faulty: bool, counts: tuple[int, int]
) -> None:
    api = fresh(served, provider, "filter_ignored", faulty)
    query, owned = _owners(api, operation_id, counts)
    wanted, other = (owned[value] for value in owned)
    listed = {item["id"] for item in _items(provider, api.ok(operation_id, params={**query, **ONE_PAGE[provider]}))}
    assert wanted <= listed
    assert bool(listed & other) is faulty  # the other owner's objects are listed only when the filter is ignored


# -- page_base_shifted, page_skips_item (UseePay's zero-based page_num) --------------------------------


def _walk(api: Api, operation_id: str, size: int, pages: int) -> list[str]:
    """Every id a walk from the documented first page (0) lists, in order, until has_more is false."""
    listed: list[str] = []
    for page_num in range(pages):
        page = api.ok(operation_id, params={"page_num": page_num, "page_size": size})
        listed += [item["id"] for item in page["items"]]
        if not page["has_more"]:
            return listed
    raise AssertionError(f"{operation_id}: has_more still true after {pages} pages")


def _customers(api: Api, count: int) -> list[str]:
    return [api.ok("createCustomer", json={"merchant_customer_id": f"m-{n}"})["id"] for n in range(count)]


@FAULTY
@EXAMPLES
@given(size=st.integers(1, 4), extra=st.integers(1, 6))
def test_page_base_shifted(served: dict[str, RunningDouble], faulty: bool, size: int, extra: int) -> None:
    api = fresh(served, "useepay", "page_base_shifted", faulty)
    made = _customers(api, size + extra)  # more than one page
    listed = _walk(api, "listCustomers", size, len(made) + 3)
    first_page = listed[:size]
    if faulty:
        assert listed[size : 2 * size] == first_page  # pages 0 and 1 are both the first
        assert sorted(set(listed)) == sorted(made)
    else:
        assert sorted(listed) == sorted(made)  # each object exactly once


@FAULTY
@EXAMPLES
@given(size=st.integers(1, 4), extra=st.integers(1, 6))
def test_page_skips_item(served: dict[str, RunningDouble], faulty: bool, size: int, extra: int) -> None:
    api = fresh(served, "useepay", "page_skips_item", faulty)
    made = _customers(api, size + extra)
    listed = _walk(api, "listCustomers", size, len(made) + 3)
    assert len(listed) == len(set(listed))  # nothing twice either way
    missing = set(made) - set(listed)
    assert len(missing) == (1 if faulty else 0)


# -- limit_unbounded (WooshPay: limit 1..100) ----------------------------------------------------------

MAXIMUM = 100


@pytest.fixture(scope="module")
def many_products(served: dict[str, RunningDouble]) -> Iterator[Api]:
    """WooshPay's double holding more products than the documented maximum page size."""
    api = fresh(served, "wooshpay", "limit_unbounded", False)
    for n in range(MAXIMUM + 5):
        api.ok("createProduct", json={"name": f"p{n}"})
    yield api
    api.running.double.restart()


@FAULTY
@EXAMPLES
@given(limit=st.integers(1, MAXIMUM + 5))
def test_limit_unbounded(many_products: Api, faulty: bool, limit: int) -> None:
    double = many_products.running.double
    # Not restart(): the products stay; the fault switches on or off alone.
    double.faults = double.fault_set(["limit_unbounded"] if faulty else [])
    response = many_products.call("listProducts", params={"limit": limit})
    if limit <= MAXIMUM:
        assert response.status_code == 200
        assert len(response.json()["data"]) == limit
    elif faulty:
        assert response.status_code == 200
        assert len(response.json()["data"]) == limit  # more than the maximum served
    else:
        assert response.status_code == 400
        assert response.json()["error"]["param"] == "limit"


# -- required_not_enforced (WooshPay createProduct: name required) ------------------------------------


@FAULTY
@EXAMPLES
@given(description=WORDS, with_name=st.booleans())
def test_required_not_enforced(
    served: dict[str, RunningDouble], faulty: bool, description: str, with_name: bool
) -> None:
    api = fresh(served, "wooshpay", "required_not_enforced", faulty)
    body = {"description": description, **({"name": "Seat"} if with_name else {})}
    response = api.call("createProduct", json=body)
    if with_name or faulty:
        assert response.status_code == 200, response.text
        assert response.json()["description"] == description
    else:
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "parameter_missing"


# -- form_nested_dropped (WooshPay: Stripe bracket keys) ------------------------------------------------

KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
METADATA = st.dictionaries(KEYS, WORDS, min_size=1, max_size=4)


@FAULTY
@pytest.mark.parametrize("encoding", ["form", "json"])
@EXAMPLES
@given(metadata=METADATA)
def test_form_nested_dropped(
    served: dict[str, RunningDouble], faulty: bool, encoding: str, metadata: dict[str, str]
) -> None:
    api = fresh(served, "wooshpay", "form_nested_dropped", faulty)
    if encoding == "form":
        sent: dict[str, Any] = {"data": {f"metadata[{k}]": v for k, v in metadata.items()} | {"name": "Ada"}}
    else:
        sent = {"json": {"metadata": metadata, "name": "Ada"}}
    created = api.ok("createCustomer", **sent)
    read = api.ok("retrieveCustomer", {"id": created["id"]})
    assert read["name"] == "Ada"  # the flat fields arrive in both encodings
    dropped = faulty and encoding == "form"
    assert read["metadata"] == ({} if dropped else metadata)
    # The same on an update: the map sent form-encoded is lost, sent as JSON it is merged.
    updated = api.ok("updateCustomer", {"id": created["id"]}, **sent)
    assert updated["metadata"] == ({} if dropped else metadata)


# -- the catalogue: where each behaviour fault exists -------------------------------------------------


def test_every_behaviour_fault_is_declared_on_documented_operations() -> None:
    declared: dict[str, list[str]] = {name: [] for name in BEHAVIOUR_FAULTS}
    for provider in PROVIDERS:
        double = get_provider(provider).double()
        spec = get_provider(provider).spec
        for name, operations in double.fault_operations.items():
            assert name in declared, f"{provider}: {name} is no behaviour fault of the catalogue"
            assert operations, (provider, name)
            assert set(operations) <= set(spec.operations), (provider, name)
            declared[name].append(provider)
    assert all(declared.values()), declared
    assert len(declared["filter_ignored"]) >= 2


@pytest.mark.parametrize(("provider", "fault"), [("useepay", "form_nested_dropped"), ("lynkwell", "page_base_shifted")])
def test_a_behaviour_fault_a_double_lacks_is_a_usage_error(provider: str, fault: str) -> None:
    with pytest.raises(UsageError, match=f"cannot show {fault}"):
        build_double(provider, faults=[fault])
    listed = [f.name for f in get_provider(provider).double().catalogue()]
    assert fault not in listed
    assert "filter_ignored" in listed
