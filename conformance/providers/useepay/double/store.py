"""The UseePay double's state: one store every resource module reads and writes, and what they share
(ids, ISO 8601 timestamps, the owner fields every object ends with, numbered pages, date-time filters)."""

from __future__ import annotations

import copy
import string
from datetime import UTC, datetime

from jsonschema import Draft202012Validator

from conformance.sandbox.double import JSON, ApiError, ApiRequest, ProviderDouble

DEFAULT_PAGE_SIZE = 10
# The variant that follows the recovered pages and nothing more (issue 24): see UseePayDouble.variants.
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # "2024-10-28T07:17:43Z", as every example prints
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


class UseePayStore(ProviderDouble):
    """Every object of the double, by type; reset() empties them all (restart() calls it between tests)."""

    customers: dict[str, JSON]
    invoices: dict[str, JSON]
    subscriptions: dict[str, JSON]
    mandates: dict[str, JSON]
    payment_methods: dict[str, JSON]

    def reset(self) -> None:
        self.customers = {}
        self.invoices = {}
        self.subscriptions = {}
        self.mandates = {}
        self.payment_methods = {}
        self._invoice_count = 0

    def new_id(self, kind: str) -> str:
        # UseePay ids: prefix + 13 upper-case alphanumerics, e.g. inv_1JBQUCEC40000.
        alphabet = string.ascii_uppercase + string.digits
        return self.id_prefixes[kind] + "".join(self._random.choice(alphabet) for _ in range(13))

    def timestamp(self) -> str:
        return _format_instant(self.now())

    def _owner(self, stamp: str) -> JSON:
        """The fields every UseePay object ends with."""
        return {
            "merchant_no": self.credentials["USEEPAY_MERCHANT_NO"],
            "app_id": self.credentials["USEEPAY_APP_ID"],
            "create_at": stamp,
            "modify_at": stamp,
        }

    def _numbered_page(self, items: list[JSON], request: ApiRequest) -> JSON:
        """page_num (0-based) / page_size over `items`, as {items, has_more}."""
        query = request.query
        page_num = query.get("page_num", 0)
        page_size = query.get("page_size", DEFAULT_PAGE_SIZE)
        operation_id = request.operation.operation_id
        first = page_num * page_size
        if self.breaks("page_base_shifted", operation_id):
            first = max(page_num - 1, 0) * page_size  # read as 1-based: pages 0 and 1 are both the first
        if self.breaks("page_skips_item", operation_id) and page_num > 0:
            first += 1  # the first object after page 0 is never served
        # Page numbers become page()'s cursor (the last item before the page), so the pagination
        # faults show here exactly as on cursor-paged providers. Past the end, the cursor is the last item.
        start = min(first, len(items))
        after = items[start - 1]["id"] if start else None
        window, more = self.page(items, limit=page_size, after=after)
        return {"items": copy.deepcopy(window), "has_more": more}

    def _created_since(self, items: list[JSON], from_created_at: str | None) -> list[JSON]:
        if from_created_at is None:
            return items
        since = _parse_instant(from_created_at)
        if since is None:
            raise ApiError(
                400, "parameter_invalid", "from_created_at must be an ISO 8601 date-time.", "from_created_at"
            )
        return [item for item in items if _created(item) >= since]

    def _of_customer(self, items: list[JSON], request: ApiRequest) -> list[JSON]:
        """The documented customer_id filter (ignored under `filter_ignored`)."""
        customer_id = request.query.get("customer_id")
        if customer_id is None or self.breaks("filter_ignored", request.operation.operation_id):
            return items
        return [item for item in items if item["customer_id"] == customer_id]


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
