"""WooshPay invoices (in_) and their lifecycle (Stripe): create a draft (pending items join it), finalize,
send, pay, void, delete, add lines, list them and the invoices. Which action is allowed in which status
is the spec's x-lifecycle, enforced by guard()."""

from __future__ import annotations

import copy

from conformance.providers.wooshpay.double.idempotency import idempotent
from conformance.providers.wooshpay.double.invoice_items import DEFAULT_CURRENCY, MAX_LINES, InvoiceItems
from conformance.providers.wooshpay.double.store import _currency, _one_cursor
from conformance.sandbox.double import DOCS_ONLY, JSON, ApiError, ApiRequest, ApiResponse

EMBEDDED_LINES = 10  # Stripe embeds the first 10 lines in invoice.lines
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


class Invoices(InvoiceItems):
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
            if name in query and not self.breaks("filter_ignored", request.operation.operation_id):
                found = [invoice for invoice in found if invoice[name] == query[name]]
        return self._list_page(found, query, "/v1/invoices", self._invoice_object)

    def deleteInvoice(self, request: ApiRequest) -> ApiResponse:
        invoice = self._invoice(request)
        self.guard("deleteInvoice", invoice["status"])
        invoice_id = invoice["id"]
        self.emit("invoice.deleted", invoice)  # data.object: the draft as it was
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
        self.emit("invoice.sent", invoice)
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

    def _invoice(self, request: ApiRequest) -> JSON:
        return self.require(self.invoices, request.path_params["id"], "invoice")

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
        self.emit("invoice.created", invoice)
        return invoice

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
        self.emit("invoice.finalized", invoice)
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
        self.emit("invoice.voided", invoice)

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
            self.emit("invoice.payment_failed", invoice)
            raise ApiError(402, "card_declined", "Your card was declined.", "payment_method")
        invoice["charge"] = self.new_id("charge")

    def _mark_paid(self, invoice: JSON) -> None:
        invoice["status"] = "paid"
        invoice["paid"] = True
        invoice["amount_paid"] = invoice["amount_due"]
        invoice["amount_remaining"] = 0
        invoice["next_payment_attempt"] = None
        invoice["status_transitions"]["paid_at"] = self.now()
        self.emit("invoice.paid", invoice)
