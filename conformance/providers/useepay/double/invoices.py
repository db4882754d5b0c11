"""UseePay invoices (inv_): create (open), retrieve, update, pay with a mandate (paid or payment_failed,
by the deterministic payment rule), list. Paying a subscription's invoice settles the subscription."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from conformance.providers.useepay.double.store import UseePayStore, _format_instant, _parse_instant
from conformance.sandbox.double import JSON, ApiError, ApiRequest, ApiResponse

UPDATABLE_FIELDS = ("description", "metadata", "footer")
ACCEPTED_AT = "mandate_data.customer_acceptance.accepted_at"


class Invoices(UseePayStore):
    def createInvoice(self, request: ApiRequest) -> ApiResponse:
        self.require(self.customers, request.body["customer_id"], "customer", "customer_id")
        return ApiResponse(200, copy.deepcopy(self._create_invoice(request.body)))

    def retrieveInvoice(self, request: ApiRequest) -> ApiResponse:
        invoice = self.require(self.invoices, request.path_params["id"], "invoice")
        return ApiResponse(200, copy.deepcopy(invoice))

    def updateInvoice(self, request: ApiRequest) -> ApiResponse:
        invoice = self.require(self.invoices, request.path_params["id"], "invoice")
        self.guard("updateInvoice", invoice["status"])
        before = copy.deepcopy(invoice)
        # Fields sent replace the stored ones whole (metadata included); days_until_due is not echoed.
        invoice.update({name: request.body[name] for name in UPDATABLE_FIELDS if name in request.body})
        invoice["modify_at"] = self.timestamp()
        answer = copy.deepcopy(invoice)
        self.unless_persisted(request, invoice, before)
        return ApiResponse(200, answer)

    def payInvoice(self, request: ApiRequest) -> ApiResponse:
        invoice = self.require(self.invoices, request.path_params["id"], "invoice")
        self.guard("payInvoice", invoice["status"])
        self._pay(invoice, request.body["mandate_data"]["customer_acceptance"])
        self._settle_subscription(invoice)
        return ApiResponse(200, copy.deepcopy(invoice))

    def listInvoices(self, request: ApiRequest) -> ApiResponse:
        query = request.query
        items = self._of_customer(list(self.invoices.values()), request)
        items = self._created_since(items, query.get("from_created_at"))
        return ApiResponse(200, self._numbered_page(items, request))

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
        self.emit("invoice.sent", invoice)  # created open: ready to pay (the page's invoice.sent)
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
        entered = invoice["status"] != outcome["status"]
        invoice.update(outcome, modify_at=self.timestamp())
        if entered:
            self.emit("invoice.paid" if outcome["status"] == "paid" else "invoice.payment_failed", invoice)

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

    def _settle_subscription(self, invoice: JSON) -> None:
        """A paid invoice makes its incomplete (or unpaid) subscription active."""
        subscription = self.subscriptions.get(invoice.get("subscription_id") or "")
        if (
            subscription is not None
            and invoice["status"] == "paid"
            and subscription["status"] in ("incomplete", "unpaid")
        ):
            subscription.update(status="active", modify_at=self.timestamp())
