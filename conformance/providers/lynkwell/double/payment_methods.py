"""Lynkwell payment methods (pm_): a test card of TEST_CARDS attached to a payment profile."""

from __future__ import annotations

from datetime import UTC, datetime

from conformance.providers.lynkwell.double.catalogue import TEST_CARDS
from conformance.providers.lynkwell.double.store import LynkwellStore, _iso, _one, _unknown_reference
from conformance.sandbox.double import JSON, ApiRequest, ApiResponse


class PaymentMethods(LynkwellStore):
    def attachPaymentMethod(self, request: ApiRequest) -> ApiResponse:
        profile = self.require(
            self.payment_profiles, request.path_params["paymentProfileId"], "payment profile", "paymentProfileId"
        )
        return _one(self._attach(profile, request.body["paymentMethodId"]))

    def _attach(self, profile: JSON, payment_method_id: str) -> JSON:
        card = TEST_CARDS.get(payment_method_id)
        if card is None:
            raise _unknown_reference("payment method", payment_method_id, "paymentMethodId", self.refusal_status)
        stamp = _iso(self.now())
        method = {
            "id": self.new_id("payment_method"),
            "paymentProfileId": profile["id"],
            "network": profile["network"],
            "type": "card",
            "cardDetails": {
                "type": card.brand,
                "last4": card.last4,
                "expMonth": 12,
                "expYear": datetime.fromtimestamp(self.now(), UTC).year + 3,
            },
            "createdAt": stamp,
            "lastUpdatedAt": stamp,
        }
        self.payment_methods[method["id"]] = method
        self._cards[method["id"]] = card
        self._profile_methods[profile["id"]].append(method["id"])
        return method
