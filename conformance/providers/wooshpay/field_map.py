"""Where each concept of the cross-provider comparison is in this provider's invoice (reports' field map)."""

from __future__ import annotations

from conformance.document.field_map import FieldRef, ProviderMap

_UNIX_SECONDS = "Unix timestamp, seconds"
_MINOR_UNITS = "minor units (cents)"

FIELD_MAP = ProviderMap(
    invoice_schema="/components/schemas/Invoice",
    operations={
        "create": ("createInvoice",),
        "retrieve": ("retrieveInvoice",),
        "list": ("listInvoices",),
        "finalize": ("finalizeInvoice",),
        "send": ("sendInvoice",),
        "pay": ("payInvoice",),
        "void": ("voidInvoice",),
        "delete": ("deleteInvoice",),
        "add_lines": ("addInvoiceLines",),
        "items": ("createInvoiceItem", "retrieveInvoiceItem"),
    },
    fields={
        "id": FieldRef("id"),
        "number": FieldRef("number"),
        "customer": FieldRef("customer", "customer id"),
        "currency": FieldRef("currency"),
        "total": FieldRef("total", _MINOR_UNITS),
        "subtotal": FieldRef("", "no subtotal field: sum the lines"),
        "tax": FieldRef("", "no tax field"),
        "amount_due": FieldRef("amount_due", _MINOR_UNITS),
        "amount_paid": FieldRef("amount_paid", _MINOR_UNITS),
        "status": FieldRef("status"),
        "created": FieldRef("created", _UNIX_SECONDS),
        "updated": FieldRef("", "no update time"),
        "period_start": FieldRef("period_start", _UNIX_SECONDS),
        "period_end": FieldRef("period_end", _UNIX_SECONDS),
        "due_date": FieldRef("due_date", _UNIX_SECONDS),
        "pdf_url": FieldRef("invoice_pdf"),
        "hosted_url": FieldRef("hosted_invoice_url"),
    },
    statuses={"draft": "draft", "open": "open", "paid": "paid", "uncollectible": "uncollectible", "void": "void"},
)
