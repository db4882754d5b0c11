"""Lynkwell invoices (in_) and their subscription items (si_): drafted for a subscription's period, then
finalized (pdfUrl, automatic collection), paid, retried, voided or marked uncollectible. The back-office
steps no operation exposes are Python methods here."""

from __future__ import annotations

from urllib.parse import quote

from conformance.checks.lifecycle import Rule
from conformance.providers.lynkwell.double.catalogue import Offering
from conformance.providers.lynkwell.double.store import CURRENCY, LynkwellStore, _iso, _one
from conformance.sandbox.double import JSON, ApiError, ApiRequest, ApiResponse
from conformance.sandbox.faults import article

# Where finalized invoices' PDFs live; a reserved .invalid host, since none is documented.
PDF_URL = "https://invoices.lynkwell.invalid/{invoice_id}.pdf"


class Invoices(LynkwellStore):
    def getInvoice(self, request: ApiRequest) -> ApiResponse:
        return _one(self.require(self.invoices, request.path_params["invoiceId"], "invoice", "invoiceId"))

    def listInvoices(self, request: ApiRequest) -> ApiResponse:
        return self._list(list(self.invoices.values()), request, "invoice")

    def retryInvoicePayment(self, request: ApiRequest) -> ApiResponse:
        invoice_id = request.path_params["invoiceId"]
        invoice = self.require(self.invoices, invoice_id, "invoice", "invoiceId")
        if request.body["invoiceId"] != invoice_id:
            # Both ids are documented (LW-RETRY-INVOICE-ID-IN-BODY); two different invoices cannot both be retried.
            raise ApiError(
                self.refusal_status,
                "invoice_mismatch",
                f"The body's invoiceId '{request.body['invoiceId']}' is not the invoice of the path, {invoice_id}.",
                "invoiceId",
            )
        self.guard("retryInvoicePayment", invoice["status"])
        self._attempt_payment(invoice)
        return _one(invoice)

    def refusal_message(self, action: str, rule: Rule, current: str) -> str:
        allowed = " or ".join(rule.allowed_from)
        return f"Payment can only be retried for {article(allowed)} {allowed} invoice; this one is {current}."

    def finalize_invoice(self, invoice_id: str) -> None:
        """DRAFT -> OPEN, then automatic collection if the profile has a payment method."""
        with self._lock:
            invoice = self.invoices[invoice_id]
            self.guard_event("finalize", invoice["status"])
            invoice["status"] = "OPEN"
            invoice["pdfUrl"] = PDF_URL.format(invoice_id=quote(invoice_id))
            if self._profile_methods[invoice["paymentProfileId"]]:
                self._attempt_payment(invoice)
            else:
                self._sync_billing_status(invoice, paid=False)

    def mark_uncollectible(self, invoice_id: str) -> None:
        with self._lock:
            self.guard_event("markUncollectible", self.invoices[invoice_id]["status"])
            self.invoices[invoice_id]["status"] = "UNCOLLECTIBLE"

    def void_invoice(self, invoice_id: str) -> None:
        with self._lock:
            self.guard_event("void", self.invoices[invoice_id]["status"])
            self.invoices[invoice_id]["status"] = "VOID"

    def _draft_invoice(self, subscription: JSON, offering: Offering, start: int, end: int) -> JSON:
        invoice_id = self.new_id("invoice")
        stamp = _iso(self.now())
        items = [
            {
                "id": self.new_id("subscription_item"),
                "network": subscription["network"],
                "total": amount,
                "currency": CURRENCY,
                "paymentProfileId": subscription["paymentProfileId"],
                "priceId": subscription["priceId"],
                "invoiceId": invoice_id,
                "subscriptionId": subscription["id"],
                "description": description,
                "createdAt": stamp,
                "updatedAt": stamp,
            }
            for description, amount in offering.components
        ]
        sub_total = sum(item["total"] for item in items)
        invoice = {
            "id": invoice_id,
            "paymentProfileId": subscription["paymentProfileId"],
            "network": subscription["network"],
            "pdfUrl": None,
            "status": "DRAFT",
            "totalPaymentAttempts": 0,
            "subTotal": sub_total,
            "taxTotal": (sub_total * offering.tax_basis_points + 5000) // 10000,  # half up
            "currency": CURRENCY,
            "invoiceItems": [],
            "subscriptionItems": items,
            "lastPaymentAttemptDate": None,
            "periodStart": _iso(start),
            "periodEnd": _iso(end),
            "createdAt": stamp,
        }
        self.invoices[invoice_id] = invoice
        self._subscription_invoices[subscription["id"]].append(invoice_id)
        self._invoice_subscription[invoice_id] = subscription["id"]
        return invoice

    def _attempt_payment(self, invoice: JSON) -> None:
        """Charge the profile's newest payment method; a profile without one counts as a failed attempt."""
        methods = self._profile_methods[invoice["paymentProfileId"]]
        paid = bool(methods) and not self._cards[methods[-1]].declines
        invoice["totalPaymentAttempts"] += 1
        invoice["lastPaymentAttemptDate"] = _iso(self.now())
        if paid:
            invoice["status"] = "PAID"
        self._sync_billing_status(invoice, paid=paid)

    def _sync_billing_status(self, invoice: JSON, *, paid: bool) -> None:
        """ACTIVE once paid; an unpaid first invoice leaves it INCOMPLETE, an unpaid renewal PAST_DUE."""
        subscription_id = self._invoice_subscription[invoice["id"]]
        subscription = self.subscriptions[subscription_id]
        first = self._subscription_invoices[subscription_id][0] == invoice["id"]
        status = "ACTIVE" if paid else ("INCOMPLETE" if first else "PAST_DUE")
        if subscription["billingStatus"] != status:
            self._touch(subscription, billingStatus=status)
