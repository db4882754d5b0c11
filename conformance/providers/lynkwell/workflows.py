"""Lynkwell workflows: payment profiles, subscriptions and their invoices, as specs/lynkwell.yaml documents them.

No operation creates an invoice: subscribing a payment profile to a price starts a subscription whose
first invoice appears in the invoice list. Lists page with `limit` (a string) and `startingAfter`,
answering `{"data": {"hasMore", "items"}}`. Statuses are Stripe's upper-cased (only DRAFT is printed);
the lifecycle (spec's x-lifecycle) is tried exhaustively by the lifecycle probe.
"""

from __future__ import annotations

import os
from typing import Any

from conformance.behaviour.probes import SCENARIOS as BEHAVIOUR_PROBES
from conformance.checks.invariants import Breach, InvoiceFacts, LinesTotal, Timeline
from conformance.checks.json_values import number
from conformance.checks.pagination import ListShape
from conformance.core.kinds import Kind
from conformance.scenarios.client import Exchange
from conformance.scenarios.lifecycle_probe import Call, ProbeDriver, Subject, scenario_run
from conformance.scenarios.listing import Listing, Walk, walk
from conformance.scenarios.scenario import ProviderWorkflows, Scenario, ScenarioAborted, ScenarioRun
from conformance.spec.validation import show

INVOICES_PAGE = "https://docs.lynkwell.com/api/billing/Invoices"
RETRY_PAGE = "https://docs.lynkwell.com/api/billing/Invoice"
PROFILES_PAGE = "https://docs.lynkwell.com/api/billing/Payment-Profile"
SUBSCRIPTIONS_PAGE = "https://docs.lynkwell.com/api/billing/Subscription"

FACTS = InvoiceFacts(
    # The invoice's subTotal is the sum of its subscription items' totals (the unit of money is
    # undocumented, LW-MONEY-UNIT-UNDOCUMENTED, so no unit is checked).
    totals=(LinesTotal(total="/subTotal", lines="/subscriptionItems", line_amount="total", doc_ref=INVOICES_PAGE),),
    timeline=Timeline(
        created="/createdAt",
        not_before_created=("/lastPaymentAttemptDate",),
        ordered=(("/periodStart", "/periodEnd"),),
        doc_ref=INVOICES_PAGE,
    ),
)


def _listing(operation: str, page: str) -> Listing:
    return Listing(
        operation=operation,
        shape=ListShape(items="/data/items", has_more="/data/hasMore", doc_ref=page),
        limit="limit",
        after="startingAfter",
    )


INVOICES = _listing("listInvoices", INVOICES_PAGE)
PROFILES = _listing("listPaymentProfiles", PROFILES_PAGE)
SUBSCRIPTIONS = _listing("listSubscriptions", SUBSCRIPTIONS_PAGE)

SMALL_PAGE = "2"
LARGEST_PAGE = "100"  # the documented maximum
MAX_INVOICES_READ = 10  # get-each-listed stops here on a large live account
# No operation lists prices: the doubles' catalogue has this one (two items, with tax); a live
# account names its own in CONFORMANCE_LYNKWELL_PRICE_ID.
PRICE_ID = os.environ.get("CONFORMANCE_LYNKWELL_PRICE_ID", "price_fleet_monthly")
PAYMENT_METHOD_ID = os.environ.get("CONFORMANCE_LYNKWELL_PAYMENT_METHOD_ID", "pm_card_visa")
DRIVER = "conformance-workflow-driver"
COMPARED = (
    "id",
    "paymentProfileId",
    "status",
    "subTotal",
    "taxTotal",
    "currency",
    "periodStart",
    "periodEnd",
    "createdAt",
)


def _all_invoices(run: ScenarioRun) -> Walk:
    """Every invoice, walked with small pages, checked against one walk with the largest pages."""
    whole = walk(run, INVOICES, limit=LARGEST_PAGE)
    return walk(run, INVOICES, limit=SMALL_PAGE, expected=whole.ids if whole.complete else ())


def _attempts(run: ScenarioRun, exchange: Exchange) -> int | float | None:
    return number(run.value(exchange, "/data/totalPaymentAttempts"))


def list_invoices(run: ScenarioRun) -> None:
    listed = _all_invoices(run)
    for invoice in listed.ids[:MAX_INVOICES_READ]:
        as_listed = listed.objects[invoice]
        got = run.call("getInvoice", path={"invoiceId": invoice})
        # Retrieving a listed invoice shows it as listed.
        shown = {name: as_listed[name] for name in COMPARED if name in as_listed}
        run.expect_echo(got, shown, base="/data", doc_ref=INVOICES_PAGE, what=f"getInvoice of listed invoice {invoice}")


def billing_lifecycle(run: ScenarioRun) -> None:
    profile_fields = {"driver": DRIVER}
    created = run.call("createPaymentProfile", json=profile_fields)
    run.expect_echo(created, profile_fields, base="/data", doc_ref=PROFILES_PAGE)
    profile = run.need(created, "/data/id")
    walk(run, PROFILES, limit=SMALL_PAGE, query={"driverId": DRIVER}, expected=[profile])

    subscribed = run.call("subscribePaymentProfile", path={"paymentProfileId": profile}, json={"priceId": PRICE_ID})
    run.expect_echo(subscribed, {"priceId": PRICE_ID, "paymentProfileId": profile}, base="/data", doc_ref=PROFILES_PAGE)
    subscription = run.need(subscribed, "/data/id")
    walk(run, SUBSCRIPTIONS, limit=SMALL_PAGE, expected=[subscription])

    listed = _all_invoices(run)
    mine = [i for i in listed.ids if listed.objects[i].get("paymentProfileId") == profile]
    if not mine:
        return  # the provider bills later than it subscribes: no invoice to follow yet
    invoice = mine[0]
    path = {"invoiceId": invoice}
    before = run.call("getInvoice", path=path)
    run.expect_status(before, "OPEN")  # finalized, and unpaid: the profile has no payment method yet

    retried = run.call("retryInvoicePayment", path=path, json={"invoiceId": invoice})
    _expect_attempt(run, before, retried)
    run.expect_status(retried, "OPEN")

    method = run.call(
        "attachPaymentMethod", path={"paymentProfileId": profile}, json={"paymentMethodId": PAYMENT_METHOD_ID}
    )
    run.expect_echo(method, {"paymentProfileId": profile}, base="/data", doc_ref=PROFILES_PAGE)
    paid = run.call("retryInvoicePayment", path=path, json={"invoiceId": invoice})
    _expect_attempt(run, retried, paid)
    run.expect_status(paid, "PAID")

    final = run.call("getInvoice", path=path)
    run.expect_status(final, "PAID")
    attempts = run.value(paid, "/data/totalPaymentAttempts")
    if attempts is not None:
        run.expect_echo(
            final, {"totalPaymentAttempts": attempts}, base="/data", doc_ref=RETRY_PAGE, what="The paid invoice"
        )


def _expect_attempt(run: ScenarioRun, before: Exchange, after: Exchange) -> None:
    """A retry is one more payment attempt, and records when it happened."""
    old, new = _attempts(run, before), _attempts(run, after)
    if old is None or new is None:
        return
    run.expect(
        after,
        new == old + 1,
        Breach(
            Kind.STATE_TRANSITION,
            "/data/totalPaymentAttempts",
            f"{old} + 1 after one retry",
            show(new),
            f"totalPaymentAttempts went from {old} to {new} on one payment retry.",
            RETRY_PAGE,
            check="lifecycle.retry_counted",
        ),
    )
    run.expect(
        after,
        run.value(after, "/data/lastPaymentAttemptDate") is not None,
        Breach(
            Kind.STATE_TRANSITION,
            "/data/lastPaymentAttemptDate",
            "the time of the attempt just made",
            "null",
            "lastPaymentAttemptDate is not set after a payment retry.",
            RETRY_PAGE,
            check="lifecycle.retry_dated",
        ),
    )


# -- the lifecycle probe ----------------------------------------------------------------------------

WITH_CARD, WITHOUT_CARD = "after attaching a card", "with no payment method"


def _probe_invoice(run: ScenarioRun, shared: dict[str, Any]) -> Subject:
    """A new profile's first invoice: subscribing bills it; the invoice list shows it."""
    profile = run.need(run.call("createPaymentProfile", json={"driver": DRIVER}), "/data/id")
    run.call("subscribePaymentProfile", path={"paymentProfileId": profile}, json={"priceId": PRICE_ID})
    listed = run.call("listInvoices", query={"limit": LARGEST_PAGE})
    items = run.value(listed, "/data/items") or []
    mine = [i["id"] for i in items if isinstance(i, dict) and i.get("paymentProfileId") == profile and "id" in i]
    if not mine:
        raise ScenarioAborted("the subscription's first invoice is not listed")
    return Subject(mine[0], {"profile": profile})


def _probe_call(run: ScenarioRun, invoice: Subject, operation_id: str, variant: str) -> Call:
    if variant == WITH_CARD and not invoice.context.get("card"):
        profile = invoice.context["profile"]
        run.call("attachPaymentMethod", path={"paymentProfileId": profile}, json={"paymentMethodId": PAYMENT_METHOD_ID})
        invoice.context["card"] = True
    return Call(path={"invoiceId": invoice.id}, json={"invoiceId": invoice.id})


PROBE = ProbeDriver(
    create=_probe_invoice,
    act=_probe_call,
    read="getInvoice",
    read_path=lambda invoice: {"invoiceId": invoice.id},
    invoice_at="/data",
    variants={"retryInvoicePayment": (WITH_CARD, WITHOUT_CARD)},
)


WORKFLOWS = ProviderWorkflows(
    provider="lynkwell",
    invoices=FACTS,
    invoice_at={"getInvoice": "/data", "retryInvoicePayment": "/data"},
    scenarios=(
        Scenario(
            "list_invoices",
            "every invoice page by limit/startingAfter (small and largest pages agree), then get each listed invoice",
            list_invoices,
            read_only=True,
        ),
        Scenario(
            "billing_lifecycle",
            "payment profile, subscription, its first invoice; payment retried without and with a card",
            billing_lifecycle,
        ),
        Scenario(
            "lifecycle_probe",
            "every action of x-lifecycle tried in every reachable status: allowed ones succeed, forbidden ones refused",
            scenario_run(PROBE),
        ),
        *BEHAVIOUR_PROBES,
    ),
)
