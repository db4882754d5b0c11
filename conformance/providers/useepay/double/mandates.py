"""UseePay mandates (man_) of a customer: create (with the customer's acceptance) and list."""

from __future__ import annotations

import copy

from conformance.providers.useepay.double.store import UseePayStore, _parse_instant
from conformance.sandbox.double import JSON, ApiError, ApiRequest, ApiResponse


class Mandates(UseePayStore):
    def createMandate(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        self.require(self.customers, body["customer_id"], "customer", "customer_id")
        if _parse_instant(body["customer_acceptance"]["accepted_at"]) is None:
            raise ApiError(400, "parameter_invalid", "accepted_at must be an ISO 8601 date-time.", "accepted_at")
        stamp = self.timestamp()
        mandate = {
            "id": self.new_id("mandate"),
            "customer_id": body["customer_id"],
            "payment_intent_id": body["payment_intent_id"],
            "customer_acceptance": _acceptance(body["customer_acceptance"]),
            **self._owner(stamp),
        }
        self.mandates[mandate["id"]] = mandate
        return ApiResponse(200, copy.deepcopy(mandate))

    def listMandates(self, request: ApiRequest) -> ApiResponse:
        query = request.query
        items = self._of_customer(list(self.mandates.values()), request)
        items = self._created_since(items, query.get("from_created_at"))
        return ApiResponse(200, self._numbered_page(items, request))


def _acceptance(given: JSON) -> JSON:
    online = given["online"]
    return {
        "type": given["type"],
        "accepted_at": given["accepted_at"],
        "online": {"ip_address": online["ip_address"], "user_agent": online["user_agent"]},
    }
