"""Lynkwell payment profiles (pp_): create (for any driver id) and list (by driver)."""

from __future__ import annotations

from conformance.providers.lynkwell.double.store import LynkwellStore, _one
from conformance.sandbox.double import JSON, ApiRequest, ApiResponse


class PaymentProfiles(LynkwellStore):
    def listPaymentProfiles(self, request: ApiRequest) -> ApiResponse:
        profiles = list(self.payment_profiles.values())
        if "driverId" in request.query and not self.breaks("filter_ignored", request.operation.operation_id):
            profiles = [p for p in profiles if p["driver"] == request.query["driverId"]]
        return self._list(profiles, request, "payment profile")

    def createPaymentProfile(self, request: ApiRequest) -> ApiResponse:
        return _one(self._create_profile(request.body["driver"], request.body.get("network")))

    def _create_profile(self, driver: str, network: str | None) -> JSON:
        profile = {"id": self.new_id("payment_profile"), "network": network or self.network_id, "driver": driver}
        self.payment_profiles[profile["id"]] = profile
        self._profile_methods[profile["id"]] = []
        return profile
