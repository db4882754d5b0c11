"""WooshPay's events (Stripe's, inferred: the pages name only "an invoice.created webhook") and the endpoints
API that registers receivers for them.

- Event object, `invoice.*` names, the `WooshPay-Signature: t=<unix>,v1=<hex HMAC-SHA256>` header over
  "<t>.<raw body>" keyed by the endpoint's whsec_ secret, any 2xx as acknowledgement and the retry schedule
  are Stripe's (inferred). The webhook-endpoint object's fields are the ones the list-subscriptions page
  prints by mistake (https://docs.wooshpay.com/ , "List All Subscriptions": WP-LIST-SUBSCRIPTIONS-WEBHOOK-SCHEMA).
- Endpoints: POST/GET /v1/webhook_endpoints, GET/POST/DELETE /v1/webhook_endpoints/{id}; the secret is
  returned once, by creation; enabled_events ["*"] is every event; a deleted or disabled endpoint gets
  nothing more.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import secrets as token_source
import string
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from werkzeug.wrappers import Request

from conformance.core import form
from conformance.core import secrets as secret_registry
from conformance.core.errors import UsageError
from conformance.providers.wooshpay.double.store import WooshPayStore, _merge_metadata
from conformance.sandbox.double import JSON, ApiError, ApiRequest, ApiResponse
from conformance.sandbox.receivers import Receiver, registered_url
from conformance.sandbox.webhooks import STALE_SECONDS, Endpoint, Event, EventScheme, Wire

FORM = "application/x-www-form-urlencoded"
SIGNATURE_HEADER = "WooshPay-Signature"
EVENT_NAMES = (
    "invoice.created",
    "invoice.updated",
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.voided",
    "invoice.marked_uncollectible",
    "invoice.sent",
    "invoice.deleted",
)
# Stripe's, inferred: seconds after the previous attempt, then give up.
RETRY_SCHEDULE = (60.0, 300.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 57600.0)
_ENDPOINT_BODY = {
    "type": "object",
    "properties": {
        "url": {"type": "string"},
        "enabled_events": {"type": "array", "items": {"type": "string"}},
        "description": {"type": "string"},
        "disabled": {"type": "boolean"},
        "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The v1 signature Stripe's scheme defines: hex HMAC-SHA256 of "<t>.<body>" keyed by the secret."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def new_secret() -> str:
    value = "whsec_" + token_source.token_urlsafe(24).replace("-", "a").replace("_", "b")
    # Recordings keep the documented prefix the spec's schema judges (pattern ^whsec_), not the secret.
    secret_registry.register([value], token=True, public_prefix="whsec_")
    return value


class WooshPayEvents(EventScheme):
    names = EVENT_NAMES
    schedule = RETRY_SCHEDULE
    wrong_names: ClassVar[dict[str, str]] = {"invoice.paid": "invoice.payment_succeeded"}
    missing_event = "invoice.paid"

    def __init__(self, livemode: Callable[[], bool]) -> None:
        self._livemode = livemode

    def event_id(self, rng: random.Random) -> str:
        return "evt_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(24))

    def envelope(self, event_id: str, name: str, data: JSON, created: int) -> JSON:
        return {
            "id": event_id,
            "object": "event",
            "type": name,
            "created": created,
            "livemode": self._livemode(),
            "api_version": None,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": data},
        }

    def wire(self, event: Event, endpoint: Endpoint, now: int, faults: Callable[[str], bool]) -> Wire:
        body = json.dumps(event.envelope).encode()
        content_type = "text/plain" if faults("event_wrong_content_type") else "application/json; charset=utf-8"
        headers = [("Content-Type", content_type), ("User-Agent", "WooshPay/1.0 (+https://docs.wooshpay.com/)")]
        if not faults("signature_missing"):
            stamp = now - STALE_SECONDS if faults("timestamp_stale") else now
            key = endpoint.secret or ""
            if faults("signature_invalid"):
                key = "whsec_not" + key  # a valid-looking signature no receiver's secret verifies
            headers.append((SIGNATURE_HEADER, f"t={stamp},v1={sign(key, stamp, body)}"))
        return Wire(tuple(headers), body)

    def acknowledged(self, status: int) -> bool:
        return 200 <= status < 300

    def check_faults(self, on: Callable[[str], bool]) -> None:
        if on("content_type_other_version"):
            raise UsageError("WooshPay has one event content type (JSON); content_type_other_version is UseePay's.")


class WebhookEndpoints(WooshPayStore):
    """The endpoints API, served by the double before the spec declares it (own_operations)."""

    webhook_endpoints: dict[str, JSON]

    def reset(self) -> None:
        super().reset()
        self.webhook_endpoints = {}

    def event_scheme(self) -> EventScheme:
        return WooshPayEvents(self._livemode)

    def own_operations(self) -> Sequence[tuple[str, str, str]]:
        one = "/v1/webhook_endpoints/{id}"
        return (
            ("POST", "/v1/webhook_endpoints", "CreateWebhookEndpoint"),
            ("GET", "/v1/webhook_endpoints", "ListWebhookEndpoints"),
            ("GET", one, "RetrieveWebhookEndpoint"),
            ("POST", one, "UpdateWebhookEndpoint"),
            ("DELETE", one, "DeleteWebhookEndpoint"),
        )

    def decode_own_body(self, request: Request, raw: bytes) -> Any:
        if request.mimetype != FORM:
            return super().decode_own_body(request, raw)
        try:
            return form.decode(raw, _ENDPOINT_BODY, lambda node: node)
        except form.FormError as error:
            raise ApiError(400, "invalid_request", str(error)) from None

    def CreateWebhookEndpoint(self, request: ApiRequest) -> ApiResponse:
        body = _object_body(request)
        url = body.get("url")
        if not isinstance(url, str) or not url:
            raise ApiError(400, "parameter_missing", "Missing required param: url.", "url")
        events = self._enabled_events(body.get("enabled_events", ["*"]))
        endpoint, secret = self._create_endpoint(self._receiver(url), events, body)
        return ApiResponse(200, {**endpoint, "secret": secret})  # the only answer that shows the secret

    def new_endpoint(self, receiver: Receiver, events: tuple[str, ...]) -> Endpoint:
        """An endpoint made for the plugin or the CLI: listed by the API like one created through it."""
        endpoint, _ = self._create_endpoint(receiver, list(events), {})
        assert self.webhooks is not None
        return next(e for e in self.webhooks.endpoints if e.id == endpoint["id"])

    def _create_endpoint(self, receiver: Receiver, events: list[str], body: JSON) -> tuple[JSON, str]:
        url = body.get("url") or receiver.name
        endpoint_id = "we_" + "".join(self._random.choice(string.ascii_letters + string.digits) for _ in range(24))
        endpoint: JSON = {
            "id": endpoint_id,
            "object": "webhook_endpoint",
            "api_version": None,
            "application": None,
            "created": self.now(),
            "description": body.get("description"),
            "enabled_events": events,
            "livemode": self._livemode(),
            "metadata": dict(body.get("metadata") or {}),
            "status": "enabled",
            "url": url,
        }
        secret = new_secret()
        self.webhook_endpoints[endpoint_id] = endpoint
        assert self.webhooks is not None
        self.webhooks.register(Endpoint(endpoint_id, receiver, secret, tuple(events)))
        return endpoint, secret

    def ListWebhookEndpoints(self, request: ApiRequest) -> ApiResponse:
        query = dict(request.query)
        if "limit" in query:
            try:
                query["limit"] = int(query["limit"])
            except ValueError:
                raise ApiError(400, "parameter_invalid", "Invalid integer: limit.", "limit") from None
        found = list(reversed(self.webhook_endpoints.values()))
        return self._list_page(found, query, "/v1/webhook_endpoints", dict)

    def RetrieveWebhookEndpoint(self, request: ApiRequest) -> ApiResponse:
        return ApiResponse(200, dict(self._endpoint(request)))

    def UpdateWebhookEndpoint(self, request: ApiRequest) -> ApiResponse:
        endpoint = self._endpoint(request)
        body = _object_body(request)
        assert self.webhooks is not None
        registered = next(e for e in self.webhooks.endpoints if e.id == endpoint["id"])
        if "url" in body:
            registered.receiver = self._receiver(str(body["url"]))
            endpoint["url"] = body["url"]
        if "enabled_events" in body:
            endpoint["enabled_events"] = self._enabled_events(body["enabled_events"])
            registered.enabled_events = tuple(endpoint["enabled_events"])
        if "disabled" in body:
            registered.enabled = not body["disabled"]
            endpoint["status"] = "disabled" if body["disabled"] else "enabled"
        if "description" in body:
            endpoint["description"] = body["description"]
        if "metadata" in body:
            _merge_metadata(endpoint, body)
        return ApiResponse(200, dict(endpoint))

    def DeleteWebhookEndpoint(self, request: ApiRequest) -> ApiResponse:
        endpoint = self._endpoint(request)
        del self.webhook_endpoints[endpoint["id"]]
        assert self.webhooks is not None
        self.webhooks.unregister(endpoint["id"])
        return ApiResponse(200, {"id": endpoint["id"], "object": "webhook_endpoint", "deleted": True})

    def _endpoint(self, request: ApiRequest) -> JSON:
        return self.require(self.webhook_endpoints, request.path_params["id"], "webhook endpoint")

    def _enabled_events(self, given: Any) -> list[str]:
        if isinstance(given, str):
            given = [given]
        if not isinstance(given, list) or not given or not all(isinstance(name, str) for name in given):
            raise ApiError(400, "parameter_invalid", "enabled_events must be a list of event names.", "enabled_events")
        # An event name the double never emits is kept (it matches nothing): the pages list no valid names.
        return list(given)

    def _receiver(self, url: str) -> Receiver:
        try:
            return registered_url(url)
        except UsageError as error:  # not an http(s) URL
            raise ApiError(400, "url_invalid", str(error), "url") from None


def _object_body(request: ApiRequest) -> JSON:
    if request.body is None:
        return {}
    if not isinstance(request.body, dict):
        raise ApiError(400, "invalid_request", "The request body must be an object.")
    return request.body
