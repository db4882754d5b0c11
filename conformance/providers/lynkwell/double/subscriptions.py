"""Lynkwell subscriptions (sub_): subscribing a payment profile to a CATALOGUE price bills its first invoice;
renewals draft the next period's. Listed newest first."""

from __future__ import annotations

from conformance.providers.lynkwell.double.catalogue import CATALOGUE
from conformance.providers.lynkwell.double.invoices import Invoices
from conformance.providers.lynkwell.double.store import (
    CURRENCY,
    _add_months,
    _iso,
    _one,
    _parse_iso,
    _unknown_reference,
)
from conformance.sandbox.double import JSON, ApiRequest, ApiResponse


class Subscriptions(Invoices):
    def listSubscriptions(self, request: ApiRequest) -> ApiResponse:
        return self._list(list(self.subscriptions.values()), request, "subscription")

    def subscribePaymentProfile(self, request: ApiRequest) -> ApiResponse:
        profile = self.require(
            self.payment_profiles, request.path_params["paymentProfileId"], "payment profile", "paymentProfileId"
        )
        subscription, _ = self._subscribe(profile, request.body["priceId"])
        return _one(subscription)

    def _subscribe(self, profile: JSON, price_id: str, *, finalize: bool = True) -> tuple[JSON, JSON]:
        offering = CATALOGUE.get(price_id)
        if offering is None:
            raise _unknown_reference("price", price_id, "priceId", self.refusal_status)
        now = self.now()
        stamp = _iso(now)
        threshold = offering.billing_threshold
        subscription = {
            "id": self.new_id("subscription"),
            "paymentProfileId": profile["id"],
            "network": profile["network"],
            "billingThreshold": None if threshold is None else {"amount": threshold, "currency": CURRENCY},
            "billingStatus": "INCOMPLETE",
            "currentPeriodEnd": _iso(_add_months(now, offering.months)),
            "currentPeriodStart": stamp,
            "priceId": price_id,
            "createdAt": stamp,
            "lastUpdatedAt": stamp,
        }
        self.subscriptions[subscription["id"]] = subscription
        self._subscription_invoices[subscription["id"]] = []
        invoice = self._draft_invoice(subscription, offering, now, _add_months(now, offering.months))
        if finalize:
            self.finalize_invoice(invoice["id"])
        return subscription, invoice

    def renew_subscription(self, subscription_id: str) -> str:
        """Start the subscription's next period: a DRAFT invoice for it (finalize it to collect)."""
        with self._lock:
            subscription = self.subscriptions[subscription_id]
            offering = CATALOGUE[subscription["priceId"]]
            start = _parse_iso(subscription["currentPeriodEnd"])
            invoice = self._draft_invoice(subscription, offering, start, _add_months(start, offering.months))
            self._touch(subscription, currentPeriodStart=invoice["periodStart"], currentPeriodEnd=invoice["periodEnd"])
            return str(invoice["id"])
