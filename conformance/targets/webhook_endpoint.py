"""A webhook endpoint registered for a run through the provider's own API, and removed after it.

The spec's delivery rules name the operation that registers an endpoint (`x-webhook-delivery.registration`,
WooshPay's CreateWebhookEndpoint); a provider without one is told the URL by the user. What is created
goes into the clean-up ledger like every object of a live run (conformance.targets.guarded_transport),
and the endpoint's signing secret is registered as a secret the moment it is read: no byte written
holds it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests

from conformance.core import form, secrets
from conformance.core.errors import TargetUnreachable, UsageError, first_line
from conformance.http.auth import ProviderAuth
from conformance.http.transport import OriginBoundSession
from conformance.providers.base import Provider
from conformance.targets.cleanup import clean_up

ALL_EVENTS = ["*"]  # every event the provider sends: the checks judge which ones were due
SECRET_FIELD = "secret"  # where the creation's answer carries the signing secret (Stripe's webhook endpoint)


@dataclass(frozen=True)
class Endpoint:
    operation_id: str
    body: dict[str, Any]  # the creation's answer (its id says what to remove)
    secret: str | None  # the signing secret, returned once by the creation


def registration_operation(provider: Provider) -> str | None:
    """The operationId that registers a webhook endpoint, when the spec declares one the spec has."""
    rules = provider.spec.document.get("x-webhook-delivery")
    registration = rules.get("registration") if isinstance(rules, dict) else None
    operation_id = registration.get("operation") if isinstance(registration, dict) else None
    return operation_id if isinstance(operation_id, str) and operation_id in provider.spec.operations else None


def register(provider: Provider, base_url: str, auth: ProviderAuth, url: str, *, timeout: float = 10) -> Endpoint:
    """Register `url` for every event; a refusal is one sentence (exit 2), no answer is exit 3."""
    operation_id = registration_operation(provider)
    if operation_id is None:
        raise UsageError(f"{provider.title}'s spec declares no operation that registers a webhook endpoint.")
    operation = provider.spec.operations[operation_id]
    content = provider.spec.resolve(operation.pointer).get("requestBody", {}).get("content", {})
    fields = {"url": url, "enabled_events": ALL_EVENTS}
    # A Stripe-like API reads forms first; JSON where that is all the spec documents.
    if "application/x-www-form-urlencoded" in content or not content:
        data: Any = form.encode(fields)
        content_type = "application/x-www-form-urlencoded"
    else:
        data = json.dumps(fields)
        content_type = "application/json"
    target = base_url.rstrip("/") + operation.path
    try:
        with OriginBoundSession() as session:
            session.auth = auth
            response = session.post(target, data=data, headers={"Content-Type": content_type}, timeout=timeout)
    except requests.RequestException as exc:
        raise TargetUnreachable(
            f"{provider.title} at {base_url} did not answer the registration of the webhook endpoint "
            f"({type(exc).__name__}); check the URL and the network."
        ) from None
    try:
        body = response.json() if response.ok else None
    except ValueError:
        body = None
    if not isinstance(body, dict) or not body.get("id"):
        raise UsageError(
            f"{provider.title} refused to register {url} as a webhook endpoint ({operation_id} answered HTTP "
            f"{response.status_code}: {first_line(secrets.scrub(response.text))[:120]}); check --webhook-public-url "
            "and the credentials."
        )
    secret = body.get(SECRET_FIELD)
    if isinstance(secret, str) and secret:
        secrets.register([secret])
    return Endpoint(operation_id, body, secret if isinstance(secret, str) and secret else None)


def remove(provider: Provider, base_url: str, auth: ProviderAuth, endpoint: Endpoint, *, timeout: float = 10) -> bool:
    """Remove the run's endpoint (the provider's clean-up steps; the ledger says when it was)."""
    cleaned, _left = clean_up(provider, base_url, auth, [(endpoint.operation_id, endpoint.body)], timeout=timeout)
    return cleaned > 0
