"""The WooshPay double: the Stripe-like invoice API of WooshPay (docs.wooshpay.com), as specs/wooshpay.yaml reads it.

What it reproduces (where the WooshPay pages are silent, Stripe's API, which WooshPay copies):

- Auth: HTTP Basic, the secret key (WOOSHPAY_API_KEY) as username and WOOSHPAY_API_SECRET (blank unless
  set) as password. Anything else answers 401 with the error object {"error": {type, code, message, param}}.
  livemode follows the key's prefix (sk_live_ -> true).
- Objects in the documented key order: customers cus_, products prod_, prices price_, invoices in_, invoice
  items ii_, invoice line items il_ (plus pi_ payment intents and ch_ charges named on invoices).
  Timestamps are Unix seconds, amounts integer minor units, currencies upper case (WooshPay's Price says
  "Three-letter ISO currency code, in uppercase"; every currency is stored that way and compared
  case-insensitively).
- Invoice lifecycle (Stripe): createInvoice -> draft; finalize a draft -> open (number
  <invoice_prefix>-<sequence>, hosted URL, PDF, payment intent, finalized_at, effective_at), or straight
  to paid when nothing is due; pay an open invoice -> paid (amount_paid = amount_due, amount_remaining 0,
  paid_at, a charge unless paid_out_of_band); void an open invoice -> void (voided_at); delete only drafts
  (the draft's invoice items and lines go with it; then 404); send only open send_invoice invoices; add
  lines and invoice items with `invoice` only to drafts. Which action is allowed in which status is
  the spec's x-lifecycle, enforced by guard() (400 invoice_unexpected_state).
- Paying needs a payment method, as on Stripe: the body's payment_method, the invoice's
  default_payment_method or the customer's payment_method; none of them answers 400. Stripe's
  declining test payment methods (pm_card_chargeDeclined, pm_card_visa_chargeDeclined) answer 402
  card_declined and leave the invoice open. paid_out_of_band needs none.
- Invoice items: price (one-time, active), unit_amount x quantity, or amount (quantity 1); amounts over
  99,999,999 answer 400 amount_too_large. Each item becomes one `line_item` line of its invoice. An item
  created without `invoice` stays pending and joins the customer's next created invoice of its currency
  (oldest first). addInvoiceLines creates one invoice item per line and answers the documented `{}`.
- Totals from the lines: total = sum of line amounts, amount_due = max(total, 0), amount_remaining =
  amount_due - amount_paid. `subtotal` is not sent: the documented Invoice has no such field.
  invoice.lines embeds the first 10 lines with has_more, as Stripe does.
- listInvoices: newest first, Stripe list envelope {object, url, has_more, data}, limit 1..100 (default
  10), starting_after / ending_before (one of them), filters customer and subscription.
- References to unknown objects inside a body (customer, invoice, price, product, subscription) answer
  400 resource_missing, as Stripe does; unknown ids in the path answer 404.
- Idempotency-Key on POSTs: a repeated key with the same request replays the first answer
  (Idempotent-Replayed: true); with a different request it answers 409 idempotency_error.
- Bodies as JSON or form-encoded with Stripe's bracket keys (the docs document both), see
  conformance.core.form.
- Subscriptions (Stripe): creating one bills its first invoice at once (billing_reason
  subscription_create, one `subscription` line per item for the first period), finalized; a
  charge_automatically invoice is charged with the subscription's or customer's payment method
  (subscription active) or left open (incomplete); send_invoice leaves it open with a due date (active);
  a trial bills zero and is trialing. Updates change items from the next period (no prorations);
  cancel ends it at once. GET /v1/invoices/{id}/lines pages through every line of an invoice.
- Products are retrieved, updated (metadata merged, `updated` set) and listed newest first; subscription
  items (si_) are added to a live subscription (same currency and interval as its other items, at most
  20), retrieved and deleted ({id, object, deleted: true}), but never the last one (400: cancel instead).
  add_invoice_items[].price_data makes a one-time price of its own.

Faults: all of the catalogue apply. Response-shape faults touch FaultTargets below; pagination
faults come from page(), illegal_transition_accepted and the accept:/refuse: flips from guard(), deleted_still_retrievable
from forget() in deleteInvoice.
"""

from __future__ import annotations

import copy
import functools
import hmac
import json
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from werkzeug.wrappers import Request

from conformance.core import form
from conformance.sandbox import periods
from conformance.sandbox.double import JSON, ApiError, ApiRequest, ApiResponse, FaultTargets, ProviderDouble
from conformance.spec.specs import Operation

DEFAULT_LIMIT = 10
# The variant that follows the recovered pages and nothing Stripe adds (issue 22): see WooshPayDouble.variants.
DOCS_ONLY = "docs_only"
EMBEDDED_LINES = 10  # Stripe embeds the first 10 lines in invoice.lines
MAX_LINES = 250  # "up to 250 items per invoice"
MAX_AMOUNT = 99_999_999  # Stripe's limit behind the documented amount_too_large code
DEFAULT_CURRENCY = "USD"  # the account's default currency when neither request nor pending items name one
DEFAULT_DAYS_UNTIL_DUE = 30  # Stripe's account default for send_invoice invoices
RETRY_DELAY = 3600  # Stripe attempts an auto-advancing charge_automatically invoice about an hour later
DAY = 86_400
# WooshPay publishes no hosted-invoice host; Stripe's URL pattern under WooshPay's domain.
HOSTED_INVOICE_BASE = "https://invoice.wooshpay.com/i/"
# amount_precision is undocumented; read as the currency's minor-unit digits (0 for zero-decimal currencies).
ZERO_DECIMAL_CURRENCIES = frozenset(
    ["BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"]
)
DECLINING_PAYMENT_METHODS = frozenset({"pm_card_chargeDeclined", "pm_card_visa_chargeDeclined"})
ADDRESS_FIELDS = ("city", "country", "line1", "line2", "postal_code", "state")

# Stripe: a canceled or expired subscription can be neither updated nor canceled again.
SUBSCRIPTION_LIVE = ("incomplete", "trialing", "active", "past_due", "unpaid", "paused")
MAX_SUBSCRIPTION_ITEMS = 20
FORM = "application/x-www-form-urlencoded"

# Framework error codes -> the code WooshPay (Stripe) sends; None: no code at all.
_ERROR_CODES: dict[str, str | None] = {
    "unauthorized": None,
    "not_found": None,
    "method_not_allowed": None,
    "invalid_request": None,
    "api_error": None,
}
_UNAUTHORIZED_MESSAGE = "No valid API key provided: use your secret key as the HTTP Basic username."

Handler = Callable[["WooshPayDouble", ApiRequest], ApiResponse]


@dataclass(frozen=True)
class _Saved:
    """The first answer given to an Idempotency-Key."""

    fingerprint: str
    status: int
    body: Any
    error: ApiError | None


def idempotent(handler: Handler) -> Handler:
    """Honour the Idempotency-Key header on a POST handler (see WooshPayDouble._idempotent)."""

    @functools.wraps(handler)
    def wrapper(self: WooshPayDouble, request: ApiRequest) -> ApiResponse:
        return self._idempotent(request, functools.partial(handler, self))

    return wrapper


class WooshPayDouble(ProviderDouble):
    provider = "wooshpay"
    id_prefixes: ClassVar[dict[str, str]] = {
        "customer": "cus_",
        "product": "prod_",
        "price": "price_",
        "invoice": "in_",
        "invoice_item": "ii_",
        "line_item": "il_",
        "payment_intent": "pi_",
        "charge": "ch_",
        "subscription": "sub_",
        "subscription_item": "si_",
    }
    fault_targets = FaultTargets(
        removed_field="customer",
        retyped_field="amount_due",
        renamed_field=("number", "invoice_number"),
        # Part of WooshPay's Invoice component but hidden from every documented response.
        added_field=("amount_shipping", 0),
        enum_field=("status", "processing"),
        nullable_field="created",
        total_field="total",
        server_error_operation="createInvoice",
        removed_fields=("customer", "account_country", "account_name", "footer"),
    )

    variants: ClassVar[dict[str, str]] = {
        DOCS_ONLY: "Follows the pages and nothing more: a field only the spec's inferred (Stripe) required list "
        "asks for is left out when it has no value, and an invoice embeds all its lines (has_more false).",
    }

    customers: dict[str, JSON]
    products: dict[str, JSON]
    prices: dict[str, JSON]
    invoices: dict[str, JSON]  # stored without their lines (see _invoice_object)
    invoice_items: dict[str, JSON]
    lines: dict[str, list[JSON]]  # invoice id -> its line items, in the order they were added
    subscriptions: dict[str, JSON]  # stored with `items` as a plain list (see _subscription_object)

    def reset(self) -> None:
        self.customers = {}
        self.products = {}
        self.prices = {}
        self.invoices = {}
        self.invoice_items = {}
        self.lines = {}
        self.subscriptions = {}
        self._idempotency: dict[str, _Saved] = {}

    def authenticate(self, request: Request) -> bool:
        auth = request.authorization
        if auth is None or auth.type != "basic":
            return False
        key = self.credentials.get("WOOSHPAY_API_KEY", "")
        secret = self.credentials.get("WOOSHPAY_API_SECRET", "")
        return hmac.compare_digest(auth.username or "", key) and hmac.compare_digest(auth.password or "", secret)

    def error_body(self, error: ApiError) -> JSON:
        detail: JSON = {"type": _error_type(error.status)}
        code = _ERROR_CODES.get(error.code, error.code)
        if code:
            detail["code"] = code
        detail["message"] = _UNAUTHORIZED_MESSAGE if error.status == 401 else error.message
        if error.param:
            detail["param"] = error.param
        return {"error": detail}

    def invoices_in(self, body: Any) -> Iterator[JSON]:
        if not isinstance(body, dict):
            return
        if body.get("object") == "list":
            yield from (item for item in body.get("data", []) if isinstance(item, dict))
        elif body.get("object") == "invoice" and "deleted" not in body:
            yield body

    def _parse(self, operation: Operation, path_params: dict[str, str], request: Request) -> ApiRequest:
        parsed = super()._parse(operation, path_params, request)
        # Stripe refuses parameters it does not know instead of ignoring them.
        unknown = sorted(set(request.args) - self._query_names(operation))
        if unknown:
            raise ApiError(400, "parameter_unknown", f"Received unknown parameter: {unknown[0]}", unknown[0] or None)
        return parsed

    def decode_body(self, operation: Operation, request: Request, raw_body: bytes) -> Any:
        if request.mimetype != FORM:
            return super().decode_body(operation, request, raw_body)
        node = self.spec.resolve(operation.pointer)
        content = (self._deref(node["requestBody"]).get("content") or {}).get(FORM)
        if content is None:
            raise ApiError(400, "invalid_request", "This endpoint takes a JSON body.")
        try:
            return form.decode(raw_body, content.get("schema", {}), self._deref)
        except form.FormError as error:
            raise ApiError(400, "invalid_request", str(error)) from None

    def _apply_response_faults(self, response: ApiResponse, operation: Operation | None = None) -> ApiResponse:
        response = super()._apply_response_faults(response, operation)
        if DOCS_ONLY in self.faults and 200 <= response.status < 300 and operation is not None:
            schema = self._media_schema(operation, response.status)
            if schema is not None:
                self._pages_only(schema, response.body)
        return response

    def _media_schema(self, operation: Operation, status: int) -> Any:
        responses = self.spec.resolve(operation.pointer).get("responses") or {}
        answer = self._deref(responses.get(str(status)) or responses.get("default") or {})
        media = (answer.get("content") or {}).get("application/json") or {}
        return media.get("schema")

    def _pages_only(self, schema: Any, value: Any) -> None:
        """Leave out, in place, what only an inferred required list asks for and has no value (null): a page
        that lists the field as optional lets a server omit it."""
        schema = self._deref(schema)
        if not isinstance(schema, dict):
            return
        if isinstance(value, list):
            for item in value:
                self._pages_only(schema.get("items", {}), item)
            return
        if not isinstance(value, dict):
            return
        for branch in (*schema.get("allOf", ()), *schema.get("anyOf", ()), *schema.get("oneOf", ())):
            self._pages_only(branch, value)
        if schema.get("x-inferred"):
            for name in schema.get("required", ()):
                if name in value and value[name] is None:
                    del value[name]
        for name, member in (schema.get("properties") or {}).items():
            if name in value:
                self._pages_only(member, value[name])

    def _query_names(self, operation: Operation) -> frozenset[str]:
        """The query parameters the spec declares for `operation`."""
        path_item = self.spec.resolve(operation.pointer.rsplit("/", 1)[0])
        node = self.spec.resolve(operation.pointer)
        parameters = [self._deref(p) for p in [*path_item.get("parameters", []), *node.get("parameters", [])]]
        return frozenset(p["name"] for p in parameters if p.get("in") == "query")

    def seed_demo_data(self) -> None:
        """Two customers, a product with a one-time price, and for each customer one invoice in every
        status the API can reach (draft, open, paid, void), each with a price line and an amount line."""
        product = self._store(self.products, self._product_object({"name": "Demo consulting hour"}))
        price = self._store(self.prices, self._price_object({"currency": "usd", "unit_amount": 1500}, product["id"]))
        demo_customers = [
            {"name": "Demo Customer", "email": "demo@example.com", "payment_method": "pm_card_visa"},
            {"name": "Second Demo Customer", "email": "second@example.com", "payment_method": "pm_card_visa"},
        ]
        for fields, collection_method in zip(demo_customers, ("charge_automatically", "send_invoice"), strict=True):
            customer = self._store(self.customers, self._customer_object(fields))
            for status in ("draft", "open", "paid", "void"):
                invoice = self._create_invoice({"collection_method": collection_method}, customer)
                for line in ({"price": price["id"], "quantity": 2}, {"amount": 250, "description": "Travel"}):
                    self._add_item(customer, line, self._item_terms(line, invoice["currency"], ""), invoice)
                if status != "draft":
                    self._finalize(invoice)
                if status == "paid":
                    self._pay(invoice, {})
                elif status == "void":
                    self._void(invoice)
        monthly = self._store(
            self.prices,
            self._price_object(
                {"currency": "usd", "unit_amount": 900, "recurring": {"interval": "month"}, "nickname": "Monthly"},
                product["id"],
            ),
        )
        first_customer = next(iter(self.customers.values()))
        self._create_subscription({"items": [{"price": monthly["id"], "quantity": 1}]}, first_customer)

    # -- customers, products, prices ----------------------------------------------------------------

    @idempotent
    def createCustomer(self, request: ApiRequest) -> ApiResponse:
        customer = self._store(self.customers, self._customer_object(request.body or {}))
        return ApiResponse(200, copy.deepcopy(customer))

    def retrieveCustomer(self, request: ApiRequest) -> ApiResponse:
        customer = self.require(self.customers, request.path_params["id"], "customer")
        return ApiResponse(200, copy.deepcopy(customer))

    @idempotent
    def updateCustomer(self, request: ApiRequest) -> ApiResponse:
        customer = self.require(self.customers, request.path_params["id"], "customer")
        body = request.body or {}
        for name in ("description", "email", "name", "phone", "payment_method"):
            if name in body:
                customer[name] = body[name]
        if "address" in body:
            customer["address"] = _address(body["address"])
        if "shipping" in body:
            customer["shipping"] = _shipping(body["shipping"])
        _merge_metadata(customer, body)
        return ApiResponse(200, copy.deepcopy(customer))

    @idempotent
    def createProduct(self, request: ApiRequest) -> ApiResponse:
        product = self._store(self.products, self._product_object(request.body))
        return ApiResponse(200, copy.deepcopy(product))

    @idempotent
    def createPrice(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        product_id = self._price_product(body)
        if body.get("billing_scheme") == "tiered":
            # Stripe needs tiers for a tiered price; WooshPay marks tiers "not implemented".
            raise ApiError(400, "parameter_missing", "Tiered prices need tiers, which are not supported.", "tiers")
        if body["unit_amount"] < 0:
            raise ApiError(400, "parameter_invalid", "unit_amount must be greater than or equal to 0.", "unit_amount")
        self._check_amount(body["unit_amount"], "unit_amount")
        self._check_lookup_key(body.get("lookup_key"))
        if product_id is None:
            product_id = self._store(self.products, self._product_object(body["product_data"]))["id"]
        price = self._store(self.prices, self._price_object(body, product_id))
        return ApiResponse(200, copy.deepcopy(price))

    def retrievePrice(self, request: ApiRequest) -> ApiResponse:
        price = self.require(self.prices, request.path_params["id"], "price")
        return ApiResponse(200, copy.deepcopy(price))

    @idempotent
    def updatePrice(self, request: ApiRequest) -> ApiResponse:
        price = self.require(self.prices, request.path_params["id"], "price")
        body = request.body or {}
        if "lookup_key" in body:
            self._check_lookup_key(body["lookup_key"], price["id"])
        for name in ("active", "nickname", "lookup_key"):
            if name in body:
                price[name] = body[name]
        _merge_metadata(price, body)
        return ApiResponse(200, copy.deepcopy(price))

    # -- invoices -----------------------------------------------------------------------------------

    @idempotent
    def createInvoice(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        customer = self._require_ref(self.customers, body["customer"], "customer", "customer")
        if "subscription" in body:
            self._customer_subscription(body["subscription"], customer)
        invoice = self._create_invoice(body, customer)
        invoice["subscription"] = body.get("subscription")
        return ApiResponse(200, self._invoice_object(invoice))

    def retrieveInvoice(self, request: ApiRequest) -> ApiResponse:
        return ApiResponse(200, self._invoice_object(self._invoice(request)))

    def listInvoices(self, request: ApiRequest) -> ApiResponse:
        query = request.query
        _one_cursor(query)
        found = list(reversed(self.invoices.values()))  # newest first
        for name in ("customer", "subscription"):
            if name in query:
                found = [invoice for invoice in found if invoice[name] == query[name]]
        return self._list_page(found, query, "/v1/invoices", self._invoice_object)

    def deleteInvoice(self, request: ApiRequest) -> ApiResponse:
        invoice = self._invoice(request)
        self.guard("deleteInvoice", invoice["status"])
        invoice_id = invoice["id"]
        self.forget(self.invoices, invoice_id)
        if invoice_id not in self.invoices:
            # The draft's invoice items and lines go with it (unless the fault keeps it retrievable).
            for line in self.lines.pop(invoice_id, []):
                self.invoice_items.pop(line["invoice_item"], None)
        return ApiResponse(200, {"id": invoice_id, "object": "invoice", "deleted": True})

    @idempotent
    def finalizeInvoice(self, request: ApiRequest) -> ApiResponse:
        invoice = self._invoice(request)
        self.guard("finalizeInvoice", invoice["status"])
        body = request.body or {}
        if "auto_advance" in body:
            invoice["auto_advance"] = body["auto_advance"]
        self._finalize(invoice)
        return ApiResponse(200, self._invoice_object(invoice))

    @idempotent
    def sendInvoice(self, request: ApiRequest) -> ApiResponse:
        invoice = self._invoice(request)
        self.guard("sendInvoice", invoice["status"])
        if invoice["collection_method"] != "send_invoice":
            raise ApiError(
                400,
                "invoice_unexpected_state",
                "You can only manually send an invoice if its collection method is 'send_invoice'.",
            )
        # Sending e-mails the customer (never in test mode); nothing on the invoice changes.
        return ApiResponse(200, self._invoice_object(invoice))

    @idempotent
    def voidInvoice(self, request: ApiRequest) -> ApiResponse:
        invoice = self._invoice(request)
        self.guard("voidInvoice", invoice["status"])
        self._void(invoice)
        return ApiResponse(200, self._invoice_object(invoice))

    @idempotent
    def payInvoice(self, request: ApiRequest) -> ApiResponse:
        invoice = self._invoice(request)
        self.guard("payInvoice", invoice["status"])
        self._pay(invoice, request.body or {})
        return ApiResponse(200, self._invoice_object(invoice))

    @idempotent
    def addInvoiceLines(self, request: ApiRequest) -> ApiResponse:
        invoice = self._invoice(request)
        self.guard("addInvoiceLines", invoice["status"])
        given = request.body["lines"]
        self._check_room(invoice, len(given), "lines")
        # Every line is checked before any is added, so a bad line adds nothing.
        terms = [self._item_terms(line, invoice["currency"], f"lines[{index}]") for index, line in enumerate(given)]
        customer = self.customers[invoice["customer"]]
        for line, line_terms in zip(given, terms, strict=True):
            self._add_item(customer, line, line_terms, invoice)
        # The page documents an empty object; the new lines show on the invoice.
        return ApiResponse(200, {})

    def listInvoiceLines(self, request: ApiRequest) -> ApiResponse:
        invoice = self._invoice(request)
        query = request.query
        _one_cursor(query)
        return self._list_page(
            self.lines.get(invoice["id"], []), query, f"/v1/invoices/{invoice['id']}/lines", copy.deepcopy
        )

    # -- subscriptions --------------------------------------------------------------------------------

    @idempotent
    def createSubscription(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        customer = self._require_ref(self.customers, body["customer"], "customer", "customer")
        subscription = self._create_subscription(body, customer)
        return ApiResponse(200, self._subscription_object(subscription))

    def retrieveSubscription(self, request: ApiRequest) -> ApiResponse:
        subscription = self.require(self.subscriptions, request.path_params["id"], "subscription")
        return ApiResponse(200, self._subscription_object(subscription))

    def listSubscriptions(self, request: ApiRequest) -> ApiResponse:
        query = request.query
        _one_cursor(query)
        found = list(reversed(self.subscriptions.values()))  # newest first
        if "customer" in query:
            found = [s for s in found if s["customer"] == query["customer"]]
        if "price" in query:
            found = [s for s in found if any(item["price"]["id"] == query["price"] for item in s["items"])]
        return self._list_page(found, query, "/v1/subscriptions", self._subscription_object)

    @idempotent
    def updateSubscription(self, request: ApiRequest) -> ApiResponse:
        subscription = self.require(self.subscriptions, request.path_params["id"], "subscription")
        self.guard_state(subscription["status"], SUBSCRIPTION_LIVE, "update", "subscription")
        body = request.body or {}
        if "items" in body:
            subscription["items"] = self._updated_items(subscription, body["items"])
        if "cancel_at_period_end" in body:
            subscription["cancel_at_period_end"] = body["cancel_at_period_end"]
            subscription["cancel_at"] = subscription["current_period_end"] if body["cancel_at_period_end"] else None
        for name in ("description", "default_payment_method"):
            if name in body:
                subscription[name] = body[name]
        _merge_metadata(subscription, body)
        return ApiResponse(200, self._subscription_object(subscription))

    def cancelSubscription(self, request: ApiRequest) -> ApiResponse:
        subscription = self.require(self.subscriptions, request.path_params["id"], "subscription")
        self.guard_state(subscription["status"], SUBSCRIPTION_LIVE, "cancel", "subscription")
        now = self.now()
        subscription.update(status="canceled", canceled_at=now, ended_at=now, cancel_at_period_end=False)
        return ApiResponse(200, self._subscription_object(subscription))

    def _create_subscription(self, body: JSON, customer: JSON) -> JSON:
        collection_method = body.get("collection_method", "charge_automatically")
        days_until_due = body.get("days_until_due")
        if collection_method == "charge_automatically" and days_until_due is not None:
            raise ApiError(
                400,
                "parameter_invalid",
                "Subscriptions with collection_method=charge_automatically cannot have days_until_due.",
                "days_until_due",
            )
        if collection_method == "send_invoice" and days_until_due is None:
            days_until_due = DEFAULT_DAYS_UNTIL_DUE
        subscription_id = self.new_id("subscription")
        now = self.now()
        items = [
            self._subscription_item(subscription_id, item, f"items[{index}]", now)
            for index, item in enumerate(body["items"])
        ]
        currency = self._subscription_currency(items, body.get("currency"))
        extras = [
            (extra, self._item_terms(extra, currency, f"add_invoice_items[{index}]"))
            for index, extra in (
                (index, self._with_inline_price(given, f"add_invoice_items[{index}]"))
                for index, given in enumerate(body.get("add_invoice_items") or [])
            )
        ]
        trial_days = body.get("trial_period_days")
        trial_end = now + DAY * trial_days if trial_days else None
        recurring = items[0]["price"]["recurring"]
        period_end = trial_end or periods.period_end(now, recurring["interval"], recurring["interval_count"])
        subscription = {
            "id": subscription_id,
            "object": "subscription",
            "cancel_at": body.get("cancel_at"),
            "cancel_at_period_end": False,
            "canceled_at": None,
            "collection_method": collection_method,
            "created": now,
            "currency": currency,
            "current_period_end": period_end,
            "current_period_start": now,
            "customer": customer["id"],
            "days_until_due": days_until_due,
            "default_payment_method": body.get("default_payment_method"),
            "description": body.get("description"),
            "ended_at": None,
            "items": items,
            "latest_invoice": None,
            "livemode": self._livemode(),
            "metadata": dict(body.get("metadata") or {}),
            "start_date": now,
            "status": "incomplete",
            "test_clock": None,
            "trial_end": trial_end,
            "trial_start": now if trial_end else None,
        }
        self.subscriptions[subscription_id] = subscription
        invoice = self._bill_subscription(subscription, customer, extras, trial=trial_end is not None)
        subscription["latest_invoice"] = invoice["id"]
        if trial_end is not None:
            subscription["status"] = "trialing"
        elif invoice["status"] == "paid" or collection_method == "send_invoice":
            subscription["status"] = "active"
        return subscription

    def _bill_subscription(
        self, subscription: JSON, customer: JSON, extras: list[tuple[JSON, JSON]], *, trial: bool
    ) -> JSON:
        """The subscription's first invoice, finalized, and charged when it collects automatically."""
        fields: JSON = {"collection_method": subscription["collection_method"], "auto_advance": True}
        if subscription["default_payment_method"]:
            fields["default_payment_method"] = subscription["default_payment_method"]
        due_date = None
        if subscription["collection_method"] == "send_invoice":
            due_date = self.now() + DAY * subscription["days_until_due"]
        invoice = self._invoice_record(
            fields, customer, subscription["currency"], fields["collection_method"], due_date
        )
        invoice["subscription"] = subscription["id"]
        invoice["billing_reason"] = "subscription_create"
        self.invoices[invoice["id"]] = invoice
        self.lines[invoice["id"]] = [
            self._subscription_line(subscription, item, trial=trial) for item in subscription["items"]
        ]
        for extra, terms in extras:
            self._add_item(customer, extra, terms, invoice)["subscription"] = subscription["id"]
        self._recompute_totals(invoice)
        self._finalize(invoice)
        if invoice["status"] == "open" and invoice["collection_method"] == "charge_automatically":
            method = invoice["default_payment_method"] or customer.get("payment_method")
            if method is not None and method not in DECLINING_PAYMENT_METHODS:
                self._pay(invoice, {})
            # Without a usable payment method the invoice stays open and the subscription incomplete.
        return invoice

    def _subscription_item(self, subscription_id: str, given: JSON, param: str, now: int) -> JSON:
        """A new item from `given` (price or price_data); `param` prefixes error params ("" at top level)."""
        price_param = f"{param}[price]" if param else "price"
        if "price_data" in given:
            price = self._inline_price(given["price_data"], f"{param}[price_data]" if param else "price_data")
        else:
            price = self._require_ref(self.prices, given["price"], "price", price_param)
        if price["type"] != "recurring":
            raise ApiError(400, "parameter_invalid", "This field only accepts prices with type=recurring.", price_param)
        if not price["active"]:
            raise ApiError(400, "parameter_invalid", "This field only accepts active prices.", price_param)
        return {
            "id": self.new_id("subscription_item"),
            "object": "subscription_item",
            "created": now,
            "metadata": dict(given.get("metadata") or {}),
            "price": copy.deepcopy(price),
            "quantity": given.get("quantity", 1),
            "subscription": subscription_id,
        }

    def _inline_price(self, data: JSON, param: str) -> JSON:
        product = self._require_ref(self.products, data["product"], "product", f"{param}[product]")
        self._check_amount(data["unit_amount"], f"{param}[unit_amount]")
        fields = {
            "currency": data["currency"],
            "unit_amount": data["unit_amount"],
            "recurring": {"interval": data["recurring"]["interval"], **_only(data["recurring"], "interval_count")},
        }
        return self._store(self.prices, self._price_object(fields, product["id"]))

    def _with_inline_price(self, given: JSON, param: str) -> JSON:
        """An added invoice item with price_data turned into a one-time price of its own (Stripe)."""
        if "price_data" not in given:
            return given
        data = given["price_data"]
        product = self._require_ref(self.products, data["product"], "product", f"{param}[price_data][product]")
        self._check_amount(data["unit_amount"], f"{param}[price_data][unit_amount]")
        fields = {"currency": data["currency"], "unit_amount": data["unit_amount"]}
        price = self._store(self.prices, self._price_object(fields, product["id"]))
        return {**_only(given, "quantity"), "price": price["id"]}

    def _subscription_currency(self, items: list[JSON], given: str | None) -> str:
        currencies: set[str] = {item["price"]["currency"] for item in items}
        intervals = {
            (item["price"]["recurring"]["interval"], item["price"]["recurring"]["interval_count"]) for item in items
        }
        if len(currencies) > 1 or (given and _currency(given) not in currencies):
            raise ApiError(400, "parameter_invalid", "All prices of a subscription must share its currency.", "items")
        if len(intervals) > 1:
            raise ApiError(
                400, "parameter_invalid", "All prices of a subscription must share one billing interval.", "items"
            )
        return currencies.pop()

    def _updated_items(self, subscription: JSON, changes: list[JSON]) -> list[JSON]:
        """The subscription's items after `changes` (each checked before any applies)."""
        items = {item["id"]: copy.deepcopy(item) for item in subscription["items"]}
        now = self.now()
        for index, change in enumerate(changes):
            param = f"items[{index}]"
            if "id" not in change:
                if "price" not in change and "price_data" not in change:
                    raise ApiError(400, "parameter_missing", "A new item needs price or price_data.", f"{param}[price]")
                added = self._subscription_item(subscription["id"], change, param, now)
                items[added["id"]] = added
                continue
            item = items.get(change["id"])
            if item is None:
                raise ApiError(400, "resource_missing", f"No such subscription item: '{change['id']}'", f"{param}[id]")
            if change.get("deleted"):
                del items[item["id"]]
                continue
            if "price" in change or "price_data" in change:
                item["price"] = self._subscription_item(subscription["id"], change, param, now)["price"]
            if "quantity" in change:
                item["quantity"] = change["quantity"]
            _merge_metadata(item, change)
        updated = list(items.values())
        if not updated:
            raise ApiError(400, "parameter_invalid", "A subscription needs at least one item.", "items")
        if len(updated) > MAX_SUBSCRIPTION_ITEMS:
            raise ApiError(
                400, "parameter_invalid", f"A subscription has at most {MAX_SUBSCRIPTION_ITEMS} items.", "items"
            )
        self._subscription_currency(updated, subscription["currency"])
        return updated

    def _subscription_line(self, subscription: JSON, item: JSON, *, trial: bool) -> JSON:
        """The invoice line billing one subscription item for the current period (zero during a trial)."""
        price = item["price"]
        unit_amount = 0 if trial else price["unit_amount"]
        product = self.products[price["product"]]["name"]
        return {
            "id": self.new_id("line_item"),
            "object": "line_item",
            "amount": unit_amount * item["quantity"],
            "currency": subscription["currency"],
            "description": f"{'Trial period for ' if trial else ''}{item['quantity']} \u00d7 {product}",
            "metadata": {},
            "period": {"end": subscription["current_period_end"], "start": subscription["current_period_start"]},
            "price": copy.deepcopy(price),
            "unit_amount": unit_amount,
            "quantity": item["quantity"],
            "invoice_item": None,
            "type": "subscription",
            "livemode": subscription["livemode"],
            "subscription": subscription["id"],
            "subscription_item": item["id"],
            "unit_amount_excluding_tax": unit_amount,
            "discount_amounts": [],
            "discountable": True,
        }

    def _list_page(self, found: list[JSON], query: JSON, url: str, render: Callable[[JSON], JSON]) -> ApiResponse:
        """One page of a cursor-paginated list (limit, starting_after, ending_before), as Stripe answers it."""
        window, more = self.page(
            found,
            limit=query.get("limit", DEFAULT_LIMIT),
            after=query.get("starting_after"),
            before=query.get("ending_before"),
        )
        return ApiResponse(
            200, {"object": "list", "data": [render(item) for item in window], "has_more": more, "url": url}
        )

    def _subscription_object(self, subscription: JSON) -> JSON:
        body = copy.deepcopy(subscription)
        body["items"] = {
            "object": "list",
            "data": body["items"],
            "has_more": False,
            "url": f"/v1/subscription_items?subscription={subscription['id']}",
        }
        return body

    # -- products and subscription items beyond create ------------------------------------------------
    # Issue 22: the sidebar operations of the billing surface, specified from Stripe where no page was
    # captured (retrieveProduct and createSubscriptionItem are partly documented).

    def retrieveProduct(self, request: ApiRequest) -> ApiResponse:
        product = self.require(self.products, request.path_params["id"], "product")
        return ApiResponse(200, copy.deepcopy(product))

    @idempotent
    def updateProduct(self, request: ApiRequest) -> ApiResponse:
        product = self.require(self.products, request.path_params["id"], "product")
        body = request.body or {}
        for name in ("name", "active", "description", "url"):
            if name in body:
                product[name] = body[name]
        if "images" in body:
            product["images"] = list(body["images"])
        _merge_metadata(product, body)
        product["updated"] = self.now()
        return ApiResponse(200, copy.deepcopy(product))

    def listProducts(self, request: ApiRequest) -> ApiResponse:
        query = request.query
        _one_cursor(query)
        found = list(reversed(self.products.values()))  # newest first
        return self._list_page(found, query, "/v1/products", copy.deepcopy)

    @idempotent
    def createSubscriptionItem(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        subscription = self._require_ref(self.subscriptions, body["subscription"], "subscription", "subscription")
        self.guard_state(subscription["status"], SUBSCRIPTION_LIVE, "add an item to", "subscription")
        item = self._subscription_item(subscription["id"], body, "", self.now())
        updated = [*subscription["items"], item]
        if len(updated) > MAX_SUBSCRIPTION_ITEMS:
            raise ApiError(
                400, "parameter_invalid", f"A subscription has at most {MAX_SUBSCRIPTION_ITEMS} items.", "subscription"
            )
        self._subscription_currency(updated, subscription["currency"])
        subscription["items"] = updated
        return ApiResponse(200, copy.deepcopy(item))

    def retrieveSubscriptionItem(self, request: ApiRequest) -> ApiResponse:
        _, item = self._subscription_item_at(request.path_params["id"])
        return ApiResponse(200, copy.deepcopy(item))

    def deleteSubscriptionItem(self, request: ApiRequest) -> ApiResponse:
        subscription, item = self._subscription_item_at(request.path_params["id"])
        self.guard_state(subscription["status"], SUBSCRIPTION_LIVE, "remove an item from", "subscription")
        if len(subscription["items"]) == 1:
            raise ApiError(
                400,
                "parameter_invalid",
                "A subscription needs at least one item: cancel the subscription instead.",
                "id",
            )
        subscription["items"] = [kept for kept in subscription["items"] if kept["id"] != item["id"]]
        return ApiResponse(200, {"id": item["id"], "object": "subscription_item", "deleted": True})

    def _subscription_item_at(self, item_id: str) -> tuple[JSON, JSON]:
        for subscription in self.subscriptions.values():
            for item in subscription["items"]:
                if item["id"] == item_id:
                    return subscription, item
        raise ApiError(404, "resource_missing", f"No such subscription_item: '{item_id}'", "id")

    # -- invoice items --------------------------------------------------------------------------------

    @idempotent
    def createInvoiceItem(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        customer = self._require_ref(self.customers, body["customer"], "customer", "customer")
        invoice = self._target_invoice(body, customer)
        if "subscription" in body:
            self._customer_subscription(body["subscription"], customer)
        terms = self._item_terms(body, invoice["currency"] if invoice else None, "")
        period = body.get("period")
        if period is not None and period["end"] < period["start"]:
            raise ApiError(400, "parameter_invalid", "period.end must be on or after period.start.", "period[end]")
        item = self._add_item(customer, body, terms, invoice, period)
        item["subscription"] = body.get("subscription")
        return ApiResponse(200, copy.deepcopy(item))

    def retrieveInvoiceItem(self, request: ApiRequest) -> ApiResponse:
        item = self.require(self.invoice_items, request.path_params["id"], "invoiceitem")
        return ApiResponse(200, copy.deepcopy(item))

    # -- object builders ------------------------------------------------------------------------------

    def _customer_object(self, body: JSON) -> JSON:
        alphabet = string.ascii_uppercase + string.digits
        return {
            "id": self.new_id("customer"),
            "object": "customer",
            "address": _address(body.get("address")),
            "balance": 0,
            "created": self.now(),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": body.get("description"),
            "discount": None,
            "email": body.get("email"),
            # Stripe numbers a customer's invoices <invoice_prefix>-0001, -0002, ...
            "invoice_prefix": "".join(self._random.choice(alphabet) for _ in range(8)),
            "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None},
            "livemode": self._livemode(),
            "metadata": dict(body.get("metadata") or {}),
            "name": body.get("name"),
            "next_invoice_sequence": 1,
            "phone": body.get("phone"),
            "preferred_locales": [],
            "shipping": _shipping(body.get("shipping")),
            "tax_exempt": "none",
            "test_clock": None,
            "payment_method": body.get("payment_method"),
        }

    def _product_object(self, body: JSON) -> JSON:
        created = self.now()
        return {
            "id": self.new_id("product"),
            "object": "product",
            "active": body.get("active", True),
            "created": created,
            "description": body.get("description"),
            # WooshPay's Checkout guide shows "images": null for a product created without images.
            "images": list(body["images"]) if "images" in body else None,
            "livemode": self._livemode(),
            "metadata": dict(body.get("metadata") or {}),
            "name": body["name"],
            "updated": created,
            "url": body.get("url"),
        }

    def _price_object(self, body: JSON, product_id: str) -> JSON:
        recurring = body.get("recurring")
        return {
            "id": self.new_id("price"),
            "object": "price",
            "active": body.get("active", True),
            "billing_scheme": body.get("billing_scheme", "per_unit"),
            "created": self.now(),
            "currency": _currency(body["currency"]),
            "livemode": self._livemode(),
            "lookup_key": body.get("lookup_key"),
            "metadata": dict(body.get("metadata") or {}),
            "nickname": body.get("nickname"),
            "product": product_id,
            "type": "recurring" if recurring else "one_time",
            "unit_amount": body["unit_amount"],
            "recurring": None
            if recurring is None
            else {
                "interval": recurring["interval"],
                "interval_count": recurring.get("interval_count", 1),
                "usage_type": recurring.get("usage_type", "licensed"),
            },
        }

    def _invoice_record(
        self, body: JSON, customer: JSON, currency: str, collection_method: str, due_date: int | None
    ) -> JSON:
        """A new draft, in the key order of the documented Invoice example (lines filled in on output)."""
        created = self.now()
        settings = body.get("payment_settings") or {}
        return {
            "id": self.new_id("invoice"),
            "currency": currency,
            "customer": customer["id"],
            "object": "invoice",
            "auto_advance": body.get("auto_advance", False),
            "charge": None,
            "collection_method": collection_method,
            "description": body.get("description"),
            "hosted_invoice_url": None,
            "lines": None,
            "metadata": dict(body.get("metadata") or {}),
            "payment_intent": None,
            "period_end": created,
            "period_start": created,
            "status": "draft",
            "subscription": None,
            "account_country": None,
            "account_name": None,
            "amount_due": 0,
            "amount_paid": 0,
            "amount_remaining": 0,
            "amount_precision": 0 if currency in ZERO_DECIMAL_CURRENCIES else 2,
            "billing_reason": "manual",
            "created": created,
            "custom_fields": copy.deepcopy(body.get("custom_fields")),
            "customer_address": copy.deepcopy(customer["address"]),
            "customer_email": customer["email"],
            "customer_name": customer["name"],
            "customer_phone": customer["phone"],
            "customer_shipping": copy.deepcopy(customer["shipping"]),
            "default_payment_method": body.get("default_payment_method"),
            "due_date": due_date,
            "effective_at": None,
            "footer": body.get("footer"),
            "from_invoice": None,
            "invoice_pdf": None,
            "last_finalization_error": None,
            "latest_revision": None,
            "livemode": self._livemode(),
            "next_payment_attempt": None,
            "number": None,
            "paid": False,
            "paid_out_of_band": False,
            "payment_settings": {
                "default_mandate": settings.get("default_mandate"),
                "payment_method_options": None,
                "payment_method_types": copy.deepcopy(settings.get("payment_method_types")),
            },
            "receipt_number": None,
            "starting_balance": 0,
            "statement_descriptor": body.get("statement_descriptor"),
            "status_transitions": {
                "finalized_at": None,
                "marked_uncollectible_at": None,
                "paid_at": None,
                "voided_at": None,
            },
            "subscription_details": {"metadata": None},
            "test_clock": None,
            "threshold_reason": None,
            "total": 0,
            "rounding_rule": "round_up",
        }

    def _invoice_object(self, invoice: JSON) -> JSON:
        """The Invoice as sent: a copy with its lines list (the first EMBEDDED_LINES of them; all of them
        under docs_only, since no page says how many are embedded)."""
        lines = self.lines.get(invoice["id"], [])
        embedded = len(lines) if DOCS_ONLY in self.faults else EMBEDDED_LINES
        body = copy.deepcopy(invoice)
        body["lines"] = {
            "object": "list",
            "data": copy.deepcopy(lines[:embedded]),
            "has_more": len(lines) > embedded,
            "url": f"/v1/invoices/{invoice['id']}/lines",
        }
        return body

    def _invoice_item_record(self, customer: JSON, body: JSON, terms: JSON, period: JSON | None) -> JSON:
        """A pending invoice item (`invoice` null until _attach), in the documented key order."""
        created = self.now()
        price = terms["price"]
        description = body.get("description")
        if description is None and price is not None:
            description = self.products[price["product"]]["name"]  # Stripe describes price items by product
        return {
            "id": self.new_id("invoice_item"),
            "object": "invoiceitem",
            "amount": terms["amount"],
            "currency": terms["currency"],
            "customer": customer["id"],
            "description": description,
            "metadata": dict(body.get("metadata") or {}),
            "period": dict(period) if period else {"end": created, "start": created},
            "price": price,
            "date": created,
            "invoice": None,
            "livemode": self._livemode(),
            "quantity": terms["quantity"],
            "subscription": None,
            "unit_amount": terms["unit_amount"],
            "test_clock": None,
        }

    def _line_object(self, item: JSON) -> JSON:
        """The invoice line backed by an invoice item."""
        return {
            "id": self.new_id("line_item"),
            "object": "line_item",
            "amount": item["amount"],
            "currency": item["currency"],
            "description": item["description"],
            "metadata": copy.deepcopy(item["metadata"]),
            "period": copy.deepcopy(item["period"]),
            "price": copy.deepcopy(item["price"]),
            "unit_amount": item["unit_amount"],
            "quantity": item["quantity"],
            "invoice_item": item["id"],
            "type": "invoiceitem",
            "livemode": item["livemode"],
            "subscription": None,
            "subscription_item": None,
            "unit_amount_excluding_tax": item["unit_amount"],
            "discount_amounts": [],
            "discountable": True,
        }

    # -- lifecycle ------------------------------------------------------------------------------------

    def _create_invoice(self, body: JSON, customer: JSON) -> JSON:
        collection_method = body.get("collection_method", "charge_automatically")
        due_date = self._due_date(body, collection_method)
        pending = self._pending_items(customer["id"])
        currency = _currency(body.get("currency")) or (pending[0]["currency"] if pending else DEFAULT_CURRENCY)
        invoice = self._invoice_record(body, customer, currency, collection_method, due_date)
        self.invoices[invoice["id"]] = invoice
        self.lines[invoice["id"]] = []
        # Pending invoice items of this currency join the new invoice, oldest first (Stripe).
        for item in [item for item in pending if item["currency"] == currency][:MAX_LINES]:
            self._attach(invoice, item)
        return invoice

    def _add_item(
        self, customer: JSON, fields: JSON, terms: JSON, invoice: JSON | None, period: JSON | None = None
    ) -> JSON:
        """Store a new invoice item and, given a draft, put it on that draft as a line."""
        item = self._invoice_item_record(customer, fields, terms, period)
        self.invoice_items[item["id"]] = item
        if invoice is not None:
            self._attach(invoice, item)
        return item

    def _attach(self, invoice: JSON, item: JSON) -> None:
        item["invoice"] = invoice["id"]
        self.lines[invoice["id"]].append(self._line_object(item))
        self._recompute_totals(invoice)

    def _recompute_totals(self, invoice: JSON) -> None:
        # No taxes or discounts here, so the total is the sum of the lines; a credit is never due.
        total = sum(line["amount"] for line in self.lines[invoice["id"]])
        invoice["total"] = total
        invoice["amount_due"] = max(total, 0)
        invoice["amount_remaining"] = invoice["amount_due"] - invoice["amount_paid"]

    def _finalize(self, invoice: JSON) -> None:
        now = self.now()
        customer = self.customers[invoice["customer"]]
        invoice["number"] = f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}"
        customer["next_invoice_sequence"] += 1
        invoice["status"] = "open"
        invoice["hosted_invoice_url"] = HOSTED_INVOICE_BASE + invoice["id"]
        invoice["invoice_pdf"] = HOSTED_INVOICE_BASE + invoice["id"] + "/pdf"
        invoice["effective_at"] = now
        invoice["starting_balance"] = customer["balance"]
        invoice["status_transitions"]["finalized_at"] = now
        if invoice["amount_due"] == 0:
            self._mark_paid(invoice)  # nothing to collect: Stripe marks it paid on finalization
            return
        invoice["payment_intent"] = self.new_id("payment_intent")
        if invoice["collection_method"] == "charge_automatically" and invoice["auto_advance"]:
            invoice["next_payment_attempt"] = now + RETRY_DELAY

    def _pay(self, invoice: JSON, body: JSON) -> None:
        out_of_band = body.get("paid_out_of_band", False)
        if not out_of_band and invoice["amount_due"] > 0:
            self._charge(invoice, body.get("payment_method"))
        invoice["paid_out_of_band"] = out_of_band
        self._mark_paid(invoice)

    def _void(self, invoice: JSON) -> None:
        invoice["status"] = "void"
        invoice["status_transitions"]["voided_at"] = self.now()
        invoice["next_payment_attempt"] = None

    def _charge(self, invoice: JSON, payment_method: str | None) -> None:
        """Collect amount_due with the first payment method that applies, as Stripe's pay does."""
        customer = self.customers[invoice["customer"]]
        method = payment_method or invoice["default_payment_method"] or customer.get("payment_method")
        if method is None:
            raise ApiError(
                400,
                "resource_missing",
                "This customer has no attached payment method; pass payment_method or paid_out_of_band.",
                "payment_method",
            )
        if method in DECLINING_PAYMENT_METHODS:
            raise ApiError(402, "card_declined", "Your card was declined.", "payment_method")
        invoice["charge"] = self.new_id("charge")

    def _mark_paid(self, invoice: JSON) -> None:
        invoice["status"] = "paid"
        invoice["paid"] = True
        invoice["amount_paid"] = invoice["amount_due"]
        invoice["amount_remaining"] = 0
        invoice["next_payment_attempt"] = None
        invoice["status_transitions"]["paid_at"] = self.now()

    # -- request checks -------------------------------------------------------------------------------

    def _invoice(self, request: ApiRequest) -> JSON:
        return self.require(self.invoices, request.path_params["id"], "invoice")

    def _require_ref(self, objects: dict[str, JSON], object_id: str, what: str, param: str) -> JSON:
        """An object named in a request body: unknown ones answer 400 resource_missing (Stripe), not 404."""
        found = objects.get(object_id)
        if found is None:
            raise ApiError(400, "resource_missing", f"No such {what}: '{object_id}'", param)
        return found

    def _customer_subscription(self, subscription_id: str, customer: JSON) -> JSON:
        subscription = self._require_ref(self.subscriptions, subscription_id, "subscription", "subscription")
        if subscription["customer"] != customer["id"]:
            raise ApiError(
                400,
                "parameter_invalid",
                f"Subscription '{subscription_id}' belongs to another customer.",
                "subscription",
            )
        return subscription

    def _target_invoice(self, body: JSON, customer: JSON) -> JSON | None:
        """The draft an invoice item is added to, or None for a pending item."""
        if "invoice" not in body:
            return None
        invoice = self._require_ref(self.invoices, body["invoice"], "invoice", "invoice")
        if invoice["customer"] != customer["id"]:
            raise ApiError(
                400, "parameter_invalid", f"Invoice '{invoice['id']}' belongs to another customer.", "invoice"
            )
        self.guard("createInvoiceItem", invoice["status"])
        self._check_room(invoice, 1, "invoice")
        return invoice

    def _check_room(self, invoice: JSON, adding: int, param: str) -> None:
        if len(self.lines.get(invoice["id"], [])) + adding > MAX_LINES:
            raise ApiError(400, "parameter_invalid", f"An invoice can have at most {MAX_LINES} line items.", param)

    def _item_terms(self, fields: JSON, invoice_currency: str | None, prefix: str) -> JSON:
        """amount, unit_amount, quantity, currency and price of an invoice item or line (Stripe's rules)."""

        def param(name: str) -> str:
            return f"{prefix}[{name}]" if prefix else name

        quantity = fields.get("quantity", 1)
        if quantity < 0:
            raise ApiError(400, "parameter_invalid", "quantity must be greater than or equal to 0.", param("quantity"))
        price = None
        if "price" in fields:
            price = self._usable_price(fields, param)
            unit_amount, currency = price["unit_amount"], price["currency"]
            amount = unit_amount * quantity
        elif "unit_amount" in fields:
            if "amount" in fields:
                raise ApiError(
                    400,
                    "parameter_invalid",
                    "You may only specify one of these parameters: amount, unit_amount.",
                    param("amount"),
                )
            unit_amount = fields["unit_amount"]
            amount = unit_amount * quantity
            currency = _currency(fields.get("currency")) or invoice_currency or DEFAULT_CURRENCY
        elif "amount" in fields:
            if quantity != 1:
                raise ApiError(
                    400, "parameter_invalid", "Pass unit_amount with quantity, or amount alone.", param("quantity")
                )
            unit_amount = amount = fields["amount"]
            currency = _currency(fields.get("currency")) or invoice_currency or DEFAULT_CURRENCY
        else:
            raise ApiError(
                400,
                "parameter_missing",
                "Provide one of these parameters: price, unit_amount, amount.",
                param("amount"),
            )
        self._check_amount(amount, param("amount"))
        given_currency = _currency(fields.get("currency"))
        if given_currency and given_currency != currency:
            raise ApiError(
                400, "parameter_invalid", f"The currency must be the price's currency ({currency}).", param("currency")
            )
        if invoice_currency and currency != invoice_currency:
            raise ApiError(
                400,
                "parameter_invalid",
                f"The currency must be the invoice's currency ({invoice_currency}).",
                param("currency"),
            )
        return {
            "amount": amount,
            "unit_amount": unit_amount,
            "quantity": quantity,
            "currency": currency,
            "price": price,
        }

    def _usable_price(self, fields: JSON, param: Callable[[str], str]) -> JSON:
        for conflicting in ("amount", "unit_amount"):
            if conflicting in fields:
                raise ApiError(
                    400,
                    "parameter_invalid",
                    f"You may only specify one of these parameters: price, {conflicting}.",
                    param(conflicting),
                )
        price = self._require_ref(self.prices, fields["price"], "price", param("price"))
        if price["type"] != "one_time":
            raise ApiError(
                400, "parameter_invalid", "This field only accepts prices with type=one_time.", param("price")
            )
        if not price["active"]:
            raise ApiError(400, "parameter_invalid", "This field only accepts active prices.", param("price"))
        return copy.deepcopy(price)

    def _check_amount(self, amount: int, param: str) -> None:
        if abs(amount) > MAX_AMOUNT:
            raise ApiError(
                400, "amount_too_large", f"Amounts can be at most {MAX_AMOUNT} in the currency's minor unit.", param
            )

    def _price_product(self, body: JSON) -> str | None:
        """The existing product a new price is for, or None when product_data creates one."""
        if "product" in body and "product_data" in body:
            raise ApiError(
                400,
                "parameter_invalid",
                "You may only specify one of these parameters: product, product_data.",
                "product",
            )
        if "product" in body:
            product_id: str = self._require_ref(self.products, body["product"], "product", "product")["id"]
            return product_id
        return None

    def _check_lookup_key(self, lookup_key: str | None, own_id: str | None = None) -> None:
        if lookup_key is None:
            return
        for price in self.prices.values():
            if price["lookup_key"] == lookup_key and price["id"] != own_id:
                raise ApiError(
                    400, "parameter_invalid", f"A price ({price['id']}) already uses that lookup key.", "lookup_key"
                )

    def _due_date(self, body: JSON, collection_method: str) -> int | None:
        given = [name for name in ("days_until_due", "due_date") if name in body]
        if collection_method == "charge_automatically":
            if given:
                raise ApiError(
                    400,
                    "parameter_invalid",
                    f"Invoices with collection_method=charge_automatically cannot have {given[0]}.",
                    given[0],
                )
            return None
        if len(given) == 2:
            raise ApiError(
                400,
                "parameter_invalid",
                "You may only specify one of these parameters: days_until_due, due_date.",
                "due_date",
            )
        if "due_date" in body:
            return int(body["due_date"])
        days: int = body.get("days_until_due", DEFAULT_DAYS_UNTIL_DUE)
        return self.now() + DAY * days

    def _pending_items(self, customer_id: str) -> list[JSON]:
        return [
            item for item in self.invoice_items.values() if item["customer"] == customer_id and item["invoice"] is None
        ]

    def _store(self, objects: dict[str, JSON], created: JSON) -> JSON:
        objects[created["id"]] = created
        return created

    def _livemode(self) -> bool:
        return self.credentials.get("WOOSHPAY_API_KEY", "").startswith("sk_live_")

    # -- idempotency ----------------------------------------------------------------------------------

    def _idempotent(self, request: ApiRequest, run: Callable[[ApiRequest], ApiResponse]) -> ApiResponse:
        """Stripe's Idempotency-Key: the first answer to a key (success or 4xx) is replayed for the same
        request; the key used for a different endpoint or body answers 409 idempotency_error."""
        key = request.header("Idempotency-Key")
        if not key:
            return run(request)
        fingerprint = json.dumps(
            [request.operation.operation_id, request.path_params, request.body], sort_keys=True, default=str
        )
        saved = self._idempotency.get(key)
        if saved is not None:
            if saved.fingerprint != fingerprint:
                raise ApiError(
                    409,
                    "idempotency_key_in_use",
                    "Keys for idempotent requests can only be used with the same parameters they were first used "
                    f"with. Try using a key other than '{key}' if you meant to execute a different request.",
                )
            if saved.error is not None:
                raise saved.error
            return ApiResponse(saved.status, copy.deepcopy(saved.body), {"Idempotent-Replayed": "true"})
        try:
            response = run(request)
        except ApiError as error:
            if error.status < 500:
                self._idempotency[key] = _Saved(fingerprint, error.status, None, error)
            raise
        self._idempotency[key] = _Saved(fingerprint, response.status, copy.deepcopy(response.body), None)
        return response


def _error_type(status: int) -> str:
    """The documented error type for a status: card_error 402, idempotency_error 409, api_error 5xx."""
    if status >= 500:
        return "api_error"
    return {402: "card_error", 409: "idempotency_error"}.get(status, "invalid_request_error")


def _currency(code: str | None) -> str | None:
    return code.upper() if code else None


def _address(given: JSON | None) -> JSON | None:
    if given is None:
        return None
    return {name: given.get(name) for name in ADDRESS_FIELDS}


def _shipping(given: JSON | None) -> JSON | None:
    if given is None:
        return None
    return {"address": _address(given["address"]), "name": given["name"], "phone": given.get("phone")}


def _one_cursor(query: JSON) -> None:
    if "starting_after" in query and "ending_before" in query:
        raise ApiError(
            400,
            "parameter_invalid",
            "You may only specify one of these parameters: ending_before, starting_after.",
            "ending_before",
        )


def _merge_metadata(target: JSON, body: JSON) -> None:
    """Stripe merges metadata on update; an empty value removes the key."""
    for key, value in (body.get("metadata") or {}).items():
        if value in ("", None):
            target["metadata"].pop(key, None)
        else:
            target["metadata"][key] = value


def _only(given: JSON, *names: str) -> JSON:
    return {name: given[name] for name in names if name in given}


DOUBLE = WooshPayDouble
