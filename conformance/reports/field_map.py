"""The curated part of the cross-vendor comparison: which operation and which invoice field is which concept.

Only what the specs cannot say lives here (a concept has no name in a spec, and a unit often has no
type). Types, formats, enum values, nullability, x-inferred notes and provenance are read from the specs
at run time by `conformance.report_context`, which copies this map into findings.json with them; the
comparison reads both from there. Adding a provider means adding its entry to PROVIDERS.
"""

from __future__ import annotations

from conformance.findings_context import FieldMap, FieldRef, ProviderMap

# The invoice lifecycle, in the order an integration meets it.
LIFECYCLE: tuple[tuple[str, str], ...] = (
    ("create", "Create an invoice"),
    ("retrieve", "Retrieve an invoice"),
    ("update", "Update an invoice"),
    ("list", "List invoices"),
    ("finalize", "Finalize a draft"),
    ("send", "Send to the customer"),
    ("pay", "Pay an invoice"),
    ("void", "Void an invoice"),
    ("delete", "Delete a draft"),
    ("add_lines", "Add lines"),
    ("items", "Invoice items"),
    ("retry", "Retry a failed payment"),
)

# Concepts of the invoice object that an integration of several providers has to map.
CONCEPTS: tuple[tuple[str, str], ...] = (
    ("id", "Invoice id"),
    ("number", "Invoice number"),
    ("customer", "Customer reference"),
    ("currency", "Currency"),
    ("total", "Total amount"),
    ("subtotal", "Subtotal"),
    ("tax", "Tax amount"),
    ("amount_due", "Amount due"),
    ("amount_paid", "Amount paid"),
    ("status", "Status"),
    ("created", "Created at"),
    ("updated", "Updated at"),
    ("period_start", "Period start"),
    ("period_end", "Period end"),
    ("due_date", "Due date"),
    ("pdf_url", "PDF URL"),
    ("hosted_url", "Hosted invoice page URL"),
)

# The statuses a multi-provider integration normalises to.
STATUSES: tuple[tuple[str, str], ...] = (
    ("draft", "editable, not yet issued"),
    ("open", "issued, awaiting payment"),
    ("sent", "issued and sent to the customer, awaiting payment"),
    ("paid", "paid in full"),
    ("payment_failed", "a payment attempt failed; still collectible"),
    ("uncollectible", "written off"),
    ("void", "cancelled after issue"),
)


_UNIX_SECONDS = "Unix timestamp, seconds"
_MINOR_UNITS = "minor units (cents)"

PROVIDERS: dict[str, ProviderMap] = {
    "wooshpay": ProviderMap(
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
    ),
    "useepay": ProviderMap(
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
    ),
    "lynkwell": ProviderMap(
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
    ),
}


def as_context() -> FieldMap:
    return FieldMap(lifecycle=LIFECYCLE, concepts=CONCEPTS, statuses=STATUSES, providers=dict(PROVIDERS))
