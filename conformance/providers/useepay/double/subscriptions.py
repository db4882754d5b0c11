"""UseePay subscriptions (sub_): creating one creates its first invoice; update and cancel while live; list."""

from __future__ import annotations

import copy

from conformance.providers.useepay.double.invoices import Invoices
from conformance.providers.useepay.double.store import _format_instant
from conformance.sandbox import periods
from conformance.sandbox.double import JSON, ApiError, ApiRequest, ApiResponse

# Statuses a subscription can still be updated or cancelled in (cancelled and expired are final).
SUBSCRIPTION_LIVE = ("incomplete", "active", "unpaid", "paused")
# default_payment_method is accepted but not echoed: the documented object has no such field.
SUBSCRIPTION_FIELDS = (
    "currency",
    "recurring",
    "description",
    "order",
    "metadata",
    "collection_method",
    "days_until_due",
)


class Subscriptions(Invoices):
    def createSubscription(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        customer = self.require(self.customers, body["customer_id"], "customer", "customer_id")
        return ApiResponse(200, copy.deepcopy(self._create_subscription(body, customer)))

    def retrieveSubscription(self, request: ApiRequest) -> ApiResponse:
        subscription = self.require(self.subscriptions, request.path_params["id"], "subscription")
        return ApiResponse(200, copy.deepcopy(subscription))

    def updateSubscription(self, request: ApiRequest) -> ApiResponse:
        subscription = self.require(self.subscriptions, request.path_params["id"], "subscription")
        self.guard_state(subscription["status"], SUBSCRIPTION_LIVE, "update", "subscription")
        body = request.body
        if "customer_id" in body and body["customer_id"] != subscription["customer_id"]:
            raise ApiError(400, "invalid_argument", "A subscription cannot move to another customer.", "customer_id")
        changed = {name: body[name] for name in SUBSCRIPTION_FIELDS if name in body}
        if "recurring" in changed:
            changed["recurring"] = _recurring(changed["recurring"])
        if changed.get("order") is not None:
            changed["order"] = _order(changed["order"])
        before = copy.deepcopy(subscription)
        subscription.update(copy.deepcopy(changed), modify_at=self.timestamp())
        answer = copy.deepcopy(subscription)
        self.unless_persisted(request, subscription, before)
        return ApiResponse(200, answer)

    def listSubscriptions(self, request: ApiRequest) -> ApiResponse:
        items = self._of_customer(list(self.subscriptions.values()), request)
        return ApiResponse(200, self._numbered_page(items, request))

    def cancelSubscription(self, request: ApiRequest) -> ApiResponse:
        subscription = self.require(self.subscriptions, request.path_params["id"], "subscription")
        self.guard_state(subscription["status"], SUBSCRIPTION_LIVE, "cancel", "subscription")
        stamp = self.timestamp()
        subscription.update(status="cancelled", canceled_at=stamp, ended_at=stamp, modify_at=stamp)
        return ApiResponse(200, copy.deepcopy(subscription))

    def _create_subscription(self, body: JSON, customer: JSON) -> JSON:
        """A subscription and its first invoice (open, for one cycle's amount); incomplete until that is paid."""
        stamp = self.timestamp()
        recurring = body["recurring"]
        now = self.now()
        end = periods.period_end(now, recurring["interval"], recurring["interval_count"])
        subscription_id = self.new_id("subscription")
        collection_method = body.get("collection_method", "charge_automatically")
        invoice = self._create_invoice(
            {
                "customer_id": customer["id"],
                "currency": body["currency"],
                "total_amount": recurring["unit_amount"],
                "collection_method": collection_method,
                "description": body.get("description"),
                "subscription_id": subscription_id,
            }
        )
        invoice.update(period_start=stamp, period_end=_format_instant(end))
        # Key order as in the "Retrieves a subscription" example.
        subscription: JSON = {
            "id": subscription_id,
            "recurring": _recurring(recurring),
            "currency": body["currency"],
            "description": body.get("description"),
            "order": None if body.get("order") is None else _order(body["order"]),
            "metadata": copy.deepcopy(body.get("metadata")),
            "status": "incomplete",
            "livemode": False,
            "prorate": None,
            "merchant_no": self.credentials["USEEPAY_MERCHANT_NO"],
            "app_id": self.credentials["USEEPAY_APP_ID"],
            "create_at": stamp,
            "modify_at": stamp,
            "customer_id": customer["id"],
            "cancel_at_period_end": False,
            "current_period_end": _format_instant(end),
            "current_period_start": stamp,
            "latest_invoice": invoice["id"],
            "first_invoice_id": invoice["id"],
            "cancel_at": None,
            "canceled_at": None,
            "collection_method": collection_method,
            "days_until_due": body.get("days_until_due"),
            "ended_at": None,
            "cancellation_details": None,
            "invoice_now": None,
        }
        self.subscriptions[subscription_id] = subscription
        return subscription


def _recurring(given: JSON) -> JSON:
    return {name: given.get(name) for name in ("interval", "interval_count", "unit_amount", "total_billing_cycles")}


def _order(given: JSON) -> JSON:
    # Only the documented parts of an order are kept (the request schema leaves it open).
    return {name: copy.deepcopy(given[name]) for name in ("category", "products", "shipping") if name in given}
