"""Deliveries as the shared event conventions make them, for the webhook checks' twin tests.

Invoices come from the provider's double over real HTTP (its demo data holds one in every state), so a
payload is an invoice exactly as the API reads it; the envelope, headers and signature follow the
conventions the doubles implement (issue 27). Mutations change one thing each.
"""

from __future__ import annotations

import base64
import json
import secrets as random_secrets
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import urlencode

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from conformance.checks.webhooks import hmac_signature_header
from conformance.core.deliveries import Delivery
from conformance.providers import get_provider
from conformance.targets.double_server import running_double

WHSEC = "whsec_" + "k3y" * 10  # a fake endpoint secret (never a real one)
T0 = 1_790_000_000


@cache
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem() -> str:
    return (
        rsa_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def signing_key(provider: str) -> str:
    return WHSEC if provider == "wooshpay" else public_pem()


@cache
def invoices_by_state(provider_name: str) -> dict[str, dict[str, Any]]:
    """One invoice per state, as the double's API reads it (demo data)."""
    provider = get_provider(provider_name)
    listing = provider.spec.operations["listInvoices"]
    found: dict[str, dict[str, Any]] = {}
    with running_double(provider_name, demo_data=True, seed=7) as double:
        auth = provider.auth(double.credentials, double.base_url)
        answer = requests.get(double.base_url + listing.path, auth=auth, params={"limit": 100}, timeout=30)
        answer.raise_for_status()
        for invoice in double.double.invoices_in(answer.json()):
            found.setdefault(str(invoice["status"]), invoice)
    return found


def envelope(provider: str, name: str, invoice: Mapping[str, Any], event_id: str | None = None) -> dict[str, Any]:
    if provider == "wooshpay":
        return {
            "id": event_id or "evt_" + random_secrets.token_hex(12),
            "object": "event",
            "type": name,
            "created": T0,
            "livemode": False,
            "api_version": None,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": dict(invoice)},
        }
    return {"id": event_id or "evt_" + random_secrets.token_hex(16), "name": name, "data": dict(invoice)}


def body_of(provider: str, event: Mapping[str, Any], *, form: bool = False) -> tuple[bytes, str]:
    text = json.dumps(event, separators=(",", ":"))
    if form:
        return urlencode({"data": text}).encode("ascii"), "application/x-www-form-urlencoded"
    return text.encode("utf-8"), "application/json"


def sign(provider: str, body: bytes) -> tuple[str, str]:
    if provider == "wooshpay":
        return "wooshpay-signature", hmac_signature_header(WHSEC, body, T0)
    signature = rsa_key().sign(body, padding.PKCS1v15(), hashes.SHA256())
    return "sign", base64.b64encode(signature).decode("ascii")


def delivery(
    provider: str,
    event: Mapping[str, Any],
    *,
    sequence: int = 0,
    at: float = 0.0,
    status: int | None = 200,
    form: bool = False,
    api_version: str | None = None,
    headers: Mapping[str, str | None] | None = None,
    body: bytes | None = None,
) -> Delivery:
    """A delivery of `event` as the conventions send it; `headers` overrides (None removes) one header."""
    raw, content_type = body_of(provider, event, form=form)
    raw = raw if body is None else body
    name, signature = sign(provider, raw)
    sent: dict[str, str | None] = {"content-type": content_type, name: signature}
    if provider == "useepay":
        version = api_version or ("2025-01" if form else "2026-04")
        sent |= {"merchant_no": "500000000001234", "api_version": version, "app_id": "www.pay.example"}
    sent |= dict(headers or {})
    return Delivery(
        sequence=sequence,
        received_at=at,
        method="POST",
        path="/hooks",
        headers=tuple((k, v) for k, v in sent.items() if v is not None),
        body=raw,
        status=status,
    )
