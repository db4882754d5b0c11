"""WooshPay subscriptions (sub_) and their items (si_), as Stripe has them: creating one bills its first
invoice at once; updates change items from the next period; cancel ends it at once. Subscription items
are added to a live subscription, retrieved and deleted (never the last one). price_data makes a price of
its own. The item operations are issue 22's sidebar operations, specified from Stripe where no page was
captured (createSubscriptionItem is partly documented)."""

from __future__ import annotations

import copy

from conformance.providers.wooshpay.double.idempotency import idempotent
from conformance.providers.wooshpay.double.invoices import (
    DAY,
    DECLINING_PAYMENT_METHODS,
    DEFAULT_DAYS_UNTIL_DUE,
    Invoices,
)
from conformance.providers.wooshpay.double.store import _currency, _merge_metadata, _one_cursor, _only
from conformance.sandbox import periods
from conformance.sandbox.double import JSON, ApiError, ApiRequest, ApiResponse

# Stripe: a canceled or expired subscription can be neither updated nor canceled again.
SUBSCRIPTION_LIVE = ("incomplete", "trialing", "active", "past_due", "unpaid", "paused")
MAX_SUBSCRIPTION_ITEMS = 20


class Subscriptions(Invoices):
    @idempotent
    def createSubscription(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        customer = self._require_ref(self.customers, body["customer"], "customer", "customer")
        subscription = self._create_subscription(body, customer)
        return ApiResponse(200, self._subscription_object(subscription))

    def retrieveSubscription(self, request: ApiRequest) -> ApiResponse:
        subscription = self.require(self.subscriptions, request.path_params["id"], "subscription")
        return ApiResponse(200, self._subscription_object(subscription))

    def listSubscriptions(self, request: ApiRequest) -> ApiResponse:
        query = request.query
        _one_cursor(query)
        found = list(reversed(self.subscriptions.values()))  # newest first
        if self.breaks("filter_ignored", request.operation.operation_id):
            query = {name: value for name, value in query.items() if name not in ("customer", "price")}
        if "customer" in query:
            found = [s for s in found if s["customer"] == query["customer"]]
        if "price" in query:
            found = [s for s in found if any(item["price"]["id"] == query["price"] for item in s["items"])]
        return self._list_page(found, query, "/v1/subscriptions", self._subscription_object)

    @idempotent
    def updateSubscription(self, request: ApiRequest) -> ApiResponse:
        subscription = self.require(self.subscriptions, request.path_params["id"], "subscription")
        self.guard_state(subscription["status"], SUBSCRIPTION_LIVE, "update", "subscription")
        body = request.body or {}
        before = copy.deepcopy(subscription)
        kept = {item["id"]: item["quantity"] for item in subscription["items"]}
        if "items" in body:
            subscription["items"] = self._updated_items(subscription, body["items"])
        if "cancel_at_period_end" in body:
            subscription["cancel_at_period_end"] = body["cancel_at_period_end"]
            subscription["cancel_at"] = subscription["current_period_end"] if body["cancel_at_period_end"] else None
        for name in ("description", "default_payment_method"):
            if name in body:
                subscription[name] = body[name]
        _merge_metadata(subscription, body)
        answer = self._subscription_object(subscription)
        self.unless_persisted(request, subscription, before)
        if self.breaks("quantity_ignored", request.operation.operation_id):
            # The answer shows the new quantities; the items keep their previous ones (new items the default).
            for item in subscription["items"]:
                item["quantity"] = kept.get(item["id"], 1)
        return ApiResponse(200, answer)

    def cancelSubscription(self, request: ApiRequest) -> ApiResponse:
        subscription = self.require(self.subscriptions, request.path_params["id"], "subscription")
        self.guard_state(subscription["status"], SUBSCRIPTION_LIVE, "cancel", "subscription")
        now = self.now()
        subscription.update(status="canceled", canceled_at=now, ended_at=now, cancel_at_period_end=False)
        return ApiResponse(200, self._subscription_object(subscription))

    @idempotent
    def createSubscriptionItem(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        subscription = self._require_ref(self.subscriptions, body["subscription"], "subscription", "subscription")
        self.guard_state(subscription["status"], SUBSCRIPTION_LIVE, "add an item to", "subscription")
        item = self._subscription_item(subscription["id"], body, "", self.now())
        updated = [*subscription["items"], item]
        if len(updated) > MAX_SUBSCRIPTION_ITEMS:
            raise ApiError(
                400, "parameter_invalid", f"A subscription has at most {MAX_SUBSCRIPTION_ITEMS} items.", "subscription"
            )
        self._subscription_currency(updated, subscription["currency"])
        subscription["items"] = updated
        answer = copy.deepcopy(item)
        if self.breaks("quantity_ignored", request.operation.operation_id):
            item["quantity"] = 1  # answered as asked, stored with the default
        return ApiResponse(200, answer)

    def retrieveSubscriptionItem(self, request: ApiRequest) -> ApiResponse:
        _, item = self._subscription_item_at(request.path_params["id"])
        return ApiResponse(200, copy.deepcopy(item))

    def deleteSubscriptionItem(self, request: ApiRequest) -> ApiResponse:
        subscription, item = self._subscription_item_at(request.path_params["id"])
        self.guard_state(subscription["status"], SUBSCRIPTION_LIVE, "remove an item from", "subscription")
        if len(subscription["items"]) == 1:
            raise ApiError(
                400,
                "parameter_invalid",
                "A subscription needs at least one item: cancel the subscription instead.",
                "id",
            )
        subscription["items"] = [kept for kept in subscription["items"] if kept["id"] != item["id"]]
        return ApiResponse(200, {"id": item["id"], "object": "subscription_item", "deleted": True})

    def _subscription_item_at(self, item_id: str) -> tuple[JSON, JSON]:
        for subscription in self.subscriptions.values():
            for item in subscription["items"]:
                if item["id"] == item_id:
                    return subscription, item
        raise ApiError(404, "resource_missing", f"No such subscription_item: '{item_id}'", "id")

    def _create_subscription(self, body: JSON, customer: JSON) -> JSON:
        collection_method = body.get("collection_method", "charge_automatically")
        days_until_due = body.get("days_until_due")
        if collection_method == "charge_automatically" and days_until_due is not None:
            raise ApiError(
                400,
                "parameter_invalid",
                "Subscriptions with collection_method=charge_automatically cannot have days_until_due.",
                "days_until_due",
            )
        if collection_method == "send_invoice" and days_until_due is None:
            days_until_due = DEFAULT_DAYS_UNTIL_DUE
        subscription_id = self.new_id("subscription")
        now = self.now()
        items = [
            self._subscription_item(subscription_id, item, f"items[{index}]", now)
            for index, item in enumerate(body["items"])
        ]
        currency = self._subscription_currency(items, body.get("currency"))
        extras = [
            (extra, self._item_terms(extra, currency, f"add_invoice_items[{index}]"))
            for index, extra in (
                (index, self._with_inline_price(given, f"add_invoice_items[{index}]"))
                for index, given in enumerate(body.get("add_invoice_items") or [])
            )
        ]
        trial_days = body.get("trial_period_days")
        trial_end = now + DAY * trial_days if trial_days else None
        recurring = items[0]["price"]["recurring"]
        period_end = trial_end or periods.period_end(now, recurring["interval"], recurring["interval_count"])
        subscription = {
            "id": subscription_id,
            "object": "subscription",
            "cancel_at": body.get("cancel_at"),
            "cancel_at_period_end": False,
            "canceled_at": None,
            "collection_method": collection_method,
            "created": now,
            "currency": currency,
            "current_period_end": period_end,
            "current_period_start": now,
            "customer": customer["id"],
            "days_until_due": days_until_due,
            "default_payment_method": body.get("default_payment_method"),
            "description": body.get("description"),
            "ended_at": None,
            "items": items,
            "latest_invoice": None,
            "livemode": self._livemode(),
            "metadata": dict(body.get("metadata") or {}),
            "start_date": now,
            "status": "incomplete",
            "test_clock": None,
            "trial_end": trial_end,
            "trial_start": now if trial_end else None,
        }
        self.subscriptions[subscription_id] = subscription
        invoice = self._bill_subscription(subscription, customer, extras, trial=trial_end is not None)
        subscription["latest_invoice"] = invoice["id"]
        if trial_end is not None:
            subscription["status"] = "trialing"
        elif invoice["status"] == "paid" or collection_method == "send_invoice":
            subscription["status"] = "active"
        return subscription

    def _bill_subscription(
        self, subscription: JSON, customer: JSON, extras: list[tuple[JSON, JSON]], *, trial: bool
    ) -> JSON:
        """The subscription's first invoice, finalized, and charged when it collects automatically."""
        fields: JSON = {"collection_method": subscription["collection_method"], "auto_advance": True}
        if subscription["default_payment_method"]:
            fields["default_payment_method"] = subscription["default_payment_method"]
        due_date = None
        if subscription["collection_method"] == "send_invoice":
            due_date = self.now() + DAY * subscription["days_until_due"]
        invoice = self._invoice_record(
            fields, customer, subscription["currency"], fields["collection_method"], due_date
        )
        invoice["subscription"] = subscription["id"]
        invoice["billing_reason"] = "subscription_create"
        self.invoices[invoice["id"]] = invoice
        self.lines[invoice["id"]] = [
            self._subscription_line(subscription, item, trial=trial) for item in subscription["items"]
        ]
        self.emit("invoice.created", invoice)
        for extra, terms in extras:
            self._add_item(customer, extra, terms, invoice)["subscription"] = subscription["id"]
        self._recompute_totals(invoice)
        self._finalize(invoice)
        if invoice["status"] == "open" and invoice["collection_method"] == "charge_automatically":
            method = invoice["default_payment_method"] or customer.get("payment_method")
            if method is not None and method not in DECLINING_PAYMENT_METHODS:
                self._pay(invoice, {})
            elif method is not None:
                self.emit("invoice.payment_failed", invoice)  # the first charge attempt was declined
            # Without a usable payment method the invoice stays open and the subscription incomplete.
        return invoice

    def _subscription_item(self, subscription_id: str, given: JSON, param: str, now: int) -> JSON:
        """A new item from `given` (price or price_data); `param` prefixes error params ("" at top level)."""
        price_param = f"{param}[price]" if param else "price"
        if "price_data" in given:
            price = self._inline_price(given["price_data"], f"{param}[price_data]" if param else "price_data")
        else:
            price = self._require_ref(self.prices, given["price"], "price", price_param)
        if price["type"] != "recurring":
            raise ApiError(400, "parameter_invalid", "This field only accepts prices with type=recurring.", price_param)
        if not price["active"]:
            raise ApiError(400, "parameter_invalid", "This field only accepts active prices.", price_param)
        return {
            "id": self.new_id("subscription_item"),
            "object": "subscription_item",
            "created": now,
            "metadata": dict(given.get("metadata") or {}),
            "price": copy.deepcopy(price),
            "quantity": given.get("quantity", 1),
            "subscription": subscription_id,
        }

    def _inline_price(self, data: JSON, param: str) -> JSON:
        product = self._require_ref(self.products, data["product"], "product", f"{param}[product]")
        self._check_amount(data["unit_amount"], f"{param}[unit_amount]")
        fields = {
            "currency": data["currency"],
            "unit_amount": data["unit_amount"],
            "recurring": {"interval": data["recurring"]["interval"], **_only(data["recurring"], "interval_count")},
        }
        return self._store(self.prices, self._price_object(fields, product["id"]))

    def _with_inline_price(self, given: JSON, param: str) -> JSON:
        """An added invoice item with price_data turned into a one-time price of its own (Stripe)."""
        if "price_data" not in given:
            return given
        data = given["price_data"]
        product = self._require_ref(self.products, data["product"], "product", f"{param}[price_data][product]")
        self._check_amount(data["unit_amount"], f"{param}[price_data][unit_amount]")
        fields = {"currency": data["currency"], "unit_amount": data["unit_amount"]}
        price = self._store(self.prices, self._price_object(fields, product["id"]))
        return {**_only(given, "quantity"), "price": price["id"]}

    def _subscription_currency(self, items: list[JSON], given: str | None) -> str:
        currencies: set[str] = {item["price"]["currency"] for item in items}
        intervals = {
            (item["price"]["recurring"]["interval"], item["price"]["recurring"]["interval_count"]) for item in items
        }
        if len(currencies) > 1 or (given and _currency(given) not in currencies):
            raise ApiError(400, "parameter_invalid", "All prices of a subscription must share its currency.", "items")
        if len(intervals) > 1:
            raise ApiError(
                400, "parameter_invalid", "All prices of a subscription must share one billing interval.", "items"
            )
        return currencies.pop()

    def _updated_items(self, subscription: JSON, changes: list[JSON]) -> list[JSON]:
        """The subscription's items after `changes` (each checked before any applies)."""
        items = {item["id"]: copy.deepcopy(item) for item in subscription["items"]}
        now = self.now()
        for index, change in enumerate(changes):
            param = f"items[{index}]"
            if "id" not in change:
                if "price" not in change and "price_data" not in change:
                    raise ApiError(400, "parameter_missing", "A new item needs price or price_data.", f"{param}[price]")
                added = self._subscription_item(subscription["id"], change, param, now)
                items[added["id"]] = added
                continue
            item = items.get(change["id"])
            if item is None:
                raise ApiError(400, "resource_missing", f"No such subscription item: '{change['id']}'", f"{param}[id]")
            if change.get("deleted"):
                del items[item["id"]]
                continue
            if "price" in change or "price_data" in change:
                item["price"] = self._subscription_item(subscription["id"], change, param, now)["price"]
            if "quantity" in change:
                item["quantity"] = change["quantity"]
            _merge_metadata(item, change)
        updated = list(items.values())
        if not updated:
            raise ApiError(400, "parameter_invalid", "A subscription needs at least one item.", "items")
        if len(updated) > MAX_SUBSCRIPTION_ITEMS:
            raise ApiError(
                400, "parameter_invalid", f"A subscription has at most {MAX_SUBSCRIPTION_ITEMS} items.", "items"
            )
        self._subscription_currency(updated, subscription["currency"])
        return updated

    def _subscription_line(self, subscription: JSON, item: JSON, *, trial: bool) -> JSON:
        """The invoice line billing one subscription item for the current period (zero during a trial)."""
        price = item["price"]
        unit_amount = 0 if trial else price["unit_amount"]
        product = self.products[price["product"]]["name"]
        return {
            "id": self.new_id("line_item"),
            "object": "line_item",
            "amount": unit_amount * item["quantity"],
            "currency": subscription["currency"],
            "description": f"{'Trial period for ' if trial else ''}{item['quantity']} \u00d7 {product}",
            "metadata": {},
            "period": {"end": subscription["current_period_end"], "start": subscription["current_period_start"]},
            "price": copy.deepcopy(price),
            "unit_amount": unit_amount,
            "quantity": item["quantity"],
            "invoice_item": None,
            "type": "subscription",
            "livemode": subscription["livemode"],
            "subscription": subscription["id"],
            "subscription_item": item["id"],
            "unit_amount_excluding_tax": unit_amount,
            "discount_amounts": [],
            "discountable": True,
        }

    def _subscription_object(self, subscription: JSON) -> JSON:
        body = copy.deepcopy(subscription)
        body["items"] = {
            "object": "list",
            "data": body["items"],
            "has_more": False,
            "url": f"/v1/subscription_items?subscription={subscription['id']}",
        }
        return body
