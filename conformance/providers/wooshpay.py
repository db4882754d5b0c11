"""WooshPay: Stripe-like API under /v1, HTTP Basic with the secret key as username."""

from __future__ import annotations

import requests

from conformance.providers.base import Credentials, CredentialVar, Provider, ProviderAuth


class BasicAuth(ProviderAuth):
    def __init__(self, username: str, password: str) -> None:
        self._basic = requests.auth.HTTPBasicAuth(username, password)

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return self._basic(request)


class WooshPay(Provider):
    name = "wooshpay"
    title = "WooshPay"
    credential_vars = (
        CredentialVar("WOOSHPAY_API_KEY", "sk_test_conformance"),
        # Password is blank unless set (intro: "Use your key as username and leave password blank").
        CredentialVar("WOOSHPAY_API_SECRET", "", required=False),
    )
    double_class = "conformance.sandboxes.wooshpay:WooshPayDouble"

    def auth(self, credentials: Credentials, base_url: str) -> ProviderAuth:
        return BasicAuth(credentials["WOOSHPAY_API_KEY"], credentials.get("WOOSHPAY_API_SECRET", ""))


PROVIDER = WooshPay()
