"""Root causes group webhook payload defects by the event's schema: the same defect of the invoice the
events carry is one cause across events; different defects stay apart."""

from __future__ import annotations

import pytest

from conformance.checks.webhooks import payload_findings
from conformance.findings.root_causes import group
from conformance.providers import get_provider
from tests.checks import webhook_kit as kit

SPEC = get_provider("useepay").spec


def _retyped(event: str, state: str, field: str) -> list:  # type: ignore[type-arg]
    invoice = dict(kit.invoices_by_state("useepay")[state])
    invoice[field] = 840
    return payload_findings(SPEC, kit.delivery("useepay", kit.envelope("useepay", event, invoice), status=500))


@pytest.mark.parametrize(("second_field", "causes"), [("currency", 1), ("description", 2)])
def test_one_invoice_defect_across_events_is_one_root_cause(second_field: str, causes: int) -> None:
    findings = _retyped("invoice.paid", "paid", "currency") + _retyped(
        "invoice.payment_failed", "payment_failed", second_field
    )
    assert len(findings) == 2
    grouped = group(findings, {"useepay": SPEC}.get)
    assert len(grouped) == causes
    assert {cause.category for cause in grouped} == {"schema_component"}  # not an error body: the 500 was ours
    assert {cause.component for cause in grouped} == {"Invoice"}
