"""The WooshPay double's state: one store every resource module reads and writes, and the helpers they share
(references inside a body, Stripe list pages, metadata merges)."""

from __future__ import annotations

from collections.abc import Callable

from conformance.providers.wooshpay.double.idempotency import IdempotencyKeys
from conformance.sandbox.double import JSON, ApiError, ApiResponse, ProviderDouble

DEFAULT_LIMIT = 10
# The variant that follows the recovered pages and nothing Stripe adds (issue 22): see WooshPayDouble.variants.


class WooshPayStore(ProviderDouble):
    """Every object of the double, by type; reset() empties them all (restart() calls it between tests)."""

    customers: dict[str, JSON]
    products: dict[str, JSON]
    prices: dict[str, JSON]
    invoices: dict[str, JSON]  # stored without their lines (see Invoices._invoice_object)
    invoice_items: dict[str, JSON]
    lines: dict[str, list[JSON]]  # invoice id -> its line items, in the order they were added
    subscriptions: dict[str, JSON]  # stored with `items` as a plain list (see Subscriptions._subscription_object)
    idempotency: IdempotencyKeys  # the first answer to each Idempotency-Key

    def reset(self) -> None:
        self.customers = {}
        self.products = {}
        self.prices = {}
        self.invoices = {}
        self.invoice_items = {}
        self.lines = {}
        self.subscriptions = {}
        self.idempotency = IdempotencyKeys()

    def _store(self, objects: dict[str, JSON], created: JSON) -> JSON:
        objects[created["id"]] = created
        return created

    def _livemode(self) -> bool:
        return self.credentials.get("WOOSHPAY_API_KEY", "").startswith("sk_live_")

    def _require_ref(self, objects: dict[str, JSON], object_id: str, what: str, param: str) -> JSON:
        """An object named in a request body: unknown ones answer 400 resource_missing (Stripe), not 404."""
        found = objects.get(object_id)
        if found is None:
            raise ApiError(400, "resource_missing", f"No such {what}: '{object_id}'", param)
        return found

    def _customer_subscription(self, subscription_id: str, customer: JSON) -> JSON:
        subscription = self._require_ref(self.subscriptions, subscription_id, "subscription", "subscription")
        if subscription["customer"] != customer["id"]:
            raise ApiError(
                400,
                "parameter_invalid",
                f"Subscription '{subscription_id}' belongs to another customer.",
                "subscription",
            )
        return subscription

    def _list_page(self, found: list[JSON], query: JSON, url: str, render: Callable[[JSON], JSON]) -> ApiResponse:
        """One page of a cursor-paginated list (limit, starting_after, ending_before), as Stripe answers it."""
        window, more = self.page(
            found,
            limit=query.get("limit", DEFAULT_LIMIT),
            after=query.get("starting_after"),
            before=query.get("ending_before"),
        )
        return ApiResponse(
            200, {"object": "list", "data": [render(item) for item in window], "has_more": more, "url": url}
        )


def _currency(code: str | None) -> str | None:
    return code.upper() if code else None


def _one_cursor(query: JSON) -> None:
    if "starting_after" in query and "ending_before" in query:
        raise ApiError(
            400,
            "parameter_invalid",
            "You may only specify one of these parameters: ending_before, starting_after.",
            "ending_before",
        )


def _merge_metadata(target: JSON, body: JSON) -> None:
    """Stripe merges metadata on update; an empty value removes the key."""
    for key, value in (body.get("metadata") or {}).items():
        if value in ("", None):
            target["metadata"].pop(key, None)
        else:
            target["metadata"][key] = value


def _only(given: JSON, *names: str) -> JSON:
    return {name: given[name] for name in names if name in given}
