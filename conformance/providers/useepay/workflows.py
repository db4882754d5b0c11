"""UseePay workflows: customer -> invoice -> retrieve -> update -> list -> pay, as specs/useepay.yaml reads the docs.

UseePay invoices carry one `total_amount` (no lines), so its arithmetic is that the amount read back
is the amount written. The statuses and which action is allowed in which come from the spec's
x-lifecycle; the lifecycle probe tries every action in every status the API can reach.
"""

from __future__ import annotations

from typing import Any

from conformance.behaviour.probes import SCENARIOS as BEHAVIOUR_PROBES
from conformance.checks.invariants import Breach, Format, InvoiceFacts, Timeline
from conformance.checks.pagination import ListShape
from conformance.core.kinds import Kind
from conformance.scenarios.lifecycle_probe import Call, ProbeDriver, Subject, scenario_run
from conformance.scenarios.listing import Listing, walk
from conformance.scenarios.scenario import ProviderWorkflows, Scenario, ScenarioRun

CREATE = "https://docs-v2.useepay.com/225901782e0"
RETRIEVE = "https://docs-v2.useepay.com/225901783e0"
UPDATE = "https://docs-v2.useepay.com/225901784e0"
LIST = "https://docs-v2.useepay.com/225901785e0"
EVENTS = "https://docs-v2.useepay.com/6516730m0"  # webhook events: invoice.paid, .payment_failed, .cancelled
CUSTOMER = "https://docs-v2.useepay.com/225901779e0"
SUBSCRIPTION = "https://docs-v2.useepay.com/225901792e0"  # first_invoice_id / latest_invoice (billing inferred)
CANCEL = "https://docs-v2.useepay.com/225901795e0"
MANDATE = "https://docs-v2.useepay.com/225901796e0"
MANDATES = "https://docs-v2.useepay.com/225901799e0"

FACTS = InvoiceFacts(
    # Every example prints modify_at at or after create_at.
    timeline=Timeline(
        created="/create_at",
        not_before_created=("/modify_at",),
        ordered=(("/period_start", "/period_end"),),
        doc_ref=RETRIEVE,
    ),
    formats=(
        Format("/id", RETRIEVE, prefix="inv_"),
        Format("/customer_id", RETRIEVE, prefix="cus_"),
        Format("/currency", CREATE, pattern=r"^[A-Z]{3}$", what="upper-case ISO 4217 code"),
        Format("/total_amount", CREATE, integer_amount=True),
    ),
)

INVOICES = Listing(
    operation="listInvoices",
    shape=ListShape(items="/items", has_more="/has_more", doc_ref=LIST),
    limit="page_size",
    page="page_num",
)

CUSTOMER_FIELDS = {"merchant_customer_id": "conformance-workflows", "name": "Conformance Workflow"}


def _mandate(run: ScenarioRun) -> dict[str, Any]:
    """The body the Pay page documents (its mandate acceptance lies in the past, as a real one does)."""
    examples = run.spec.document["components"]["examples"]
    return dict(examples["PayInvoiceRequestFromPayPage"]["value"])


def _customer(run: ScenarioRun) -> str:
    created = run.call("createCustomer", json=CUSTOMER_FIELDS)
    run.expect_echo(created, CUSTOMER_FIELDS, doc_ref=CUSTOMER)
    customer = run.need(created, "/id")
    run.expect_echo(run.call("retrieveCustomer", path={"id": customer}), CUSTOMER_FIELDS, doc_ref=CUSTOMER)
    return customer


def _invoice(run: ScenarioRun, customer: str, **fields: Any) -> str:
    written = {"customer_id": customer, "currency": "USD", "total_amount": 112, **fields}
    created = run.call("createInvoice", json=written)
    run.expect_status(created, "open")
    run.expect_echo(created, written, doc_ref=CREATE)
    invoice = run.need(created, "/id")
    run.expect_echo(run.call("retrieveInvoice", path={"id": invoice}), written, doc_ref=RETRIEVE)
    return invoice


def invoice_lifecycle(run: ScenarioRun) -> None:
    customer = _customer(run)
    invoice = _invoice(
        run,
        customer,
        collection_method="send_invoice",
        description="Workflow: invoice lifecycle",
        metadata={"workflow": "lifecycle"},
        footer="Conformance workflow",
    )
    update = {"description": "Workflow: invoice lifecycle (updated)", "metadata": {"workflow": "updated"}}
    updated = run.call("updateInvoice", path={"id": invoice}, json=update)
    run.expect_status(updated, "open")
    run.expect_echo(updated, update, doc_ref=UPDATE)
    run.expect_echo(
        run.call("retrieveInvoice", path={"id": invoice}), update, doc_ref=UPDATE, what="The retrieved invoice"
    )
    walk(run, INVOICES, limit=2, query={"customer_id": customer}, expected=[invoice])
    paid = run.call("payInvoice", path={"id": invoice}, json=_mandate(run))
    run.expect_status(paid, "paid")
    run.expect_status(run.call("retrieveInvoice", path={"id": invoice}), "paid")
    final = run.call("retrieveInvoice", path={"id": invoice})
    run.expect_status(final, "paid")
    run.expect_echo(final, update, doc_ref=UPDATE, what="The paid invoice")


def list_pagination(run: ScenarioRun) -> None:
    customer = _customer(run)
    created = [
        _invoice(run, customer, total_amount=100 * n, description=f"Workflow: page item {n}") for n in range(1, 6)
    ]
    walk(run, INVOICES, limit=2, query={"customer_id": customer}, expected=created)


# -- the lifecycle probe ----------------------------------------------------------------------------

USABLE, NOT_YET_ACCEPTED = "the documented mandate", "a mandate accepted after the attempt"


def _probe_setup(run: ScenarioRun) -> dict[str, Any]:
    return {"customer": run.need(run.call("createCustomer", json=CUSTOMER_FIELDS), "/id")}


def _probe_invoice(run: ScenarioRun, shared: dict[str, Any]) -> Subject:
    fields = {"customer_id": shared["customer"], "currency": "USD", "total_amount": 112}
    created = run.call("createInvoice", json={**fields, "description": "Workflow: lifecycle probe"})
    return Subject(run.need(created, "/id"))


def _probe_call(run: ScenarioRun, invoice: Subject, operation_id: str, variant: str) -> Call:
    if operation_id == "payInvoice":
        body = _mandate(run)
        if variant == NOT_YET_ACCEPTED:
            # A fixed instant far ahead keeps the request, and so the cassette, the same on every run.
            acceptance = {**body["mandate_data"]["customer_acceptance"], "accepted_at": "2099-01-01T00:00:00Z"}
            body = {**body, "mandate_data": {**body["mandate_data"], "customer_acceptance": acceptance}}
        return Call(path={"id": invoice.id}, json=body)
    return Call(path={"id": invoice.id}, json={"description": "Workflow: lifecycle probe (updated)"})


PROBE = ProbeDriver(
    setup=_probe_setup,
    create=_probe_invoice,
    act=_probe_call,
    read="retrieveInvoice",
    read_path=lambda invoice: {"id": invoice.id},
    variants={"payInvoice": (USABLE, NOT_YET_ACCEPTED)},
)


RECURRING = {"interval": "month", "interval_count": 1, "unit_amount": 112, "total_billing_cycles": 10}
SUBSCRIPTIONS = Listing(
    operation="listSubscriptions",
    shape=ListShape(items="/items", has_more="/has_more", doc_ref=MANDATES),
    limit="page_size",
    page="page_num",
)


def subscription_invoices(run: ScenarioRun) -> None:
    """A subscription bills its first invoice; paying it with a mandate makes the subscription active."""
    customer = _customer(run)
    written = {"customer_id": customer, "currency": "USD", "recurring": RECURRING, "metadata": {"sid": "0001"}}
    created = run.call("createSubscription", json=written)
    run.expect_echo(created, {**written, "status": "incomplete"}, doc_ref=SUBSCRIPTION)
    subscription = run.need(created, "/id")
    invoice = run.need(created, "/first_invoice_id")
    run.expect_echo(created, {"latest_invoice": invoice}, doc_ref=SUBSCRIPTION)
    first = run.call("retrieveInvoice", path={"id": invoice})
    run.expect_status(first, "open")
    run.expect_echo(
        first,
        {"customer_id": customer, "subscription_id": subscription, "total_amount": RECURRING["unit_amount"]},
        doc_ref=SUBSCRIPTION,
        what="The subscription's first invoice",
    )
    acceptance = _mandate(run)["mandate_data"]["customer_acceptance"]
    mandate_fields = {"customer_id": customer, "payment_intent_id": "pi_conformance", "customer_acceptance": acceptance}
    mandate = run.call("createMandate", json=mandate_fields)
    run.expect_echo(mandate, mandate_fields, doc_ref=MANDATE)
    mandate_id = run.need(mandate, "/id")
    mandates = run.call("listMandates", query={"customer_id": customer})
    listed = [item.get("id") for item in run.value(mandates, "/items") or [] if isinstance(item, dict)]
    run.expect(
        mandates,
        listed == [mandate_id],
        Breach(
            Kind.INVARIANT_VIOLATION,
            "/items",
            f"the customer's mandate {mandate_id}",
            ", ".join(map(str, listed)) or "none",
            "listMandates filtered by customer_id does not list exactly the customer's mandate.",
            MANDATES,
        ),
    )
    run.expect_status(run.call("payInvoice", path={"id": invoice}, json={"mandate_data": mandate_fields}), "paid")
    run.expect_echo(
        run.call("retrieveSubscription", path={"id": subscription}),
        {"status": "active", "latest_invoice": invoice},
        doc_ref=SUBSCRIPTION,
        what="The subscription after its first invoice was paid",
    )
    walk(run, SUBSCRIPTIONS, limit=1, query={"customer_id": customer}, expected=[subscription])
    update = {"description": "Workflow: subscription (updated)", "metadata": {"sid": "0002"}}
    run.expect_echo(
        run.call("updateSubscription", path={"id": subscription}, json=update), update, doc_ref=SUBSCRIPTION
    )
    cancelled = run.call("cancelSubscription", path={"id": subscription})
    run.expect_echo(cancelled, {"status": "cancelled"}, doc_ref=CANCEL)
    run.refused(
        "cancelSubscription", path={"id": subscription}, why="the subscription is already cancelled", doc_ref=CANCEL
    )
    run.expect_status(run.call("retrieveInvoice", path={"id": invoice}), "paid")


WORKFLOWS = ProviderWorkflows(
    provider="useepay",
    invoices=FACTS,
    invoice_at={operation: "" for operation in ("createInvoice", "retrieveInvoice", "updateInvoice", "payInvoice")},
    scenarios=(
        Scenario(
            "invoice_lifecycle",
            "customer, invoice, retrieve, update, list, pay with the documented mandate",
            invoice_lifecycle,
        ),
        Scenario("list_pagination", "five invoices walked with page_num/page_size", list_pagination),
        Scenario(
            "lifecycle_probe",
            "every action of x-lifecycle tried in every reachable status: allowed ones succeed, forbidden ones refused",
            scenario_run(PROBE),
        ),
        Scenario(
            "subscription_invoices",
            "subscription bills its first invoice (open); a mandate created and listed pays it; subscription "
            "active, listed, updated, cancelled; cancelling twice refused",
            subscription_invoices,
        ),
        *BEHAVIOUR_PROBES,
    ),
)
