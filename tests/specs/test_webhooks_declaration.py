"""The webhook contract as conformance/spec/webhooks.py reads it from the specs (issue 27), and the
declarations it refuses (exit 2, naming what to fix)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis

from conformance.core.errors import UsageError
from conformance.providers import get_provider
from conformance.spec.specs import Spec
from conformance.spec.webhooks import FORM, parse, webhooks_of

WOOSHPAY_EVENTS = {
    "invoice.created",
    "invoice.updated",
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.voided",
    "invoice.marked_uncollectible",
    "invoice.sent",
    "invoice.deleted",
}
USEEPAY_EVENTS = {"invoice.sent", "invoice.paid", "invoice.payment_failed", "invoice.cancelled"}


def test_the_shipped_contracts_follow_the_shared_conventions() -> None:
    woosh = webhooks_of(get_provider("wooshpay").spec)
    assert set(woosh.events) == WOOSHPAY_EVENTS
    assert woosh.rules is not None
    assert woosh.rules.retries.delays == (60, 300, 1800, 3600, 7200, 14400, 28800, 57600)
    assert woosh.rules.acknowledges(204)
    assert not woosh.rules.acknowledges(302)
    assert woosh.rules.signature is not None
    assert (woosh.rules.signature.scheme, woosh.rules.signature.header) == ("hmac-sha256", "wooshpay-signature")
    # Everything but invoice.created's existence is Stripe's.
    assert {e.name for e in woosh.events.values() if e.provenance.status != "inferred"} == {"invoice.created"}
    assert woosh.correlate == "/data/object/id"
    use = webhooks_of(get_provider("useepay").spec)
    assert set(use.events) == USEEPAY_EVENTS
    assert use.rules is not None
    assert use.rules.retries.delays[:8] == (1, 5, 10, 30, 60, 120, 180, 240)
    assert use.rules.retries.delays[-1] == 7200
    assert use.rules.content_type_for("2026-04") == "application/json"
    assert use.rules.content_type_for("2025-01") == FORM
    assert use.rules.acknowledges(200)
    assert not use.rules.acknowledges(204)
    assert use.events["invoice.paid"].body(FORM) is not None
    assert {h.name for h in use.events["invoice.paid"].headers} == {"merchant_no", "api_version", "app_id", "sign"}
    # Created open, ready to be paid: invoice.sent (an inferred reading); then one event per state entered.
    created = list(use.emitted_by(created=True, previous=None, state="open", action="createInvoice", failed=False))
    assert [(e.event, e.provenance.status) for e in created] == [("invoice.sent", "inferred")]
    assert [e.event for e in use.emitted_by(created=False, previous="open", state="paid", action="", failed=False)] == [
        "invoice.paid"
    ]
    lynk = webhooks_of(get_provider("lynkwell").spec)
    assert not lynk.documented
    assert "LW-NO-EVENTS" in lynk.defects


@pytest.mark.parametrize("provider", ["wooshpay", "useepay"])
def test_schemathesis_generates_for_paths_only(provider: str) -> None:
    spec = get_provider(provider).spec
    schema = schemathesis.openapi.from_dict(spec.document)
    labels = [result.ok().label for result in schema.get_all_operations()]
    assert len(labels) == len(spec.operations)
    assert not [label for label in labels if "invoice." in label]


def _spec(provider: str, change: Callable[[dict[str, Any]], None]) -> Spec:
    original = get_provider(provider).spec
    document = copy.deepcopy(original.document)
    change(document)
    return Spec(original.provider, original.path, document)


BROKEN: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "unknown event",
        lambda d: d["x-lifecycle"]["emits"]["rules"][0].update(event="invoice.exploded"),
        "does not declare",
    ),
    ("unknown state", lambda d: d["x-lifecycle"]["emits"]["rules"][1].update(enters="melted"), "no state"),
    (
        "unknown action",
        lambda d: d["x-lifecycle"]["emits"]["rules"][5].update(action="explodeInvoice"),
        "no operationId",
    ),
    ("two triggers", lambda d: d["x-lifecycle"]["emits"]["rules"][1].update(action="sendInvoice"), "exactly one"),
    ("no delivery rules", lambda d: d.pop("x-webhook-delivery"), "how the declared webhooks are delivered"),
    ("bad schedule", lambda d: d["x-webhook-delivery"]["retries"].update(schedule=[60, -1]), "positive seconds"),
    ("bad scheme", lambda d: d["x-webhook-delivery"]["signature"].update(scheme="md5"), "must be one of"),
    ("inferred without reason", lambda d: d["x-webhook-delivery"]["provenance"].update(reason=""), "why"),
]


@pytest.mark.parametrize(("what", "change", "says"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_declaration_is_refused_with_what_to_fix(what: str, change: Any, says: str) -> None:
    assert parse(_spec("wooshpay", lambda d: None)).documented
    with pytest.raises(UsageError, match=says):
        parse(_spec("wooshpay", change))


def test_a_form_body_must_say_which_field_carries_the_json() -> None:
    def drop(document: dict[str, Any]) -> None:
        field = document["components"]["schemas"]["WebhookFormInvoicePaid"]["properties"]["data"]
        del field["contentMediaType"]

    with pytest.raises(UsageError, match="contentMediaType"):
        parse(_spec("useepay", drop))


def test_providers_lists_the_webhook_events_or_says_there_are_none() -> None:
    from click.testing import CliRunner

    from conformance.cli.main import main

    listed = CliRunner().invoke(main, ["providers", "--provider", "useepay"])
    assert listed.exit_code == 0
    assert {e for e in USEEPAY_EVENTS if f"webhook {e} " in listed.output} == USEEPAY_EVENTS
    none = CliRunner().invoke(main, ["providers", "--provider", "lynkwell"])
    assert "webhook events" in none.output
    assert "not documented" in none.output
