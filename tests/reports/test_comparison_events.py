"""The comparison shows per provider which invoice events exist and how they are delivered (issue 27);
a provider without events reads "not documented"; providers that agree show no difference."""

from __future__ import annotations

from dataclasses import replace

from conformance.document.model import FindingsDocument
from conformance.reports import comparison


def _topic(document: FindingsDocument, topic: str) -> dict[str, str] | None:
    found = next((d for d in comparison.build(document).differences if d.topic == topic), None)
    return None if found is None else dict(found.details)


def test_events_and_their_delivery_per_provider(document: FindingsDocument) -> None:
    events = _topic(document, "Invoice events")
    assert events is not None
    assert events["Lynkwell"] == "not documented"
    assert "`invoice.sent`" in events["UseePay"]
    assert "`invoice.finalized`" in events["WooshPay"]
    assert "inferred" in events["WooshPay"]
    assert "inferred" not in events["UseePay"]
    delivery = _topic(document, "Webhook delivery")
    assert delivery is not None
    assert "application/x-www-form-urlencoded" in delivery["UseePay"]
    assert "rsa-pkcs1v15-sha256 in `sign`" in delivery["UseePay"]
    assert "acknowledged by 200" in delivery["UseePay"]
    assert "hmac-sha256 in `wooshpay-signature` (inferred)" in delivery["WooshPay"]
    assert "8 retries" in delivery["WooshPay"]


def test_providers_that_agree_on_events_show_no_difference(document: FindingsDocument) -> None:
    assert document.context is not None
    same = {
        name: replace(p, comparison=replace(p.comparison, events="`invoice.paid`", delivery="application/json"))
        for name, p in document.context.providers.items()
        if p.comparison is not None
    }
    agreeing = replace(document, context=replace(document.context, providers=same))
    assert _topic(agreeing, "Invoice events") is None
    assert _topic(agreeing, "Webhook delivery") is None


def test_an_older_findings_file_without_the_facts_renders(document: FindingsDocument) -> None:
    assert document.context is not None
    old = {
        name: replace(p, comparison=replace(p.comparison, events=None, delivery=None))
        for name, p in document.context.providers.items()
        if p.comparison is not None
    }
    older = replace(document, context=replace(document.context, providers=old))
    assert _topic(older, "Invoice events") is None
    assert "Invoice events" not in comparison.render_markdown(comparison.build(older))
