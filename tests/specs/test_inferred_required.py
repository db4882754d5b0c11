"""A missing field says whether the docs require it or only the spec's (Stripe) reading does."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core.kinds import Kind
from conformance.providers import get_provider
from conformance.spec.validation import violations

WOOSHPAY = get_provider("wooshpay").spec
USEEPAY = get_provider("useepay").spec


def _invoice_example() -> dict:
    return copy.deepcopy(WOOSHPAY.document["components"]["examples"]["InvoiceObjectFromDeletePage"]["value"])


def _missing(spec, pointer: str, instance: dict) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        v.pointer: v.expected for v in violations(spec.validator(pointer), instance) if v.kind is Kind.MISSING_FIELD
    }


@settings(max_examples=15, derandomize=True)
@given(st.sampled_from(["customer", "status", "lines", "amount_due", "created"]))
def test_missing_invoice_field_is_reported_as_inferred_from_stripe(name: str) -> None:
    invoice = _invoice_example()
    del invoice[name]
    assert _missing(WOOSHPAY, "/components/schemas/Invoice", invoice)[f"/{name}"] == (
        "required field (inferred from Stripe, not documented)"
    )


def test_nested_objects_shown_without_required_list_say_so_too() -> None:
    invoice = _invoice_example()
    del invoice["status_transitions"]["paid_at"]
    found = _missing(WOOSHPAY, "/components/schemas/Invoice", invoice)
    assert found["/status_transitions/paid_at"].startswith("required field (inferred from Stripe")


def test_documented_required_field_stays_plain() -> None:
    # The error body's required list is the Errors page's ("code", "message" always present): not Stripe.
    found = _missing(USEEPAY, "/components/schemas/CustomerAcceptance", {"type": "online", "online": {}})
    assert found["/accepted_at"] == "required field (inferred, not documented)"
    mandate = {"items": [], "has_more": False}
    assert _missing(USEEPAY, "/components/schemas/MandateList", mandate) == {}
    # A schema without x-inferred: the plain wording.
    assert _missing(WOOSHPAY, "/components/schemas/UpdatePriceRequest", {}) == {}
    from conformance.spec.validation import required_expectation

    assert required_expectation({"required": ["id"]}) == "required field"
