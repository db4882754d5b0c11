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
  refused with 409 and the error object (guard(), from the spec's x-lifecycle). No
  documented operation cancels an invoice, so cancelled is never reached here.
- Payment rule (deterministic; the docs publish no test cards or test mandates): a mandate is unusable
  when its customer_acceptance.accepted_at lies after the payment attempt (the customer cannot have
  accepted yet). The attempt then answers 200 with status payment_failed and the invoice's code, source
  and message describing the failure, payment_intent staying null, as the Pay page's example shows.
  Any other mandate (the documented one included) pays the invoice.
- listInvoices: page_num (0-based, default 0) and page_size (default 10, the vendor SDK's default),
  {items, has_more}, oldest first so that numbered pages stay put as invoices are created; filters
  customer_id and from_created_at (create_at at or after it).
- Demo data (seed_demo_data, for `conformance sandbox` and `--target sandbox`): two customers, each with
  an open, a paid and a payment_failed invoice.

Faults: every fault of the catalogue applies except deleted_still_retrievable (UseePay documents no
delete operation). Response-shape faults touch FaultTargets below; pagination faults come from page();
illegal_transition_accepted and the accept:/refuse: flips from guard().
"""

from __future__ import annotations

import copy
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar

from jsonschema import Draft202012Validator
from werkzeug.wrappers import Request

from conformance.providers.useepay import HEADERS
from conformance.sandbox.double import JSON, ApiError, ApiRequest, ApiResponse, FaultTargets, ProviderDouble

DEFAULT_PAGE_SIZE = 10
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # "2024-10-28T07:17:43Z", as every example prints
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)
UPDATABLE_FIELDS = ("description", "metadata", "footer")
CUSTOMER_FIELDS = (
    "merchant_customer_id",
    "name",
    "email",
    "phone",
    "first_name",
    "last_name",
    "description",
    "address",
    "metadata",
    "shipping",
)
ADDRESS_FIELDS = ("country", "city", "postcode", "state", "line1", "line2")
ACCEPTED_AT = "mandate_data.customer_acceptance.accepted_at"

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


class UseePayDouble(ProviderDouble):
    provider = "useepay"
    id_prefixes: ClassVar[dict[str, str]] = {"invoice": "inv_", "customer": "cus_", "payment_intent": "pi_"}
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

    customers: dict[str, JSON]
    invoices: dict[str, JSON]

    def reset(self) -> None:
        self.customers = {}
        self.invoices = {}
        self._invoice_count = 0

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

    def new_id(self, kind: str) -> str:
        # UseePay ids: prefix + 13 upper-case alphanumerics, e.g. inv_1JBQUCEC40000.
        alphabet = string.ascii_uppercase + string.digits
        return self.id_prefixes[kind] + "".join(self._random.choice(alphabet) for _ in range(13))

    def timestamp(self) -> str:
        return _format_instant(self.now())

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

    # -- customers --------------------------------------------------------------------------------

    def createCustomer(self, request: ApiRequest) -> ApiResponse:
        return ApiResponse(200, copy.deepcopy(self._create_customer(request.body)))

    def retrieveCustomer(self, request: ApiRequest) -> ApiResponse:
        customer = self.require(self.customers, request.path_params["id"], "customer")
        return ApiResponse(200, copy.deepcopy(customer))

    # -- invoices ---------------------------------------------------------------------------------

    def createInvoice(self, request: ApiRequest) -> ApiResponse:
        self.require(self.customers, request.body["customer_id"], "customer", "customer_id")
        return ApiResponse(200, copy.deepcopy(self._create_invoice(request.body)))

    def retrieveInvoice(self, request: ApiRequest) -> ApiResponse:
        invoice = self.require(self.invoices, request.path_params["id"], "invoice")
        return ApiResponse(200, copy.deepcopy(invoice))

    def updateInvoice(self, request: ApiRequest) -> ApiResponse:
        invoice = self.require(self.invoices, request.path_params["id"], "invoice")
        self.guard("updateInvoice", invoice["status"])
        # Fields sent replace the stored ones whole (metadata included); days_until_due is not echoed.
        invoice.update({name: request.body[name] for name in UPDATABLE_FIELDS if name in request.body})
        invoice["modify_at"] = self.timestamp()
        return ApiResponse(200, copy.deepcopy(invoice))

    def payInvoice(self, request: ApiRequest) -> ApiResponse:
        invoice = self.require(self.invoices, request.path_params["id"], "invoice")
        self.guard("payInvoice", invoice["status"])
        self._pay(invoice, request.body["mandate_data"]["customer_acceptance"])
        return ApiResponse(200, copy.deepcopy(invoice))

    def listInvoices(self, request: ApiRequest) -> ApiResponse:
        query = request.query
        page_num = query.get("page_num", 0)
        page_size = query.get("page_size", DEFAULT_PAGE_SIZE)
        items = self._filtered_invoices(query.get("customer_id"), query.get("from_created_at"))
        # Page numbers become page()'s cursor (the last item before the page), so the pagination
        # faults show here exactly as on cursor-paged providers. Past the end, the cursor is the last item.
        start = min(page_num * page_size, len(items))
        after = items[start - 1]["id"] if start else None
        window, more = self.page(items, limit=page_size, after=after)
        return ApiResponse(200, {"items": copy.deepcopy(window), "has_more": more})

    # -- internals --------------------------------------------------------------------------------

    def _create_customer(self, body: JSON) -> JSON:
        stamp = self.timestamp()
        fields = {name: body.get(name) for name in CUSTOMER_FIELDS}
        if fields["address"] is not None:
            # The request schema leaves Address open; the object keeps only the documented parts.
            fields["address"] = {k: v for k, v in fields["address"].items() if k in ADDRESS_FIELDS}
        customer = {
            "id": self.new_id("customer"),
            **fields,
            "merchant_no": self.credentials["USEEPAY_MERCHANT_NO"],
            "app_id": self.credentials["USEEPAY_APP_ID"],
            "create_at": stamp,
            "modify_at": stamp,
        }
        self.customers[customer["id"]] = customer
        return customer

    def _create_invoice(self, body: JSON) -> JSON:
        self._invoice_count += 1
        stamp = self.timestamp()
        # Key order as in the documented examples.
        invoice: JSON = {
            "id": self.new_id("invoice"),
            "code": None,
            "source": None,
            "message": None,
            "currency": body["currency"],
            "description": body.get("description"),
            "metadata": body.get("metadata"),
            "status": "open",
            "footer": body.get("footer"),
            "number": f"invoicenum{self._invoice_count:09d}",
            "merchant_no": self.credentials["USEEPAY_MERCHANT_NO"],
            "app_id": self.credentials["USEEPAY_APP_ID"],
            "create_at": stamp,
            "modify_at": stamp,
            "decline_code": None,
            "doc_url": None,
            "collection_method": body.get("collection_method", "charge_automatically"),
            "customer_id": body["customer_id"],
            "hosted_invoice_url": None,
            "payment_intent": None,
            "period_end": None,
            "period_start": None,
            "subscription_id": body.get("subscription_id"),
            "total_amount": body["total_amount"],
        }
        self.invoices[invoice["id"]] = invoice
        return invoice

    def _pay(self, invoice: JSON, acceptance: JSON) -> None:
        """One payment attempt: paid with a new payment intent, or payment_failed saying why."""
        problem = self._unusable_mandate(acceptance)
        if problem is None:
            outcome = {"status": "paid", "code": None, "source": None, "message": None}
            outcome["payment_intent"] = self.new_id("payment_intent")
        else:
            outcome = {"status": "payment_failed", "code": "invalid_argument", "source": ACCEPTED_AT}
            outcome.update(message=problem, payment_intent=None)
        invoice.update(outcome, modify_at=self.timestamp())

    def _filtered_invoices(self, customer_id: str | None, from_created_at: str | None) -> list[JSON]:
        items = list(self.invoices.values())
        if customer_id is not None:
            items = [item for item in items if item["customer_id"] == customer_id]
        if from_created_at is not None:
            since = _parse_instant(from_created_at)
            if since is None:
                raise ApiError(
                    400, "parameter_invalid", "from_created_at must be an ISO 8601 date-time.", "from_created_at"
                )
            items = [item for item in items if _created(item) >= since]
        return items

    def _unusable_mandate(self, acceptance: JSON) -> str | None:
        """Why the mandate cannot be charged, or None: accepted_at must not lie after the attempt."""
        accepted_at = _parse_instant(acceptance["accepted_at"])
        if accepted_at is None:
            raise ApiError(400, "parameter_invalid", "accepted_at must be an ISO 8601 date-time.", ACCEPTED_AT)
        now = datetime.fromtimestamp(self.now(), UTC)
        if accepted_at > now:
            return (
                f"The mandate cannot be used: the customer accepted it at {acceptance['accepted_at']}, "
                f"after this payment attempt ({_format_instant(self.now())})."
            )
        return None


def _format_instant(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime(TIMESTAMP_FORMAT)


def _created(invoice: JSON) -> datetime:
    return datetime.strptime(invoice["create_at"], TIMESTAMP_FORMAT).replace(tzinfo=UTC)


def _parse_instant(text: str) -> datetime | None:
    """An RFC 3339 date-time (what format: date-time means) as a UTC datetime, or None if it is not one."""
    if not Draft202012Validator.FORMAT_CHECKER.conforms(text, "date-time"):
        return None
    normalized = text.upper()
    # RFC 3339 allows a leap second Python cannot represent; the second before it is close enough.
    if normalized[17:19] == "60":
        normalized = normalized[:17] + "59" + normalized[19:]
    try:
        return datetime.fromisoformat(normalized).astimezone(UTC)
    except (ValueError, OverflowError):
        # Valid RFC 3339 that datetime cannot hold (year 0000, an offset past year 1 or 9999).
        return _EARLIEST if normalized < "5000" else _LATEST
