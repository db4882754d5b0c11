"""Where each concept of the cross-provider comparison is in this provider's invoice (reports' field map)."""

from __future__ import annotations

from conformance.document.field_map import FieldRef, ProviderMap

FIELD_MAP = ProviderMap(
    invoice_schema="/components/schemas/Invoice",
    operations={
        "retrieve": ("getInvoice",),
        "list": ("listInvoices",),
        "retry": ("retryInvoicePayment",),
    },
    fields={
        "id": FieldRef("id"),
        "number": FieldRef("", "no invoice number"),
        "customer": FieldRef("paymentProfileId", "a payment profile id, not a customer id"),
        "currency": FieldRef("currency"),
        "total": FieldRef("", "no total field: add subTotal and taxTotal"),
        "subtotal": FieldRef("subTotal", "unit (major or minor) undocumented"),
        "tax": FieldRef("taxTotal", "unit (major or minor) undocumented"),
        "amount_due": FieldRef("", "no amount due"),
        "amount_paid": FieldRef("", "no amount paid"),
        "status": FieldRef("status"),
        "created": FieldRef("createdAt"),
        "updated": FieldRef("", "no update time"),
        "period_start": FieldRef("periodStart"),
        "period_end": FieldRef("periodEnd"),
        "due_date": FieldRef("", "no due date"),
        "pdf_url": FieldRef("pdfUrl"),
        "hosted_url": FieldRef("", "no hosted page"),
    },
    statuses={"draft": "DRAFT", "open": "OPEN", "paid": "PAID", "uncollectible": "UNCOLLECTIBLE", "void": "VOID"},
)
