"""The UseePay double: invoices and customers of the UseePay API (docs-v2.useepay.com), as specs/useepay.yaml reads them.

What it reproduces:

- Auth: every operation needs the three headers x-merchant-no, x-api-key and x-app-id, each equal to the
  credentials (USEEPAY_MERCHANT_NO, USEEPAY_API_KEY, USEEPAY_APP_ID); otherwise 401 with the Errors
  page's body {code, source, message}.
- Objects look like the documented examples: ids are a prefix and 13 upper-case alphanumerics
  (inv_1JBQUCEC40000, cus_1JA7UDDQG3800), timestamps are ISO 8601 UTC to the second
  ("2024-10-28T07:17:43Z") under create_at/modify_at, merchant_no and app_id come from the credentials,
  invoice numbers count up per double (invoicenum000000001, ...), total_amount is the integer sent on
  create (UseePay invoices have no lines, so the total is the one amount the client gives).
  days_until_due is accepted and, as documented, never echoed.
- Error codes are the Errors page's where one fits (field_required, invalid_argument); unknown ids answer
  404 resource_not_found (the code of the docs project's own Apifox export, since the page lists none).
- Lifecycle (no page lists one; the spec's status enum): createInvoice -> open. payInvoice from open or
  payment_failed -> paid (a pi_ payment intent is set, the error fields cleared) or payment_failed.
  updateInvoice only while open or payment_failed. Paying or updating a paid or cancelled invoice is
  refused with 400 (the Errors page's "failed another validation test") and the error object (guard(), from
  the spec's x-lifecycle). No
  documented operation cancels an invoice, so cancelled is never reached here.
- Payment rule (deterministic; the docs publish no test cards or test mandates): a mandate is unusable
  when its customer_acceptance.accepted_at lies after the payment attempt (the customer cannot have
  accepted yet). The attempt then answers 200 with status payment_failed and the invoice's code, source
  and message describing the failure, payment_intent staying null, as the Pay page's example shows.
  Any other mandate (the documented one included) pays the invoice.
- listInvoices: page_num (0-based, default 0) and page_size (default 10, the vendor SDK's default),
  {items, has_more}, oldest first so that numbered pages stay put as invoices are created; filters
  customer_id and from_created_at (create_at at or after it).
- Subscriptions (no page says when they bill; the spec's reading, UP-SUBSCRIPTION-INVOICES-UNDOCUMENTED):
  creating one creates its first invoice (open, total_amount = recurring.unit_amount, subscription_id,
  the first period) named by first_invoice_id and latest_invoice; the subscription is incomplete until that
  invoice is paid, then active; update and cancel (status cancelled, canceled_at, ended_at) only while it
  is live, else 400. Customers, subscriptions and mandates list like invoices (page_num/page_size).
  Mandates and payment methods (pm_, card brand and last4 only) name an existing customer.
- Demo data (seed_demo_data, for `conformance sandbox` and `--target sandbox`): two customers, each with
  an open, a paid and a payment_failed invoice.

Variant docs_only (issue 24): follows the pages and nothing more. A request body is held only to what the
pages state: a constraint only the spec infers (a required list, an enum, a bound) is not enforced, and what
is accepted is stored and echoed as sent. Refusals use the statuses the Errors page allows (400, and 404 for
an unknown id).

Faults: every fault of the catalogue applies except deleted_still_retrievable (UseePay documents no
delete operation). Response-shape faults touch FaultTargets below; pagination faults come from page();
illegal_transition_accepted and the accept:/refuse: flips from guard().
"""

from __future__ import annotations

import copy
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

from jsonschema import Draft202012Validator
from werkzeug.wrappers import Request

from conformance.providers.useepay import HEADERS
from conformance.sandbox import periods
from conformance.sandbox.double import JSON, ApiError, ApiRequest, ApiResponse, FaultTargets, ProviderDouble
from conformance.spec.specs import Operation

DEFAULT_PAGE_SIZE = 10
# The variant that follows the recovered pages and nothing more (issue 24): see UseePayDouble.variants.
DOCS_ONLY = "docs_only"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # "2024-10-28T07:17:43Z", as every example prints
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)
UPDATABLE_FIELDS = ("description", "metadata", "footer")
CUSTOMER_FIELDS = (
    "merchant_customer_id",
    "name",
    "email",
    "phone",
    "first_name",
    "last_name",
    "description",
    "address",
    "metadata",
    "shipping",
)
ADDRESS_FIELDS = ("country", "city", "postcode", "state", "line1", "line2")
ACCEPTED_AT = "mandate_data.customer_acceptance.accepted_at"
# Statuses a subscription can still be updated or cancelled in (cancelled and expired are final).
SUBSCRIPTION_LIVE = ("incomplete", "active", "unpaid", "paused")
# default_payment_method is accepted but not echoed: the documented object has no such field.
SUBSCRIPTION_FIELDS = (
    "currency",
    "recurring",
    "description",
    "order",
    "metadata",
    "collection_method",
    "days_until_due",
)
_CARD_BRANDS = {"3": "amex", "4": "visa", "5": "mastercard", "6": "discover"}

# Framework error codes -> the codes UseePay documents.
_ERROR_CODES = {
    "parameter_missing": "field_required",
    "parameter_invalid": "invalid_argument",
    "invalid_request": "invalid_argument",
    "resource_missing": "resource_not_found",
    "not_found": "resource_not_found",
}
_UNAUTHORIZED_MESSAGE = (
    "Please verify that the x-merchant-no, x-api-key and x-app-id headers are provided and are valid."
)


class UseePayDouble(ProviderDouble):
    provider = "useepay"
    id_prefixes: ClassVar[dict[str, str]] = {
        "invoice": "inv_",
        "customer": "cus_",
        "payment_intent": "pi_",
        "subscription": "sub_",
        "mandate": "man_",
        "payment_method": "pm_",
    }
    fault_targets = FaultTargets(
        removed_field="currency",
        retyped_field="total_amount",
        # The webhook sample spells the creation time created_at (UP-TIMESTAMP-FIELD-NAMES).
        renamed_field=("create_at", "created_at"),
        # ...and adds an "object" field the API examples lack.
        added_field=("object", "invoice"),
        # The vendor SDK's statuses include draft; no documentation page does.
        enum_field=("status", "draft"),
        nullable_field="customer_id",
        total_field="total_amount",
        server_error_operation="createInvoice",
        removed_fields=("currency", "footer", "doc_url"),
    )

    variants: ClassVar[dict[str, str]] = {
        DOCS_ONLY: "Follows the pages and nothing more: constraints only the spec infers are not enforced, what is "
        "accepted is stored and echoed as sent, refusals use the Errors page's statuses.",
    }

    customers: dict[str, JSON]
    invoices: dict[str, JSON]
    subscriptions: dict[str, JSON]
    mandates: dict[str, JSON]
    payment_methods: dict[str, JSON]

    @property
    def enforces_inferred(self) -> bool:
        return DOCS_ONLY not in self.faults

    def _apply_response_faults(self, response: ApiResponse, operation: Operation | None = None) -> ApiResponse:
        response = super()._apply_response_faults(response, operation)
        if DOCS_ONLY in self.faults and 200 <= response.status < 300 and operation is not None:
            self.omit_inferred_nulls(operation, response)
        return response

    def reset(self) -> None:
        self.customers = {}
        self.invoices = {}
        self.subscriptions = {}
        self.mandates = {}
        self.payment_methods = {}
        self._invoice_count = 0

    def authenticate(self, request: Request) -> bool:
        # All three headers, each equal to its credential; a credential the double lacks matches nothing.
        for var, header in HEADERS.items():
            expected = self.credentials.get(var)
            if expected is None or request.headers.get(header) != expected:
                return False
        return True

    def error_body(self, error: ApiError) -> JSON:
        message = _UNAUTHORIZED_MESSAGE if error.status == 401 else error.message
        return {"code": _ERROR_CODES.get(error.code, error.code), "source": error.param, "message": message}

    def invoices_in(self, body: Any) -> Iterator[JSON]:
        if not isinstance(body, dict):
            return
        if isinstance(body.get("items"), list):
            yield from (item for item in body["items"] if isinstance(item, dict))
        elif str(body.get("id", "")).startswith(self.id_prefixes["invoice"]):
            yield body

    def new_id(self, kind: str) -> str:
        # UseePay ids: prefix + 13 upper-case alphanumerics, e.g. inv_1JBQUCEC40000.
        alphabet = string.ascii_uppercase + string.digits
        return self.id_prefixes[kind] + "".join(self._random.choice(alphabet) for _ in range(13))

    def timestamp(self) -> str:
        return _format_instant(self.now())

    def seed_demo_data(self) -> None:
        """Two customers, each with one invoice in every status the API can reach: open, paid and
        payment_failed (no documented operation cancels an invoice)."""
        usable = {"accepted_at": _format_instant(self.now())}
        unusable = {"accepted_at": _format_instant(self.now() + 86_400)}
        demo_customers = [
            ({"merchant_customer_id": "demo-1", "name": "Demo Customer", "email": "demo@example.com"}, 112),
            ({"merchant_customer_id": "demo-2", "name": "Second Demo Customer", "email": "second@example.com"}, 9900),
        ]
        for (fields, amount), collection_method in zip(
            demo_customers, ("charge_automatically", "send_invoice"), strict=True
        ):
            customer = self._create_customer(fields)
            for status in ("open", "paid", "payment_failed"):
                invoice = self._create_invoice(
                    {
                        "customer_id": customer["id"],
                        "currency": "USD",
                        "total_amount": amount,
                        "collection_method": collection_method,
                        "description": f"Demo invoice ({status})",
                    }
                )
                if status != "open":
                    self._pay(invoice, usable if status == "paid" else unusable)
        first = next(iter(self.customers.values()))
        recurring = {"interval": "month", "interval_count": 1, "unit_amount": 112, "total_billing_cycles": 10}
        self._create_subscription({"currency": "USD", "recurring": recurring}, first)

    # -- customers --------------------------------------------------------------------------------

    def createCustomer(self, request: ApiRequest) -> ApiResponse:
        return ApiResponse(200, copy.deepcopy(self._create_customer(request.body)))

    def retrieveCustomer(self, request: ApiRequest) -> ApiResponse:
        customer = self.require(self.customers, request.path_params["id"], "customer")
        return ApiResponse(200, copy.deepcopy(customer))

    def updateCustomer(self, request: ApiRequest) -> ApiResponse:
        customer = self.require(self.customers, request.path_params["id"], "customer")
        fields = {name: request.body[name] for name in CUSTOMER_FIELDS if name in request.body}
        if fields.get("address") is not None:
            fields["address"] = _address(fields["address"])
        customer.update(fields, modify_at=self.timestamp())
        return ApiResponse(200, copy.deepcopy(customer))

    def listCustomers(self, request: ApiRequest) -> ApiResponse:
        return ApiResponse(200, self._numbered_page(list(self.customers.values()), request.query))

    # -- subscriptions ----------------------------------------------------------------------------

    def createSubscription(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        customer = self.require(self.customers, body["customer_id"], "customer", "customer_id")
        return ApiResponse(200, copy.deepcopy(self._create_subscription(body, customer)))

    def retrieveSubscription(self, request: ApiRequest) -> ApiResponse:
        subscription = self.require(self.subscriptions, request.path_params["id"], "subscription")
        return ApiResponse(200, copy.deepcopy(subscription))

    def updateSubscription(self, request: ApiRequest) -> ApiResponse:
        subscription = self.require(self.subscriptions, request.path_params["id"], "subscription")
        self.guard_state(subscription["status"], SUBSCRIPTION_LIVE, "update", "subscription")
        body = request.body
        if "customer_id" in body and body["customer_id"] != subscription["customer_id"]:
            raise ApiError(400, "invalid_argument", "A subscription cannot move to another customer.", "customer_id")
        changed = {name: body[name] for name in SUBSCRIPTION_FIELDS if name in body}
        if "recurring" in changed:
            changed["recurring"] = _recurring(changed["recurring"])
        if changed.get("order") is not None:
            changed["order"] = _order(changed["order"])
        subscription.update(copy.deepcopy(changed), modify_at=self.timestamp())
        return ApiResponse(200, copy.deepcopy(subscription))

    def listSubscriptions(self, request: ApiRequest) -> ApiResponse:
        items = _of_customer(list(self.subscriptions.values()), request.query.get("customer_id"))
        return ApiResponse(200, self._numbered_page(items, request.query))

    def cancelSubscription(self, request: ApiRequest) -> ApiResponse:
        subscription = self.require(self.subscriptions, request.path_params["id"], "subscription")
        self.guard_state(subscription["status"], SUBSCRIPTION_LIVE, "cancel", "subscription")
        stamp = self.timestamp()
        subscription.update(status="cancelled", canceled_at=stamp, ended_at=stamp, modify_at=stamp)
        return ApiResponse(200, copy.deepcopy(subscription))

    # -- mandates and payment methods -------------------------------------------------------------

    def createMandate(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        self.require(self.customers, body["customer_id"], "customer", "customer_id")
        if _parse_instant(body["customer_acceptance"]["accepted_at"]) is None:
            raise ApiError(400, "parameter_invalid", "accepted_at must be an ISO 8601 date-time.", "accepted_at")
        stamp = self.timestamp()
        mandate = {
            "id": self.new_id("mandate"),
            "customer_id": body["customer_id"],
            "payment_intent_id": body["payment_intent_id"],
            "customer_acceptance": _acceptance(body["customer_acceptance"]),
            **self._owner(stamp),
        }
        self.mandates[mandate["id"]] = mandate
        return ApiResponse(200, copy.deepcopy(mandate))

    def listMandates(self, request: ApiRequest) -> ApiResponse:
        query = request.query
        items = _of_customer(list(self.mandates.values()), query.get("customer_id"))
        items = self._created_since(items, query.get("from_created_at"))
        return ApiResponse(200, self._numbered_page(items, query))

    def createPaymentMethod(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        self.require(self.customers, body["customer_id"], "customer", "customer_id")
        card = body["card"]
        method = {
            "id": self.new_id("payment_method"),
            "type": body["type"],
            "customer_id": body["customer_id"],
            "card": {
                "brand": _CARD_BRANDS.get(card["number"][0], "unknown"),
                "last4": card["number"][-4:],
                "exp_month": card["exp_month"],
                "exp_year": card["exp_year"],
            },
            **self._owner(self.timestamp()),
        }
        self.payment_methods[method["id"]] = method
        return ApiResponse(200, copy.deepcopy(method))

    # -- invoices ---------------------------------------------------------------------------------

    def createInvoice(self, request: ApiRequest) -> ApiResponse:
        self.require(self.customers, request.body["customer_id"], "customer", "customer_id")
        return ApiResponse(200, copy.deepcopy(self._create_invoice(request.body)))

    def retrieveInvoice(self, request: ApiRequest) -> ApiResponse:
        invoice = self.require(self.invoices, request.path_params["id"], "invoice")
        return ApiResponse(200, copy.deepcopy(invoice))

    def updateInvoice(self, request: ApiRequest) -> ApiResponse:
        invoice = self.require(self.invoices, request.path_params["id"], "invoice")
        self.guard("updateInvoice", invoice["status"])
        # Fields sent replace the stored ones whole (metadata included); days_until_due is not echoed.
        invoice.update({name: request.body[name] for name in UPDATABLE_FIELDS if name in request.body})
        invoice["modify_at"] = self.timestamp()
        return ApiResponse(200, copy.deepcopy(invoice))

    def payInvoice(self, request: ApiRequest) -> ApiResponse:
        invoice = self.require(self.invoices, request.path_params["id"], "invoice")
        self.guard("payInvoice", invoice["status"])
        self._pay(invoice, request.body["mandate_data"]["customer_acceptance"])
        self._settle_subscription(invoice)
        return ApiResponse(200, copy.deepcopy(invoice))

    def listInvoices(self, request: ApiRequest) -> ApiResponse:
        query = request.query
        items = _of_customer(list(self.invoices.values()), query.get("customer_id"))
        items = self._created_since(items, query.get("from_created_at"))
        return ApiResponse(200, self._numbered_page(items, query))

    # -- internals --------------------------------------------------------------------------------

    def _create_customer(self, body: JSON) -> JSON:
        stamp = self.timestamp()
        fields = {name: body.get(name) for name in CUSTOMER_FIELDS}
        if fields["address"] is not None:
            fields["address"] = _address(fields["address"])
        customer: JSON = {
            "id": self.new_id("customer"),
            **fields,
            "merchant_no": self.credentials["USEEPAY_MERCHANT_NO"],
            "app_id": self.credentials["USEEPAY_APP_ID"],
            "create_at": stamp,
            "modify_at": stamp,
        }
        self.customers[customer["id"]] = customer
        return customer

    def _create_invoice(self, body: JSON) -> JSON:
        self._invoice_count += 1
        stamp = self.timestamp()
        # Key order as in the documented examples.
        invoice: JSON = {
            "id": self.new_id("invoice"),
            "code": None,
            "source": None,
            "message": None,
            "currency": body["currency"],
            "description": body.get("description"),
            "metadata": body.get("metadata"),
            "status": "open",
            "footer": body.get("footer"),
            "number": f"invoicenum{self._invoice_count:09d}",
            "merchant_no": self.credentials["USEEPAY_MERCHANT_NO"],
            "app_id": self.credentials["USEEPAY_APP_ID"],
            "create_at": stamp,
            "modify_at": stamp,
            "decline_code": None,
            "doc_url": None,
            "collection_method": body.get("collection_method", "charge_automatically"),
            "customer_id": body["customer_id"],
            "hosted_invoice_url": None,
            "payment_intent": None,
            "period_end": None,
            "period_start": None,
            "subscription_id": body.get("subscription_id"),
            "total_amount": body["total_amount"],
        }
        self.invoices[invoice["id"]] = invoice
        return invoice

    def _pay(self, invoice: JSON, acceptance: JSON) -> None:
        """One payment attempt: paid with a new payment intent, or payment_failed saying why."""
        problem = self._unusable_mandate(acceptance)
        if problem is None:
            outcome = {"status": "paid", "code": None, "source": None, "message": None}
            outcome["payment_intent"] = self.new_id("payment_intent")
        else:
            outcome = {"status": "payment_failed", "code": "invalid_argument", "source": ACCEPTED_AT}
            outcome.update(message=problem, payment_intent=None)
        invoice.update(outcome, modify_at=self.timestamp())

    def _owner(self, stamp: str) -> JSON:
        """The fields every UseePay object ends with."""
        return {
            "merchant_no": self.credentials["USEEPAY_MERCHANT_NO"],
            "app_id": self.credentials["USEEPAY_APP_ID"],
            "create_at": stamp,
            "modify_at": stamp,
        }

    def _numbered_page(self, items: list[JSON], query: JSON) -> JSON:
        """page_num (0-based) / page_size over `items`, as {items, has_more}."""
        page_num = query.get("page_num", 0)
        page_size = query.get("page_size", DEFAULT_PAGE_SIZE)
        # Page numbers become page()'s cursor (the last item before the page), so the pagination
        # faults show here exactly as on cursor-paged providers. Past the end, the cursor is the last item.
        start = min(page_num * page_size, len(items))
        after = items[start - 1]["id"] if start else None
        window, more = self.page(items, limit=page_size, after=after)
        return {"items": copy.deepcopy(window), "has_more": more}

    def _created_since(self, items: list[JSON], from_created_at: str | None) -> list[JSON]:
        if from_created_at is None:
            return items
        since = _parse_instant(from_created_at)
        if since is None:
            raise ApiError(
                400, "parameter_invalid", "from_created_at must be an ISO 8601 date-time.", "from_created_at"
            )
        return [item for item in items if _created(item) >= since]

    def _create_subscription(self, body: JSON, customer: JSON) -> JSON:
        """A subscription and its first invoice (open, for one cycle's amount); incomplete until that is paid."""
        stamp = self.timestamp()
        recurring = body["recurring"]
        now = self.now()
        end = periods.period_end(now, recurring["interval"], recurring["interval_count"])
        subscription_id = self.new_id("subscription")
        collection_method = body.get("collection_method", "charge_automatically")
        invoice = self._create_invoice(
            {
                "customer_id": customer["id"],
                "currency": body["currency"],
                "total_amount": recurring["unit_amount"],
                "collection_method": collection_method,
                "description": body.get("description"),
                "subscription_id": subscription_id,
            }
        )
        invoice.update(period_start=stamp, period_end=_format_instant(end))
        # Key order as in the "Retrieves a subscription" example.
        subscription: JSON = {
            "id": subscription_id,
            "recurring": _recurring(recurring),
            "currency": body["currency"],
            "description": body.get("description"),
            "order": None if body.get("order") is None else _order(body["order"]),
            "metadata": copy.deepcopy(body.get("metadata")),
            "status": "incomplete",
            "livemode": False,
            "prorate": None,
            "merchant_no": self.credentials["USEEPAY_MERCHANT_NO"],
            "app_id": self.credentials["USEEPAY_APP_ID"],
            "create_at": stamp,
            "modify_at": stamp,
            "customer_id": customer["id"],
            "cancel_at_period_end": False,
            "current_period_end": _format_instant(end),
            "current_period_start": stamp,
            "latest_invoice": invoice["id"],
            "first_invoice_id": invoice["id"],
            "cancel_at": None,
            "canceled_at": None,
            "collection_method": collection_method,
            "days_until_due": body.get("days_until_due"),
            "ended_at": None,
            "cancellation_details": None,
            "invoice_now": None,
        }
        self.subscriptions[subscription_id] = subscription
        return subscription

    def _settle_subscription(self, invoice: JSON) -> None:
        """A paid invoice makes its incomplete (or unpaid) subscription active."""
        subscription = self.subscriptions.get(invoice.get("subscription_id") or "")
        if (
            subscription is not None
            and invoice["status"] == "paid"
            and subscription["status"] in ("incomplete", "unpaid")
        ):
            subscription.update(status="active", modify_at=self.timestamp())

    def _unusable_mandate(self, acceptance: JSON) -> str | None:
        """Why the mandate cannot be charged, or None: accepted_at must not lie after the attempt."""
        accepted_at = _parse_instant(acceptance["accepted_at"])
        if accepted_at is None:
            raise ApiError(400, "parameter_invalid", "accepted_at must be an ISO 8601 date-time.", ACCEPTED_AT)
        now = datetime.fromtimestamp(self.now(), UTC)
        if accepted_at > now:
            return (
                f"The mandate cannot be used: the customer accepted it at {acceptance['accepted_at']}, "
                f"after this payment attempt ({_format_instant(self.now())})."
            )
        return None


def _address(given: JSON) -> JSON:
    # The request schema leaves Address open; the object keeps only the documented parts.
    return {k: v for k, v in given.items() if k in ADDRESS_FIELDS}


def _recurring(given: JSON) -> JSON:
    return {name: given.get(name) for name in ("interval", "interval_count", "unit_amount", "total_billing_cycles")}


def _order(given: JSON) -> JSON:
    # Only the documented parts of an order are kept (the request schema leaves it open).
    return {name: copy.deepcopy(given[name]) for name in ("category", "products", "shipping") if name in given}


def _acceptance(given: JSON) -> JSON:
    online = given["online"]
    return {
        "type": given["type"],
        "accepted_at": given["accepted_at"],
        "online": {"ip_address": online["ip_address"], "user_agent": online["user_agent"]},
    }


def _of_customer(items: list[JSON], customer_id: str | None) -> list[JSON]:
    return items if customer_id is None else [item for item in items if item["customer_id"] == customer_id]


def _format_instant(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime(TIMESTAMP_FORMAT)


def _created(invoice: JSON) -> datetime:
    return datetime.strptime(invoice["create_at"], TIMESTAMP_FORMAT).replace(tzinfo=UTC)


def _parse_instant(text: str) -> datetime | None:
    """An RFC 3339 date-time (what format: date-time means) as a UTC datetime, or None if it is not one."""
    if not Draft202012Validator.FORMAT_CHECKER.conforms(text, "date-time"):
        return None
    normalized = text.upper()
    # RFC 3339 allows a leap second Python cannot represent; the second before it is close enough.
    if normalized[17:19] == "60":
        normalized = normalized[:17] + "59" + normalized[19:]
    try:
        return datetime.fromisoformat(normalized).astimezone(UTC)
    except (ValueError, OverflowError):
        # Valid RFC 3339 that datetime cannot hold (year 0000, an offset past year 1 or 9999).
        return _EARLIEST if normalized < "5000" else _LATEST


DOUBLE = UseePayDouble
