"""UseePay payment methods (pm_) of a customer: a card, kept as its brand and last4 only."""

from __future__ import annotations

import copy

from conformance.providers.useepay.double.store import UseePayStore
from conformance.sandbox.double import ApiRequest, ApiResponse

_CARD_BRANDS = {"3": "amex", "4": "visa", "5": "mastercard", "6": "discover"}


class PaymentMethods(UseePayStore):
    def createPaymentMethod(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        self.require(self.customers, body["customer_id"], "customer", "customer_id")
        card = body["card"]
        method = {
            "id": self.new_id("payment_method"),
            "type": body["type"],
            "customer_id": body["customer_id"],
            "card": {
                "brand": _CARD_BRANDS.get(card["number"][0], "unknown"),
                "last4": card["number"][-4:],
                "exp_month": card["exp_month"],
                "exp_year": card["exp_year"],
            },
            **self._owner(self.timestamp()),
        }
        self.payment_methods[method["id"]] = method
        return ApiResponse(200, copy.deepcopy(method))
