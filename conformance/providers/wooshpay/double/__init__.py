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

Faults: all of the catalogue apply (the behaviour faults on the operations fault_operations names). Response-shape faults touch FaultTargets below; pagination
faults come from page(), illegal_transition_accepted and the accept:/refuse: flips from guard(), deleted_still_retrievable
from forget() in deleteInvoice.

Layout: one module per resource, all reading and writing one store.

- store.py: the state (every object by type, the Idempotency-Keys), reset(), and what every resource
  shares (references inside a body, Stripe list pages, metadata merges).
- customers.py, products.py, prices.py, invoice_items.py (and the lines they become), invoices.py (and
  their lifecycle), subscriptions.py (and subscription items): each a class holding that resource's
  handlers, one method per operationId, and the builders and checks only it uses.
- idempotency.py: the Idempotency-Key replay and the @idempotent a POST handler opts in with.
- this module: WooshPayDouble, composing them, with what is about the provider rather than a resource
  (auth, the error object, form bodies, unknown query parameters, the docs_only variant, demo data).

The resource classes are mixins of the one double rather than handler objects registered on it, so that
routing, faults and variants stay the framework's: ProviderDouble routes a request to the method named
by its operationId on the double, guard(), forget() and page() apply the faults, and `self.faults`
holds the variants, exactly as for a double of one class. Each resource class extends the resources
whose objects it makes or prices (Prices extends Products, InvoiceItems Prices, Invoices InvoiceItems,
Subscriptions Invoices), so every call across resources is one mypy checks; Customers needs only the
store. A new resource is a new module and one more base of WooshPayDouble; a webhook emitter would be a
module beside the store that the resources call; a fault specific to a resource lands in its module.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from werkzeug.wrappers import Request

from conformance.core import form
from conformance.providers.wooshpay.double.customers import Customers
from conformance.providers.wooshpay.double.events import WebhookEndpoints
from conformance.providers.wooshpay.double.subscriptions import Subscriptions
from conformance.sandbox.double import DOCS_ONLY, JSON, ApiError, ApiRequest, FaultTargets
from conformance.spec.specs import Operation

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


class WooshPayDouble(Customers, Subscriptions, WebhookEndpoints):
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

    # The behaviour faults (issue 26) and the operations whose documented behaviour each breaks.
    fault_operations: ClassVar[dict[str, tuple[str, ...]]] = {
        "update_not_persisted": ("updateCustomer", "updateProduct", "updatePrice", "updateSubscription"),
        "quantity_ignored": ("createInvoiceItem", "createSubscriptionItem", "updateSubscription"),
        "filter_ignored": ("listInvoices", "listSubscriptions"),
        "limit_unbounded": ("listInvoices", "listInvoiceLines", "listProducts", "listSubscriptions"),
        "required_not_enforced": ("createProduct",),
        # Every write whose form body carries a top-level metadata map.
        "form_nested_dropped": (
            "createCustomer",
            "updateCustomer",
            "createProduct",
            "updateProduct",
            "createPrice",
            "updatePrice",
            "createInvoice",
            "createInvoiceItem",
            "createSubscription",
            "updateSubscription",
            "createSubscriptionItem",
        ),
    }

    variants: ClassVar[dict[str, str]] = {
        DOCS_ONLY: "Follows the pages and nothing more: a field only the spec's inferred (Stripe) required list "
        "asks for is left out when it has no value, and an invoice embeds all its lines (has_more false).",
    }

    def event_object(self, object_id: str) -> JSON | None:
        invoice = self.invoices.get(object_id)
        return None if invoice is None else self._invoice_object(invoice)

    def event_object_ids(self) -> Iterable[str]:
        return list(self.invoices)

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
            decoded = form.decode(raw_body, content.get("schema", {}), self._deref)
        except form.FormError as error:
            raise ApiError(400, "invalid_request", str(error)) from None
        if isinstance(decoded, dict) and self.breaks("form_nested_dropped", operation.operation_id):
            decoded.pop("metadata", None)  # metadata[k]=v lost; the same map sent as JSON is kept
        return decoded

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


def _error_type(status: int) -> str:
    """The documented error type for a status: card_error 402, idempotency_error 409, api_error 5xx."""
    if status >= 500:
        return "api_error"
    return {402: "card_error", 409: "idempotency_error"}.get(status, "invalid_request_error")


DOUBLE = WooshPayDouble

__all__ = ["DOCS_ONLY", "DOUBLE", "WooshPayDouble"]
