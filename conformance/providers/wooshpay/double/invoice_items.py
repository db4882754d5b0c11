"""WooshPay invoice items (ii_) and the invoice lines (il_) they become: priced by a price, unit_amount x
quantity or an amount; put on a draft as one line each, or left pending for the customer's next invoice.
The totals of an invoice are the sum of its lines, recomputed here whenever one is added."""

from __future__ import annotations

import copy

from conformance.providers.wooshpay.double.idempotency import idempotent
from conformance.providers.wooshpay.double.prices import Prices
from conformance.providers.wooshpay.double.store import _currency
from conformance.sandbox.double import JSON, ApiError, ApiRequest, ApiResponse

MAX_LINES = 250  # "up to 250 items per invoice"
DEFAULT_CURRENCY = "USD"  # the account's default currency when neither request nor pending items name one


class InvoiceItems(Prices):
    @idempotent
    def createInvoiceItem(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        customer = self._require_ref(self.customers, body["customer"], "customer", "customer")
        invoice = self._target_invoice(body, customer)
        if "subscription" in body:
            self._customer_subscription(body["subscription"], customer)
        if self.breaks("quantity_ignored", request.operation.operation_id):
            body = {name: value for name, value in body.items() if name != "quantity"}  # billed as quantity 1
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

    def _pending_items(self, customer_id: str) -> list[JSON]:
        return [
            item for item in self.invoice_items.values() if item["customer"] == customer_id and item["invoice"] is None
        ]

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
