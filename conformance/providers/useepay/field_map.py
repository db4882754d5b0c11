"""Where each concept of the cross-provider comparison is in this provider's invoice (reports' field map)."""

from __future__ import annotations

from conformance.document.field_map import FieldRef, ProviderMap

FIELD_MAP = ProviderMap(
    invoice_schema="/components/schemas/Invoice",
    operations={
        "create": ("createInvoice",),
        "retrieve": ("retrieveInvoice",),
        "update": ("updateInvoice",),
        "list": ("listInvoices",),
        "pay": ("payInvoice",),
    },
    fields={
        "id": FieldRef("id"),
        "number": FieldRef("number"),
        "customer": FieldRef("customer_id", "customer id"),
        "currency": FieldRef("currency"),
        "total": FieldRef("total_amount", "unit undocumented, read as minor units"),
        "subtotal": FieldRef("", "no subtotal field"),
        "tax": FieldRef("", "no tax field"),
        "amount_due": FieldRef("", "no amount due: use total_amount until paid"),
        "amount_paid": FieldRef("", "no amount paid: status paid means total_amount"),
        "status": FieldRef("status"),
        "created": FieldRef("create_at"),
        "updated": FieldRef("modify_at"),
        "period_start": FieldRef("period_start"),
        "period_end": FieldRef("period_end"),
        "due_date": FieldRef("", "no due date"),
        "pdf_url": FieldRef("", "no PDF link"),
        "hosted_url": FieldRef("hosted_invoice_url"),
    },
    statuses={
        "open": "open",
        "sent": "sent",
        "paid": "paid",
        "payment_failed": "payment_failed",
        "void": "cancelled",
    },
)
