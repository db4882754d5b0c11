"""UseePay: /api/v1, three credential headers on every request."""

from __future__ import annotations

from typing import Any

import requests

from conformance.http.auth import ProviderAuth
from conformance.providers.base import Credentials, CredentialVar, Provider, TaggedListing

HEADERS = {
    "USEEPAY_MERCHANT_NO": "x-merchant-no",
    "USEEPAY_API_KEY": "x-api-key",
    "USEEPAY_APP_ID": "x-app-id",
}


class HeaderAuth(ProviderAuth):
    def __init__(self, headers: dict[str, str]) -> None:
        self._headers = headers

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update(self._headers)
        return request


class UseePay(Provider):
    name = "useepay"
    title = "UseePay"
    credential_vars = (
        CredentialVar("USEEPAY_MERCHANT_NO", "500000000000001"),
        CredentialVar("USEEPAY_API_KEY", "test_key_conformance"),
        CredentialVar("USEEPAY_APP_ID", "conformance.test"),
    )

    def auth(self, credentials: Credentials, base_url: str) -> ProviderAuth:
        return HeaderAuth({header: credentials[var] for var, header in HEADERS.items()})

    def cleanup_steps(self, operation_id: str, body: Any) -> list[tuple[str, str]]:
        # Subscriptions can be cancelled; the pages document no way to void or delete an invoice.
        if operation_id == "createSubscription" and isinstance(body, dict) and body.get("id"):
            return [("POST", f"/api/v1/subscriptions/{body['id']}/cancel")]
        return []

    def tagged_listings(self) -> tuple[TaggedListing, ...]:
        # {items, has_more}, page_num from 0 ("List all mandates" sample); invoices have no documented removal,
        # so only subscriptions are swept (an invoice found is reported as left).
        return tuple(
            TaggedListing(
                created,
                listing,
                items="/items",
                has_more="/has_more",
                limit="page_size",
                page_size=50,
                page="page_num",
                open=open_statuses,
            )
            for created, listing, open_statuses in (
                ("createSubscription", "listSubscriptions", frozenset({"incomplete", "active", "unpaid", "paused"})),
                ("createInvoice", "listInvoices", frozenset({"open", "sent", "payment_failed"})),
            )
        )


PROVIDER = UseePay()
