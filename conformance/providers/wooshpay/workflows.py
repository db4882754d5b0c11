"""WooshPay workflows: the Stripe-style invoice lifecycle as specs/wooshpay.yaml documents it.

draft -> (invoice items, add_lines) -> finalize -> open -> pay -> paid; which action is allowed in
which status is the spec's x-lifecycle, tried exhaustively by the lifecycle probe. Paying needs a
payment method or `paid_out_of_band` (used here, so that no card is charged in a live sandbox).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.behaviour.probes import SCENARIOS as BEHAVIOUR_PROBES
from conformance.checks.invariants import (
    Balance,
    Breach,
    Format,
    InvoiceFacts,
    LineArithmetic,
    LinesTotal,
    Timeline,
)
from conformance.checks.pagination import ListShape
from conformance.core.kinds import Basis, Kind
from conformance.scenarios.client import Exchange
from conformance.scenarios.lifecycle_probe import Call, ProbeDriver, Subject, scenario_run
from conformance.scenarios.listing import Listing, expect_newest_first, walk
from conformance.scenarios.scenario import ProviderWorkflows, Scenario, ScenarioRun

# Documentation pages the facts come from.
INVOICE = "https://docs.wooshpay.com/api-121421332"  # the Invoice object (example of "Delete a draft invoice")
CREATE_INVOICE = "https://docs.guanglian.co/114672803e0.md"
DELETE = "https://docs.wooshpay.com/api-121421332"
LIST = "https://docs.wooshpay.com/api-190580551"
ADD_LINES = "https://docs.wooshpay.com/api-220502273"  # "amount ... should always be equal to unit_amount * quantity"
INVOICE_ITEM = "https://docs.wooshpay.com/api-114919063"  # "Three-letter ISO currency code"; price id "price_xxxx"
PRICE = "https://docs.wooshpay.com/api-55501373"
CUSTOMER = "https://docs.wooshpay.com/api-55532389"
SUBSCRIPTION = "https://docs.wooshpay.com/api-115648492"  # Create a subscription (first invoice: Stripe, inferred)
LIST_SUBSCRIPTIONS = "https://docs.wooshpay.com/api-190594648"

FACTS = InvoiceFacts(
    arithmetic=LineArithmetic(lines="/lines/data", doc_ref=ADD_LINES),
    # No taxes or discounts are documented on WooshPay's Invoice: the total is the sum of the lines.
    totals=(
        LinesTotal(
            total="/total",
            lines="/lines/data",
            line_amount="amount",
            truncated="/lines/has_more",
            doc_ref=INVOICE,
            inferred="No page defines `total`; the sum of the lines is Stripe's rule when no tax or discount applies.",
        ),
    ),
    balance=Balance(
        due="/amount_due",
        paid="/amount_paid",
        remaining="/amount_remaining",
        status="/status",
        paid_statuses=frozenset({"paid"}),
        doc_ref=INVOICE,
        inferred="No page relates amount_due, amount_paid and amount_remaining (never shown); Stripe's arithmetic.",
    ),
    # The transition timestamps (status_transitions.*) and legal status changes come from x-lifecycle.
    timeline=Timeline(
        created="/created",
        # period_start is the start of the usage period and may precede creation.
        not_before_created=("/period_end",),
        ordered=(("/period_start", "/period_end"),),
        doc_ref=INVOICE,
        inferred="The Invoice page prints its timestamps without saying how they are ordered; Stripe's order.",
    ),
    formats=(
        Format("/currency", INVOICE_ITEM, pattern=r"^[A-Za-z]{3}$", what="three-letter currency code"),
        Format("/lines/data/*/currency", INVOICE_ITEM, pattern=r"^[A-Za-z]{3}$", what="three-letter currency code"),
        Format("/lines/data/*/price/currency", INVOICE_ITEM, pattern=r"^[A-Z]{3}$", what="upper-case currency code"),
        Format("/lines/data/*/price/id", INVOICE_ITEM, prefix="price_"),
        *(
            Format(pointer, INVOICE, integer_amount=True)
            for pointer in ("/total", "/amount_due", "/amount_paid", "/amount_remaining", "/lines/data/*/amount")
        ),
    ),
)

INVOICES = Listing(
    operation="listInvoices",
    shape=ListShape(items="/data", has_more="/has_more", doc_ref=LIST),
    limit="limit",
    after="starting_after",
    before="ending_before",
)

CURRENCY = "USD"  # the Price page documents currency codes in upper case
CUSTOMER_FIELDS = {"name": "Conformance Workflow", "email": "workflows@example.com"}
LINES = (
    {"amount": 250, "description": "Travel"},
    {"unit_amount": 700, "quantity": 3, "description": "Support hours"},
)
PAID_OUT_OF_BAND = {"paid_out_of_band": True}


# -- building blocks --------------------------------------------------------------------------------


def _customer(run: ScenarioRun) -> str:
    created = run.call("createCustomer", json=CUSTOMER_FIELDS)
    run.expect_echo(created, CUSTOMER_FIELDS, doc_ref=CUSTOMER)
    return run.need(created, "/id")


def _draft(run: ScenarioRun, customer: str, **fields: Any) -> str:
    written = {"customer": customer, "currency": CURRENCY, **fields}
    draft = run.call("createInvoice", json=written)
    run.expect_status(draft, "draft")
    run.expect_echo(draft, written, doc_ref=CREATE_INVOICE)
    return run.need(draft, "/id")


def _by_id(object_id: str) -> dict[str, str]:
    return {"id": object_id}


def _fields(run: ScenarioRun, exchange: Exchange, *names: str) -> dict[str, Any]:
    """The named fields of a response that are present: what a later read must still show."""
    return {name: run.value(exchange, f"/{name}") for name in names if run.value(exchange, f"/{name}") is not None}


def _expect_lines(run: ScenarioRun, invoice: Exchange, written: list[Mapping[str, Any]]) -> None:
    """The invoice's lines are the ones written, in order."""
    lines = run.value(invoice, "/lines/data")
    count = len(lines) if isinstance(lines, list) else 0
    run.expect(
        invoice,
        count == len(written),
        Breach(
            Kind.INVARIANT_VIOLATION,
            "/lines/data",
            f"{len(written)} lines, as added",
            f"{count} lines",
            f"The invoice has {count} lines after {len(written)} were added.",
            ADD_LINES,
            check="invariant.lines_added",
        ),
    )
    for index, fields in enumerate(written[:count]):
        run.expect_echo(invoice, fields, base=f"/lines/data/{index}", doc_ref=ADD_LINES, what=f"Line {index + 1}")


# -- scenarios --------------------------------------------------------------------------------------


def invoice_lifecycle(run: ScenarioRun) -> None:
    customer = _customer(run)
    invoice = _draft(run, customer, description="Workflow: invoice lifecycle", metadata={"workflow": "lifecycle"})
    product = run.need(run.call("createProduct", json={"name": "Consulting hour"}), "/id")
    price_fields = {"product": product, "currency": CURRENCY, "unit_amount": 1500}
    price = run.call("createPrice", json=price_fields)
    run.expect_echo(price, price_fields, doc_ref=PRICE)
    price_id = run.need(price, "/id")
    item_fields: dict[str, Any] = {"customer": customer, "invoice": invoice, "quantity": 2}
    item = run.call("createInvoiceItem", json={**item_fields, "price": price_id})
    # An item's amount is its price's unit amount times its quantity.
    expected_item = {**item_fields, "unit_amount": price_fields["unit_amount"]}
    expected_item["amount"] = expected_item["unit_amount"] * item_fields["quantity"]
    run.expect_echo(item, expected_item, doc_ref=INVOICE_ITEM)
    item_id = run.need(item, "/id")
    run.expect_echo(run.call("retrieveInvoiceItem", path=_by_id(item_id)), expected_item, doc_ref=INVOICE_ITEM)
    run.call("addInvoiceLines", path=_by_id(invoice), json={"lines": list(LINES)})
    draft = run.call("retrieveInvoice", path=_by_id(invoice))
    run.expect_status(draft, "draft")
    item_line = {
        "invoice_item": item_id,
        "quantity": item_fields["quantity"],
        "unit_amount": price_fields["unit_amount"],
    }
    _expect_lines(run, draft, [item_line, *LINES])
    opened = run.call("finalizeInvoice", path=_by_id(invoice))
    run.expect_status(opened, "open")
    run.expect_echo(
        opened, _fields(run, draft, "total", "currency", "customer"), doc_ref=INVOICE, what="The finalized invoice"
    )
    paid = run.call("payInvoice", path=_by_id(invoice), json=PAID_OUT_OF_BAND)
    run.expect_status(paid, "paid")
    run.expect_echo(paid, _fields(run, opened, "total", "number"), doc_ref=INVOICE, what="The paid invoice")
    final = run.call("retrieveInvoice", path=_by_id(invoice))
    run.expect_status(final, "paid")
    run.expect_echo(
        final,
        _fields(run, paid, "status", "total", "amount_paid", "amount_remaining", "paid_out_of_band"),
        doc_ref=INVOICE,
        what="The retrieved invoice",
    )


def delete_draft(run: ScenarioRun) -> None:
    invoice = _draft(run, _customer(run), description="Workflow: delete")
    deleted = run.call("deleteInvoice", path=_by_id(invoice))
    run.expect_echo(deleted, {"id": invoice, "deleted": True}, doc_ref=DELETE)
    run.gone("retrieveInvoice", path=_by_id(invoice), doc_ref=DELETE)


def list_pagination(run: ScenarioRun) -> None:
    customer = _customer(run)
    created = [_draft(run, customer, description=f"Workflow: page item {n}") for n in range(1, 6)]
    mine = {"customer": customer}
    forward = walk(run, INVOICES, limit=2, query=mine, expected=created)
    expect_newest_first(run, forward, INVOICES, "created", LIST)
    if forward.ids:
        oldest = forward.ids[-1]
        walk(run, INVOICES, limit=2, query=mine, expected=set(created) - {oldest}, backwards_from=oldest)
    for invoice in created:
        run.call("deleteInvoice", path=_by_id(invoice))
    after = walk(run, INVOICES, limit=10, query=mine)
    listed = [invoice for invoice in after.ids if invoice in created]
    if listed:
        run.report(
            after.page_of(listed[0]),
            Breach(
                Kind.USE_AFTER_FREE,
                INVOICES.shape.items,
                "deleted invoices no longer listed",
                ", ".join(listed),
                f"listInvoices still lists {len(listed)} deleted invoice(s).",
                DELETE,
                check="lifecycle.deleted_unlisted",
            ),
        )


# -- the lifecycle probe ----------------------------------------------------------------------------

PROBE_LINE = {"amount": 250, "currency": CURRENCY, "description": "Lifecycle probe"}


def _probe_setup(run: ScenarioRun) -> dict[str, Any]:
    return {"customer": run.need(run.call("createCustomer", json=CUSTOMER_FIELDS), "/id")}


def _probe_invoice(run: ScenarioRun, shared: dict[str, Any]) -> Subject:
    """A draft with one line, to be sent manually: a pending item joins it, so no lifecycle action is used."""
    customer = shared["customer"]
    run.call("createInvoiceItem", json={"customer": customer, **PROBE_LINE})
    fields = {"customer": customer, "currency": CURRENCY, "collection_method": "send_invoice"}
    draft = run.call("createInvoice", json={**fields, "description": "Workflow: lifecycle probe"})
    return Subject(run.need(draft, "/id"), {"customer": customer})


def _probe_call(run: ScenarioRun, invoice: Subject, operation_id: str, variant: str) -> Call:
    if operation_id == "createInvoiceItem":
        return Call(json={"customer": invoice.context["customer"], "invoice": invoice.id, **PROBE_LINE})
    bodies = {"payInvoice": PAID_OUT_OF_BAND, "addInvoiceLines": {"lines": [PROBE_LINE]}}
    return Call(path=_by_id(invoice.id), json=bodies.get(operation_id))


PROBE = ProbeDriver(
    setup=_probe_setup,
    create=_probe_invoice,
    act=_probe_call,
    read="retrieveInvoice",
    read_path=lambda invoice: _by_id(invoice.id),
)


def _recurring_price(run: ScenarioRun, unit_amount: int) -> str:
    product = run.need(run.call("createProduct", json={"name": "Conformance plan"}), "/id")
    fields = {"product": product, "currency": CURRENCY, "unit_amount": unit_amount, "recurring": {"interval": "month"}}
    price = run.call("createPrice", json=fields)
    run.expect_echo(price, {"product": product, "unit_amount": unit_amount, "type": "recurring"}, doc_ref=PRICE)
    run.expect_echo(price, {"interval": "month"}, base="/recurring", doc_ref=PRICE, what="The price's recurring")
    return run.need(price, "/id")


def _subscription_invoice(
    run: ScenarioRun, subscription: Exchange, status: str, customer: str, unit_amount: int, quantity: int
) -> str:
    """The subscription's first invoice: its own, billing each item for the first period, in `status`."""
    subscription_id = run.need(subscription, "/id")
    invoice_id = run.need(subscription, "/latest_invoice")
    invoice = run.call("retrieveInvoice", path=_by_id(invoice_id))
    run.expect_status(invoice, status)
    run.expect_echo(
        invoice,
        {
            "customer": customer,
            "subscription": subscription_id,
            "billing_reason": "subscription_create",
            "total": unit_amount * quantity,
        },
        doc_ref=SUBSCRIPTION,
        what="The subscription's first invoice",
    )
    line = {"type": "subscription", "subscription": subscription_id, "quantity": quantity, "unit_amount": unit_amount}
    run.expect_echo(invoice, line, base="/lines/data/0", doc_ref=SUBSCRIPTION, what="Its line")
    listed = run.call("listInvoices", query={"subscription": subscription_id})
    ids = [item.get("id") for item in run.value(listed, "/data") or [] if isinstance(item, dict)]
    run.expect(
        listed,
        ids == [invoice_id],
        Breach(
            Kind.INVARIANT_VIOLATION,
            "/data",
            f"exactly the subscription's invoice {invoice_id}",
            ", ".join(map(str, ids)) or "none",
            "listInvoices filtered by subscription does not list exactly the invoice the subscription created.",
            LIST,
        ),
    )
    return invoice_id


def subscription_invoices(run: ScenarioRun) -> None:
    customer = run.need(run.call("createCustomer", json={**CUSTOMER_FIELDS, "payment_method": "pm_card_visa"}), "/id")
    unit_amount = 1900
    price = _recurring_price(run, unit_amount)
    written = {"customer": customer, "items": [{"price": price, "quantity": 2}], "metadata": {"workflow": "subs"}}
    charged = run.call("createSubscription", json=written)
    run.expect_echo(
        charged, {"customer": customer, "status": "active", "metadata": written["metadata"]}, doc_ref=SUBSCRIPTION
    )
    _subscription_invoice(run, charged, "paid", customer, unit_amount, 2)
    charged_id = run.need(charged, "/id")
    retrieved = run.call("retrieveSubscription", path=_by_id(charged_id))
    run.expect_echo(
        retrieved, _fields(run, charged, "status", "latest_invoice", "current_period_end"), doc_ref=SUBSCRIPTION
    )

    # Sent for manual payment: the first invoice waits, open with a due date, until it is paid.
    sent = run.call(
        "createSubscription",
        json={
            "customer": customer,
            "items": [{"price": price}],
            "collection_method": "send_invoice",
            "days_until_due": 14,
        },
    )
    run.expect_echo(sent, {"status": "active", "collection_method": "send_invoice"}, doc_ref=SUBSCRIPTION)
    invoice = _subscription_invoice(run, sent, "open", customer, unit_amount, 1)
    run.expect_status(run.call("payInvoice", path=_by_id(invoice), json=PAID_OUT_OF_BAND), "paid")

    sent_id = run.need(sent, "/id")
    item = run.need(sent, "/items/data/0/id")
    updated = run.call("updateSubscription", path=_by_id(sent_id), json={"items": [{"id": item, "quantity": 3}]})
    run.expect_echo(updated, {"id": item, "quantity": 3}, base="/items/data/0", doc_ref=SUBSCRIPTION)
    listed = run.call("listSubscriptions", query={"customer": customer})
    ids = [entry.get("id") for entry in run.value(listed, "/data") or [] if isinstance(entry, dict)]
    run.expect(
        listed,
        ids == [sent_id, charged_id],
        Breach(
            Kind.INVARIANT_VIOLATION,
            "/data",
            f"{sent_id}, {charged_id} (newest first)",
            ", ".join(map(str, ids)) or "none",
            "listSubscriptions filtered by customer does not list the customer's subscriptions newest first.",
            LIST_SUBSCRIPTIONS,
            check="invariant.subscriptions_newest_first",
            basis=Basis.INFERRED,
            inference="The List subscriptions page states no order (the invoice list's page does); Stripe's order.",
        ),
    )
    for subscription in (charged_id, sent_id):
        canceled = run.call("cancelSubscription", path=_by_id(subscription))
        run.expect_echo(canceled, {"status": "canceled"}, doc_ref=SUBSCRIPTION)
    run.refused(
        "cancelSubscription", path=_by_id(sent_id), why="the subscription is already canceled", doc_ref=SUBSCRIPTION
    )


# No page says how many lines an invoice embeds: what its `lines` list says must agree with what it holds.
EMBEDDING_INFERRED = (
    "The Invoice page shows `lines` as a list object with has_more; no page says how many lines are embedded, "
    "and what has_more means is Stripe's list convention."
)
LINES_ORDER_INFERRED = "No page states the order of an invoice's lines; Stripe lists them in the order added."


def invoice_lines_pages(run: ScenarioRun) -> None:
    """An invoice with 12 lines: what it embeds is consistent (has_more false: all of them; true: a prefix of
    them), and the lines endpoint serves every line written, each once, in the order added."""
    invoice = _draft(run, _customer(run), description="Workflow: twelve lines")
    written = [{"amount": 100 + n, "description": f"Line {n}"} for n in range(1, 13)]
    wanted = [line["description"] for line in written]
    run.call("addInvoiceLines", path=_by_id(invoice), json={"lines": written})
    embedded = run.call("retrieveInvoice", path=_by_id(invoice))
    _expect_consistent_embedding(run, embedded, wanted)
    seen: list[Any] = []
    query: dict[str, Any] = {"limit": 5}
    for _ in range(len(written)):
        page = run.call("listInvoiceLines", path=_by_id(invoice), query=query)
        data = [line for line in run.value(page, "/data") or [] if isinstance(line, dict)]
        seen.extend(data)
        if not run.value(page, "/has_more") or not data:
            break
        query = {"limit": 5, "starting_after": data[-1].get("id")}
    described = [line.get("description") for line in seen]
    run.expect(
        page,
        described == wanted,
        Breach(
            Kind.INVARIANT_VIOLATION,
            "/data",
            "all 12 lines, in the order added, each once",
            ", ".join(map(str, described)),
            "Paging through the invoice's lines does not give every line exactly once, in the order added "
            "(an order no page states; inferred from Stripe).",
            INVOICE,
            check="invariant.lines_readable",
            basis=Basis.INFERRED,
            inference=LINES_ORDER_INFERRED,
        ),
    )
    run.call("deleteInvoice", path=_by_id(invoice))


def _expect_consistent_embedding(run: ScenarioRun, invoice: Exchange, wanted: list[Any]) -> None:
    """has_more false: the embedded lines are all of them; true: fewer, and the first ones, in order."""
    more = run.value(invoice, "/lines/has_more")
    lines = run.value(invoice, "/lines/data")
    described = [line.get("description") for line in lines or [] if isinstance(line, dict)]
    if not isinstance(more, bool) or not isinstance(lines, list):
        return  # a missing or retyped list is the schema check's finding
    in_order = described == wanted[: len(described)]
    consistent = described == wanted if not more else in_order and len(described) < len(wanted)
    run.expect(
        invoice,
        consistent,
        Breach(
            Kind.INVARIANT_VIOLATION,
            "/lines",
            "has_more false with every line embedded, or has_more true with the first lines, in order",
            f"has_more {str(more).lower()} with {len(described)} of {len(wanted)} lines",
            f"The invoice's embedded lines say has_more {str(more).lower()} but hold {len(described)} of its "
            f"{len(wanted)} lines"
            + (" (not the first ones in order)." if described != wanted[: len(described)] else "."),
            INVOICE,
            check="invariant.embedded_lines",
            basis=Basis.INFERRED,
            inference=EMBEDDING_INFERRED,
        ),
    )


WORKFLOWS = ProviderWorkflows(
    provider="wooshpay",
    invoices=FACTS,
    invoice_at={
        operation: ""
        for operation in (
            "createInvoice",
            "retrieveInvoice",
            "finalizeInvoice",
            "payInvoice",
            "voidInvoice",
            "sendInvoice",
        )
    },
    scenarios=(
        Scenario(
            "invoice_lifecycle",
            "customer, draft, invoice item and add_lines, retrieve, finalize, pay, retrieve paid",
            invoice_lifecycle,
        ),
        Scenario("delete_draft", "delete a draft; retrieving it answers 404", delete_draft),
        Scenario(
            "lifecycle_probe",
            "every action of x-lifecycle tried in every reachable status: allowed ones succeed, forbidden ones refused",
            scenario_run(PROBE),
        ),
        Scenario(
            "list_pagination",
            "five drafts walked with limit/starting_after and ending_before, newest first; deleted ones unlisted",
            list_pagination,
        ),
        Scenario(
            "subscription_invoices",
            "subscriptions bill their first invoice: charged at once (paid, active) or sent (open, then paid); "
            "retrieve, list by subscription and customer, update, cancel; cancel twice refused",
            subscription_invoices,
        ),
        Scenario(
            "invoice_lines_pages",
            "12 lines on a draft: the embedded list agrees with its has_more, all 12 read in order through "
            "/v1/invoices/{id}/lines",
            invoice_lines_pages,
        ),
        *BEHAVIOUR_PROBES,
    ),
)
