"""WooshPay: Stripe-like API under /v1, HTTP Basic with the secret key as username."""

from __future__ import annotations

from typing import Any, cast

import requests

from conformance.core import secrets as conformance_secrets
from conformance.http.auth import ProviderAuth
from conformance.providers.base import Credentials, CredentialVar, MadeAlongside, Provider, TaggedListing


class BasicAuth(ProviderAuth):
    def __init__(self, username: str, password: str) -> None:
        self._basic = requests.auth.HTTPBasicAuth(username, password)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return cast(requests.PreparedRequest, self._basic(request))  # the stubs leave __call__ untyped


class WooshPay(Provider):
    name = "wooshpay"
    title = "WooshPay"
    credential_vars = (
        CredentialVar("WOOSHPAY_API_KEY", "sk_test_conformance"),
        # Password is blank unless set (intro: "Use your key as username and leave password blank").
        CredentialVar("WOOSHPAY_API_SECRET", "", required=False),
    )

    def cleanup_steps(self, operation_id: str, body: Any) -> list[tuple[str, str]]:
        # Drafts can be deleted; anything finalized can only be voided (Stripe semantics).
        if operation_id == "createInvoice" and isinstance(body, dict) and body.get("id"):
            invoice = f"/v1/invoices/{body['id']}"
            return [("DELETE", invoice), ("POST", f"{invoice}/void")]
        if operation_id == "createSubscription" and isinstance(body, dict) and body.get("id"):
            return [("DELETE", f"/v1/subscriptions/{body['id']}")]  # cancelSubscription
        if operation_id == "CreateWebhookEndpoint" and isinstance(body, dict) and body.get("id"):
            # A registered endpoint keeps receiving the account's events: deleted (DeleteWebhookEndpoint).
            return [("DELETE", f"/v1/webhook_endpoints/{body['id']}")]
        return []

    def made_alongside(self) -> tuple[MadeAlongside, ...]:
        # A subscription is billed at once: its first invoice is finalized (open until paid) and named by the
        # answer's latest_invoice. Cancelling the subscription leaves that invoice open (Stripe: cancellation
        # stops automatic collection, it voids nothing), so the teardown voids it as an invoice of its own.
        return (MadeAlongside("createSubscription", "/latest_invoice", "createInvoice"),)

    def tagged_listings(self) -> tuple[TaggedListing, ...]:
        # Stripe lists: {data, has_more}, limit 1..100, starting_after the last id (docs.wooshpay.com/api-190580551).
        return tuple(
            TaggedListing(
                created,
                listing,
                items="/data",
                has_more="/has_more",
                limit="limit",
                page_size=100,
                after="starting_after",
                open=open_statuses,
            )
            for created, listing, open_statuses in (
                ("createInvoice", "listInvoices", frozenset({"draft", "open"})),
                (
                    "createSubscription",
                    "listSubscriptions",
                    frozenset({"active", "trialing", "past_due", "incomplete", "unpaid", "paused"}),
                ),
                # An endpoint exists until deleted, enabled or not.
                ("CreateWebhookEndpoint", "ListWebhookEndpoints", frozenset({"enabled", "disabled"})),
            )
        )

    def secrets(self, credentials: Credentials) -> list[str]:
        # The Authorization header carries base64("key:secret"), a spelling of neither value alone.
        conformance_secrets.register_basic(
            credentials.get("WOOSHPAY_API_KEY", ""), credentials.get("WOOSHPAY_API_SECRET", "")
        )
        return super().secrets(credentials)

    def auth(self, credentials: Credentials, base_url: str) -> ProviderAuth:
        return BasicAuth(credentials["WOOSHPAY_API_KEY"], credentials.get("WOOSHPAY_API_SECRET", ""))


PROVIDER = WooshPay()
