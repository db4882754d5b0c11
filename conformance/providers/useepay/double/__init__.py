"""The UseePay double: invoices and customers of the UseePay API (docs-v2.useepay.com), as specs/useepay.yaml reads them.

What it reproduces:

- Auth: every operation needs the three headers x-merchant-no, x-api-key and x-app-id, each equal to the
  credentials (USEEPAY_MERCHANT_NO, USEEPAY_API_KEY, USEEPAY_APP_ID); otherwise 401 with the Errors
  page's body {code, source, message}.
- Objects look like the documented examples: ids are a prefix and 13 upper-case alphanumerics
  (inv_1JBQUCEC40000, cus_1JA7UDDQG3800), timestamps are ISO 8601 UTC to the second
  ("2024-10-28T07:17:43Z") under create_at/modify_at, merchant_no and app_id come from the credentials,
  invoice numbers count up per double (invoicenum000000001, ...), total_amount is the integer sent on
  create (UseePay invoices have no lines, so the total is the one amount the client gives).
  days_until_due is accepted and, as documented, never echoed.
- Error codes are the Errors page's where one fits (field_required, invalid_argument); unknown ids answer
  404 resource_not_found (the code of the docs project's own Apifox export, since the page lists none).
- Lifecycle (no page lists one; the spec's status enum): createInvoice -> open. payInvoice from open or
  payment_failed -> paid (a pi_ payment intent is set, the error fields cleared) or payment_failed.
  updateInvoice only while open or payment_failed. Paying or updating a paid or cancelled invoice is
  refused with 400 (the Errors page's "failed another validation test") and the error object (guard(), from
  the spec's x-lifecycle). No
  documented operation cancels an invoice, so cancelled is never reached here.
- Payment rule (deterministic; the docs publish no test cards or test mandates): a mandate is unusable
  when its customer_acceptance.accepted_at lies after the payment attempt (the customer cannot have
  accepted yet). The attempt then answers 200 with status payment_failed and the invoice's code, source
  and message describing the failure, payment_intent staying null, as the Pay page's example shows.
  Any other mandate (the documented one included) pays the invoice.
- listInvoices: page_num (0-based, default 0) and page_size (default 10, the vendor SDK's default),
  {items, has_more}, oldest first so that numbered pages stay put as invoices are created; filters
  customer_id and from_created_at (create_at at or after it).
- Subscriptions (no page says when they bill; the spec's reading, UP-SUBSCRIPTION-INVOICES-UNDOCUMENTED):
  creating one creates its first invoice (open, total_amount = recurring.unit_amount, subscription_id,
  the first period) named by first_invoice_id and latest_invoice; the subscription is incomplete until that
  invoice is paid, then active; update and cancel (status cancelled, canceled_at, ended_at) only while it
  is live, else 400. Customers, subscriptions and mandates list like invoices (page_num/page_size).
  Mandates and payment methods (pm_, card brand and last4 only) name an existing customer.
- Demo data (seed_demo_data, for `conformance sandbox` and `--target sandbox`): two customers, each with
  an open, a paid and a payment_failed invoice.

Variant docs_only (issue 24): follows the pages and nothing more. A request body is held only to what the
pages state: a constraint only the spec infers (a required list, an enum, a bound) is not enforced, and what
is accepted is stored and echoed as sent. Refusals use the statuses the Errors page allows (400, and 404 for
an unknown id).

Faults: every fault of the catalogue applies except deleted_still_retrievable (UseePay documents no
delete operation), the behaviour faults on the operations fault_operations names. Response-shape faults touch FaultTargets below; pagination faults come from page();
illegal_transition_accepted and the accept:/refuse: flips from guard().

Layout: one module per resource, all reading and writing one store (store.py: the state, ids, timestamps,
numbered pages). customers.py, mandates.py, payment_methods.py, invoices.py (and paying them) and
subscriptions.py each hold that resource's handlers, one method per operationId; this module composes them
into UseePayDouble with what is about the provider rather than a resource (auth, the error object, the
docs_only variant, demo data). The resource classes are mixins of the one double, not handler objects
registered on it, so routing (the method named by the operationId), faults (guard(), page()) and variants
(`self.faults`) stay the framework's, as for a double of one class. Subscriptions extends Invoices (a
subscription bills one), so every call across resources is one mypy checks; the others need only the store.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from werkzeug.wrappers import Request

from conformance.providers.useepay import HEADERS
from conformance.providers.useepay.double.customers import Customers
from conformance.providers.useepay.double.events import CURRENT_VERSION, UseePayEvents
from conformance.providers.useepay.double.mandates import Mandates
from conformance.providers.useepay.double.payment_methods import PaymentMethods
from conformance.providers.useepay.double.store import _format_instant
from conformance.providers.useepay.double.subscriptions import Subscriptions
from conformance.sandbox.double import DOCS_ONLY, JSON, ApiError, FaultTargets
from conformance.sandbox.webhooks import EventScheme

# Framework error codes -> the codes UseePay documents.
_ERROR_CODES = {
    "parameter_missing": "field_required",
    "parameter_invalid": "invalid_argument",
    "invalid_request": "invalid_argument",
    "resource_missing": "resource_not_found",
    "not_found": "resource_not_found",
}
_UNAUTHORIZED_MESSAGE = (
    "Please verify that the x-merchant-no, x-api-key and x-app-id headers are provided and are valid."
)


class UseePayDouble(Customers, Mandates, PaymentMethods, Subscriptions):
    provider = "useepay"
    id_prefixes: ClassVar[dict[str, str]] = {
        "invoice": "inv_",
        "customer": "cus_",
        "payment_intent": "pi_",
        "subscription": "sub_",
        "mandate": "man_",
        "payment_method": "pm_",
    }
    fault_targets = FaultTargets(
        removed_field="currency",
        retyped_field="total_amount",
        # The webhook sample spells the creation time created_at (UP-TIMESTAMP-FIELD-NAMES).
        renamed_field=("create_at", "created_at"),
        # ...and adds an "object" field the API examples lack.
        added_field=("object", "invoice"),
        # The vendor SDK's statuses include draft; no documentation page does.
        enum_field=("status", "draft"),
        nullable_field="customer_id",
        total_field="total_amount",
        server_error_operation="createInvoice",
        removed_fields=("currency", "footer", "doc_url"),
    )

    # The behaviour faults (issue 26) and the operations whose documented behaviour each breaks.
    fault_operations: ClassVar[dict[str, tuple[str, ...]]] = {
        "update_not_persisted": ("updateCustomer", "updateInvoice", "updateSubscription"),
        "filter_ignored": ("listInvoices", "listSubscriptions", "listMandates"),
        "page_base_shifted": ("listInvoices", "listCustomers", "listSubscriptions", "listMandates"),
        "page_skips_item": ("listInvoices", "listCustomers", "listSubscriptions", "listMandates"),
    }

    variants: ClassVar[dict[str, str]] = {
        DOCS_ONLY: "Follows the pages and nothing more: constraints only the spec infers are not enforced, what is "
        "accepted is stored and echoed as sent, refusals use the Errors page's statuses.",
    }

    own_options: ClassVar[dict[str, str]] = {
        "webhook_api_version": f"the API version events are posted for (default {CURRENT_VERSION}: JSON; "
        "an older one, e.g. 2025-01: a form with one field data=<JSON>)",
    }

    def event_scheme(self) -> EventScheme:
        return UseePayEvents(self.credentials, str(self.options.get("webhook_api_version", CURRENT_VERSION)))

    def event_object(self, object_id: str) -> JSON | None:
        invoice = self.invoices.get(object_id)
        return None if invoice is None else copy.deepcopy(invoice)

    def event_object_ids(self) -> Iterable[str]:
        return list(self.invoices)

    def authenticate(self, request: Request) -> bool:
        # All three headers, each equal to its credential; a credential the double lacks matches nothing.
        for var, header in HEADERS.items():
            expected = self.credentials.get(var)
            if expected is None or request.headers.get(header) != expected:
                return False
        return True

    def error_body(self, error: ApiError) -> JSON:
        message = _UNAUTHORIZED_MESSAGE if error.status == 401 else error.message
        return {"code": _ERROR_CODES.get(error.code, error.code), "source": error.param, "message": message}

    def invoices_in(self, body: Any) -> Iterator[JSON]:
        if not isinstance(body, dict):
            return
        if isinstance(body.get("items"), list):
            yield from (item for item in body["items"] if isinstance(item, dict))
        elif str(body.get("id", "")).startswith(self.id_prefixes["invoice"]):
            yield body

    def seed_demo_data(self) -> None:
        """Two customers, each with one invoice in every status the API can reach: open, paid and
        payment_failed (no documented operation cancels an invoice)."""
        usable = {"accepted_at": _format_instant(self.now())}
        unusable = {"accepted_at": _format_instant(self.now() + 86_400)}
        demo_customers = [
            ({"merchant_customer_id": "demo-1", "name": "Demo Customer", "email": "demo@example.com"}, 112),
            ({"merchant_customer_id": "demo-2", "name": "Second Demo Customer", "email": "second@example.com"}, 9900),
        ]
        for (fields, amount), collection_method in zip(
            demo_customers, ("charge_automatically", "send_invoice"), strict=True
        ):
            customer = self._create_customer(fields)
            for status in ("open", "paid", "payment_failed"):
                invoice = self._create_invoice(
                    {
                        "customer_id": customer["id"],
                        "currency": "USD",
                        "total_amount": amount,
                        "collection_method": collection_method,
                        "description": f"Demo invoice ({status})",
                    }
                )
                if status != "open":
                    self._pay(invoice, usable if status == "paid" else unusable)
        first = next(iter(self.customers.values()))
        recurring = {"interval": "month", "interval_count": 1, "unit_amount": 112, "total_billing_cycles": 10}
        self._create_subscription({"currency": "USD", "recurring": recurring}, first)


DOUBLE = UseePayDouble

__all__ = ["DOCS_ONLY", "DOUBLE", "UseePayDouble"]
