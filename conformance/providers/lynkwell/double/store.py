"""The Lynkwell double's state: one store every resource module reads and writes, and what they share
(the refusal status, newest-first lists, the {"data": ...} envelope, ISO 8601 timestamps)."""

from __future__ import annotations

import calendar
import copy
from datetime import UTC, datetime
from typing import Any

from conformance.checks.lifecycle import Rule
from conformance.providers.lynkwell.double.catalogue import Card
from conformance.sandbox.double import DOCS_ONLY, JSON, ApiError, ApiRequest, ApiResponse, ProviderDouble

DEFAULT_LIMIT = 20
CURRENCY = "USD"
# The variant that follows the recovered pages and nothing more (issue 24): see LynkwellDouble.variants.


class LynkwellStore(ProviderDouble):
    """Every object of the double, by type; reset() empties them all (restart() calls it between tests)."""

    def reset(self) -> None:
        self.tokens: dict[str, float] = {}  # access token -> expiry (double's clock)
        self.network_id = self.new_id("network")  # the API client's own network
        self.payment_profiles: dict[str, JSON] = {}
        self.payment_methods: dict[str, JSON] = {}
        self.subscriptions: dict[str, JSON] = {}
        self.invoices: dict[str, JSON] = {}
        self.drivers: dict[str, JSON] = {}
        self._cards: dict[str, Card] = {}  # payment method id -> its test card
        self._profile_methods: dict[str, list[str]] = {}  # payment profile id -> attached methods
        self._subscription_invoices: dict[str, list[str]] = {}
        self._invoice_subscription: dict[str, str] = {}

    @property
    def refusal_status(self) -> int:
        """The status of a refused valid request: the spec's 409, or under docs_only a plain 400 (no page names one)."""
        return 400 if DOCS_ONLY in self.faults else 409

    def refusal(self, rule: Rule, current: str) -> ApiError:
        refused = super().refusal(rule, current)
        refused.status = self.refusal_status
        return refused

    def _touch(self, subscription: JSON, **changes: Any) -> None:
        subscription.update(changes, lastUpdatedAt=_iso(self.now()))

    def _list(self, objects: list[JSON], request: ApiRequest, what: str) -> ApiResponse:
        newest_first = objects[::-1]
        after = request.query.get("startingAfter")
        if after is not None and all(item["id"] != after for item in newest_first):
            raise _unknown_reference(what, after, "startingAfter", self.refusal_status)
        limit = int(request.query.get("limit", DEFAULT_LIMIT))
        items, more = self.page(newest_first, limit=limit, after=after)
        return ApiResponse(200, {"data": {"hasMore": more, "items": copy.deepcopy(items)}})


def _one(obj: JSON) -> ApiResponse:
    # A copy: response faults edit the body, never the stored object.
    return ApiResponse(200, {"data": copy.deepcopy(obj)})


def _unknown_reference(what: str, object_id: str, param: str, status: int = 409) -> ApiError:
    return ApiError(status, "resource_missing", f"No such {what}: '{object_id}' (given as {param}).", param)


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def _add_months(timestamp: int, months: int) -> int:
    """The same day and time `months` calendar months later, clamped to the month's last day."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())
