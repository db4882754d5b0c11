"""The curated part of the cross-vendor comparison: which operation and which invoice field is which concept.

Only what the specs cannot say lives here (a concept has no name in a spec, and a unit often has no
type). Types, formats, enum values, nullability, x-inferred notes and provenance are read from the specs
at run time by `conformance.run.report_context`, which copies this map into findings.json with them; the
comparison reads both from there. Each provider's entry is FIELD_MAP in its folder (conformance/providers/<name>/field_map.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from conformance.document.context import FieldMap, FieldRef, ProviderMap

__all__ = ["CONCEPTS", "LIFECYCLE", "STATUSES", "FieldRef", "ProviderMap", "as_context"]

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


def as_context(providers: Mapping[str, ProviderMap]) -> FieldMap:
    """The comparison's vocabulary with each provider's map, in the order given."""
    return FieldMap(lifecycle=LIFECYCLE, concepts=CONCEPTS, statuses=STATUSES, providers=dict(providers))
