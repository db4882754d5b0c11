"""The Lynkwell double: /billing/v1 payment profiles, subscriptions and invoices, behind OAuth2.

Auth. The double issues its own tokens at ``POST /oauth/token``, standing in for Lynkwell's Auth0
tenant: a JSON (or form) body ``{client_id, client_secret, audience, grant_type}`` as "Getting
Started" shows. The client id/secret must be ``LYNKWELL_CLIENT_ID``/``LYNKWELL_CLIENT_SECRET`` of
``self.credentials`` and the audience ``https://api.lynkwell.com``; the answer is
``{access_token, token_type: "Bearer", expires_in, scope}`` (no scopes are documented, so ``scope``
is empty). Refusals are Auth0's ``{"error", "error_description"}``: 400 invalid_request /
unsupported_grant_type, 401 access_denied for a wrong client, 403 access_denied for a wrong audience.
Tokens are random, kept in memory and valid for ``expires_in`` seconds of the double's clock; every
API call needs ``Authorization: Bearer <token>``. The token endpoint is another server in reality,
so the API's faults (rate limit, delay, content type) do not reach it.

State (empty at start). Payment profiles (``pp_``) are created by the API; payment methods (``pm_``)
are attached to them; subscribing a profile to a price creates a subscription (``sub_``) and its
first invoice (``in_``) whose ``subscriptionItems`` (``si_``) are the offering's components.
No operation creates invoices directly or lists prices, so the prices a subscription can use are the
fixed CATALOGUE below, and ``attachPaymentMethod`` takes the payment provider's test payment methods
of TEST_CARDS (Stripe's magic ``pm_card_*`` ids: each attach makes a new ``pm_`` object).
An unknown id in the path answers 404; an unknown id elsewhere (``startingAfter``, ``priceId``,
``paymentMethodId``) answers 409: the request is valid, the account's state makes it fail.

Money is in minor units (cents) of ``currency``, as the Stripe objects Lynkwell mirrors; the unit is
undocumented (LW-MONEY-UNIT-UNDOCUMENTED). ``subTotal`` is the sum of ``subscriptionItems[].total``
and ``taxTotal`` the offering's tax rate applied to it. ``invoiceItems`` (one-off items, undocumented)
is always empty: nothing can add one. Lists are newest first.

Invoice lifecycle (statuses of the spec's inferred enum, after Stripe's):
  DRAFT -> OPEN (finalized: ``pdfUrl`` set, automatic collection from the profile's newest payment
  method, if any) -> PAID, or stays OPEN with a failed attempt; OPEN -> UNCOLLECTIBLE; OPEN or
  UNCOLLECTIBLE -> VOID. ``retryInvoicePayment`` is allowed on OPEN and UNCOLLECTIBLE invoices:
  each call counts an attempt (``totalPaymentAttempts``, ``lastPaymentAttemptDate``) and pays the
  invoice unless the profile has no payment method or its card declines. DRAFT, PAID and VOID
  invoices are refused with 409 ``invoice_not_retryable``, and a body ``invoiceId`` other than the
  path's with 409 ``invoice_mismatch`` (LW-RETRY-INVOICE-ID-IN-BODY). A first invoice is finalized at
  once (no attempt is counted when the profile has no payment method yet). The back-office steps no
  operation exposes (renewal drafts, finalize, void, mark uncollectible) are Python methods, as are
  ``seed_invoices(n, status=...)`` for tests and ``seed_demo_data()`` for sandbox runs.

Drivers (identity, LW-DRIVER-PAGE-CUT): ``createDriver`` stores a driver (``drv_``) of the client's
network; ``listDrivers`` pages them newest first, filtered by ``email``; ``archiveDriver`` removes the
PII (name, contact details, address become null) and is idempotent; ``attachSitePartner`` takes exactly
one of ``driverId`` (a known driver, else 409) or ``tokenId`` (no operation creates tokens, so every
token is unknown: 409). ``createPaymentProfile`` still takes any driver id: no page says an unknown one
is refused.

Pagination: ``limit`` is a string matching ``^[0-9][0-9]?$|^100$`` (default "20"); the pattern admits
"0" and zero-padded values (LW-LIMIT-STRING-PATTERN), so "05" is 5 and "0" an empty page whose
``hasMore`` says whether any object follows the cursor. ``startingAfter`` must be an id of the list.

Faults: every catalogue fault applies except ``deleted_still_retrievable`` (Lynkwell documents no
delete operation). FaultTargets: ``periodEnd`` removed, ``totalPaymentAttempts`` retyped, ``taxTotal``
renamed ``totalTax``, ``amountDue`` added, status ``PAYMENT_FAILED``, ``currency`` null, ``subTotal``
off by one, and ``subscribePaymentProfile`` (the operation that creates invoices) answering 500.

Variant ``docs_only`` (issue 24): follows the pages and nothing more. A request body is held only to what
the pages state (a constraint only the spec infers, such as a driver's required ``name``, is not enforced),
what is accepted is stored and echoed as sent, and a refused valid request (unknown reference, a retry the
invoice's state forbids) answers 400 in the error shape: no page names a refusal status.
"""

from __future__ import annotations

import calendar
import copy
import json
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

from jsonschema import Draft202012Validator
from werkzeug.wrappers import Request, Response

from conformance.checks.lifecycle import Rule
from conformance.providers.lynkwell import AUDIENCE
from conformance.sandbox.double import JSON, ApiError, ApiRequest, ApiResponse, FaultTargets, ProviderDouble
from conformance.sandbox.faults import article
from conformance.spec.specs import Operation

TOKEN_PATH = "/oauth/token"
TOKEN_LIFETIME = 86400  # seconds; Auth0's default for machine-to-machine tokens
DEFAULT_LIMIT = 20
CURRENCY = "USD"
# Where finalized invoices' PDFs live; a reserved .invalid host, since none is documented.
PDF_URL = "https://invoices.lynkwell.invalid/{invoice_id}.pdf"


@dataclass(frozen=True)
class Offering:
    """A product offering and its price: one invoice line per component, billed every `months`."""

    name: str
    months: int
    components: tuple[tuple[str, int], ...]  # (description, amount in cents)
    tax_basis_points: int = 0
    billing_threshold: int | None = None  # cents


# The prices a payment profile can subscribe to (no documented operation lists or creates prices).
CATALOGUE: Mapping[str, Offering] = {
    "price_home_charging_monthly": Offering("Home Charging", 1, (("Home Charging membership", 999),)),
    "price_fleet_monthly": Offering(
        "Fleet Charging",
        1,
        (("Fleet Charging platform fee", 4900), ("Fleet Charging port fee (4 ports x $15.00)", 6000)),
        tax_basis_points=825,
        billing_threshold=50000,
    ),
    "price_network_access_annual": Offering(
        "Network Access", 12, (("Network Access annual plan", 12000), ("Roaming add-on", 2400)), tax_basis_points=600
    ),
}


@dataclass(frozen=True)
class Card:
    """A test payment method of the payment provider: its card brand, last four digits, and whether it declines."""

    brand: str
    last4: str
    declines: bool = False


TEST_CARDS: Mapping[str, Card] = {
    "pm_card_visa": Card("visa", "4242"),
    "pm_card_mastercard": Card("mastercard", "4444"),
    "pm_card_amex": Card("amex", "8431"),
    "pm_card_chargeDeclined": Card("visa", "0002", declines=True),
}


DRIVER_ADDRESS_FIELDS = ("streetNumber", "streetName", "streetDetails", "city", "state", "postalCode", "countryCode")


class _OAuthError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


# The variant that follows the recovered pages and nothing more (issue 24): see LynkwellDouble.variants.
DOCS_ONLY = "docs_only"


class LynkwellDouble(ProviderDouble):
    provider = "lynkwell"
    id_prefixes: ClassVar[Mapping[str, str]] = {
        "invoice": "in_",
        "subscription_item": "si_",
        "subscription": "sub_",
        "payment_profile": "pp_",
        "payment_method": "pm_",
        "network": "net_",
        "driver": "drv_",
    }
    fault_targets: ClassVar[FaultTargets] = FaultTargets(
        removed_field="periodEnd",
        retyped_field="totalPaymentAttempts",
        renamed_field=("taxTotal", "totalTax"),
        added_field=("amountDue", 0),
        enum_field=("status", "PAYMENT_FAILED"),
        nullable_field="currency",
        total_field="subTotal",
        server_error_operation="subscribePaymentProfile",
        removed_fields=("periodEnd", "pdfUrl", "network"),
    )
    refusal_code = "invoice_not_retryable"
    variants: ClassVar[Mapping[str, str]] = {
        DOCS_ONLY: "Follows the pages and nothing more: constraints only the spec infers are not enforced, what is "
        "accepted is stored and echoed as sent, and refusals are a 400 in the error shape (no page names a status).",
    }

    @property
    def enforces_inferred(self) -> bool:
        return DOCS_ONLY not in self.faults

    def _apply_response_faults(self, response: ApiResponse, operation: Operation | None = None) -> ApiResponse:
        response = super()._apply_response_faults(response, operation)
        if DOCS_ONLY in self.faults and 200 <= response.status < 300 and operation is not None:
            self.omit_inferred_nulls(operation, response)
        return response

    @property
    def refusal_status(self) -> int:
        """The status of a refused valid request: the spec's 409, or under docs_only a plain 400 (no page names one)."""
        return 400 if DOCS_ONLY in self.faults else 409

    def refusal(self, rule: Rule, current: str) -> ApiError:
        refused = super().refusal(rule, current)
        refused.status = self.refusal_status
        return refused

    # -- state ------------------------------------------------------------------------------------

    def reset(self) -> None:
        self.tokens: dict[str, float] = {}  # access token -> expiry (double's clock)
        self.network_id = self.new_id("network")  # the API client's own network
        self.payment_profiles: dict[str, JSON] = {}
        self.payment_methods: dict[str, JSON] = {}
        self.subscriptions: dict[str, JSON] = {}
        self.invoices: dict[str, JSON] = {}
        self.drivers: dict[str, JSON] = {}
        self._cards: dict[str, Card] = {}  # payment method id -> its test card
        self._profile_methods: dict[str, list[str]] = {}  # payment profile id -> attached methods
        self._subscription_invoices: dict[str, list[str]] = {}
        self._invoice_subscription: dict[str, str] = {}

    # -- auth -------------------------------------------------------------------------------------

    def extra_routes(self) -> Sequence[tuple[str, str, str]]:
        return ((TOKEN_PATH, "POST", "issue_token"),)

    def unauthenticated_routes(self) -> frozenset[str]:
        return frozenset({"issue_token"})

    def handle(self, request: Request) -> Response:
        # The token endpoint is Auth0's, not the billing API's: none of the API's faults reach it.
        if request.method == "POST" and request.path.rstrip("/") == TOKEN_PATH:
            return self.issue_token(request)
        return super().handle(request)

    def issue_token(self, request: Request) -> Response:
        try:
            self._check_token_request(_token_fields(request))
        except _OAuthError as refused:
            return _json_response(refused.status, refused.body)
        token = secrets.token_urlsafe(32)
        with self._lock:
            self.tokens[token] = self.clock() + TOKEN_LIFETIME
        body = {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "scope": ""}
        return _json_response(200, body, {"Cache-Control": "no-store"})

    def _check_token_request(self, fields: Mapping[str, Any]) -> None:
        grant = fields.get("grant_type")
        if grant is None:
            raise _OAuthError(400, "invalid_request", "Missing required parameter: grant_type")
        if grant != "client_credentials":
            raise _OAuthError(400, "unsupported_grant_type", f"Unsupported grant type: {grant}")
        if (fields.get("client_id"), fields.get("client_secret")) != (
            self.credentials.get("LYNKWELL_CLIENT_ID"),
            self.credentials.get("LYNKWELL_CLIENT_SECRET"),
        ):
            raise _OAuthError(401, "access_denied", "Unauthorized")
        audience = fields.get("audience")
        if audience is None:
            raise _OAuthError(
                403, "access_denied", "No audience parameter was provided, and no default audience has been configured"
            )
        if audience != AUDIENCE:
            raise _OAuthError(403, "access_denied", f"Service not found: {audience}")

    def authenticate(self, request: Request) -> bool:
        scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        with self._lock:
            expires = self.tokens.get(token.strip())
        return expires is not None and self.clock() < expires

    def error_body(self, error: ApiError) -> JSON:
        return {"error": {"code": error.code, "message": error.message}}

    def invoices_in(self, body: Any) -> Iterator[JSON]:
        data = body.get("data") if isinstance(body, dict) else None
        candidates = data.get("items", []) if isinstance(data, dict) and "hasMore" in data else [data]
        for candidate in candidates:
            if isinstance(candidate, dict) and str(candidate.get("id", "")).startswith(self.id_prefixes["invoice"]):
                yield candidate

    # -- operations: invoices ---------------------------------------------------------------------

    def getInvoice(self, request: ApiRequest) -> ApiResponse:
        return _one(self.require(self.invoices, request.path_params["invoiceId"], "invoice", "invoiceId"))

    def listInvoices(self, request: ApiRequest) -> ApiResponse:
        return self._list(list(self.invoices.values()), request, "invoice")

    def retryInvoicePayment(self, request: ApiRequest) -> ApiResponse:
        invoice_id = request.path_params["invoiceId"]
        invoice = self.require(self.invoices, invoice_id, "invoice", "invoiceId")
        if request.body["invoiceId"] != invoice_id:
            # Both ids are documented (LW-RETRY-INVOICE-ID-IN-BODY); two different invoices cannot both be retried.
            raise ApiError(
                self.refusal_status,
                "invoice_mismatch",
                f"The body's invoiceId '{request.body['invoiceId']}' is not the invoice of the path, {invoice_id}.",
                "invoiceId",
            )
        self.guard("retryInvoicePayment", invoice["status"])
        self._attempt_payment(invoice)
        return _one(invoice)

    def refusal_message(self, action: str, rule: Rule, current: str) -> str:
        allowed = " or ".join(rule.allowed_from)
        return f"Payment can only be retried for {article(allowed)} {allowed} invoice; this one is {current}."

    # -- operations: payment profiles -------------------------------------------------------------

    def listPaymentProfiles(self, request: ApiRequest) -> ApiResponse:
        profiles = list(self.payment_profiles.values())
        if "driverId" in request.query:
            profiles = [p for p in profiles if p["driver"] == request.query["driverId"]]
        return self._list(profiles, request, "payment profile")

    def createPaymentProfile(self, request: ApiRequest) -> ApiResponse:
        return _one(self._create_profile(request.body["driver"], request.body.get("network")))

    def attachPaymentMethod(self, request: ApiRequest) -> ApiResponse:
        profile = self.require(
            self.payment_profiles, request.path_params["paymentProfileId"], "payment profile", "paymentProfileId"
        )
        return _one(self._attach(profile, request.body["paymentMethodId"]))

    def subscribePaymentProfile(self, request: ApiRequest) -> ApiResponse:
        profile = self.require(
            self.payment_profiles, request.path_params["paymentProfileId"], "payment profile", "paymentProfileId"
        )
        subscription, _ = self._subscribe(profile, request.body["priceId"])
        return _one(subscription)

    # -- operations: drivers (identity) -----------------------------------------------------------

    def listDrivers(self, request: ApiRequest) -> ApiResponse:
        drivers = list(self.drivers.values())
        if "email" in request.query:
            wanted = request.query["email"].lower()
            if not Draft202012Validator.FORMAT_CHECKER.conforms(wanted, "email"):
                raise ApiError(400, "parameter_invalid", "email must be an email address.", "email")
            drivers = [d for d in drivers if ((d["contactDetails"] or {}).get("email") or "").lower() == wanted]
        return self._list(drivers, request, "driver")

    def createDriver(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        stamp = _iso(self.now())
        contact = body.get("contactDetails") or {}
        address = body.get("physicalAddress") or {}
        driver: JSON = {
            "id": self.new_id("driver"),
            "network": self.network_id,
            "name": self._driver_name(body),
            "contactDetails": {name: contact.get(name) for name in ("phone", "email")},
            "physicalAddress": {name: address.get(name) for name in DRIVER_ADDRESS_FIELDS},
            "createdAt": stamp,
            "updatedAt": stamp,
        }
        self.drivers[driver["id"]] = driver
        return _one(driver)

    def _driver_name(self, body: JSON) -> Any:
        """The name as documented; under docs_only (no page requires one) what was sent, if anything."""
        if DOCS_ONLY in self.faults and not (
            isinstance(body.get("name"), dict) and {"first", "last"} <= set(body["name"])
        ):
            return copy.deepcopy(body.get("name"))
        return {"first": body["name"]["first"], "last": body["name"]["last"]}

    def archiveDriver(self, request: ApiRequest) -> ApiResponse:
        driver = self.require(self.drivers, request.path_params["driverId"], "driver", "driverId")
        if driver["name"] is not None:
            driver.update(name=None, contactDetails=None, physicalAddress=None, updatedAt=_iso(self.now()))
        return _one(driver)

    def attachSitePartner(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        if "tokenId" in body:
            raise _unknown_reference("token", body["tokenId"], "tokenId", self.refusal_status)
        driver = self.drivers.get(body["driverId"])
        if driver is None:
            raise _unknown_reference("driver", body["driverId"], "driverId", self.refusal_status)
        stamp = _iso(self.now())
        attachment = {
            "driverId": driver["id"],
            "sitePartnerId": body["sitePartnerId"],
            "networkId": driver["network"],
            "status": "ATTACHED",
            "createdAt": stamp,
            "updatedAt": stamp,
        }
        return _one(attachment)

    # -- operations: subscriptions ----------------------------------------------------------------

    def listSubscriptions(self, request: ApiRequest) -> ApiResponse:
        return self._list(list(self.subscriptions.values()), request, "subscription")

    # -- back office (Python only: no documented operation does these) ----------------------------

    def seed_demo_data(self) -> None:
        """Three drivers' payment profiles and their subscriptions, with invoices in every status:
        a Visa card pays all three offerings (and a renewal waits as a DRAFT), a profile without a
        payment method has an OPEN, an UNCOLLECTIBLE and a VOID invoice, and a declining card leaves
        an OPEN invoice with one failed attempt."""
        with self._lock:
            paying = self._create_profile(self.new_id("driver"), None)
            self._attach(paying, "pm_card_visa")
            subscriptions = [self._subscribe(paying, price)[0] for price in CATALOGUE]
            self.renew_subscription(subscriptions[0]["id"])
            unpaid = self._create_profile(self.new_id("driver"), None)
            self._subscribe(unpaid, "price_home_charging_monthly")
            _, uncollectible = self._subscribe(unpaid, "price_fleet_monthly")
            self.mark_uncollectible(uncollectible["id"])
            _, void = self._subscribe(unpaid, "price_network_access_annual")
            self.void_invoice(void["id"])
            declining = self._create_profile(self.new_id("driver"), None)
            self._attach(declining, "pm_card_chargeDeclined")
            self._subscribe(declining, "price_home_charging_monthly")

    def seed_invoices(self, n: int, *, status: str = "OPEN") -> list[str]:
        """Create `n` invoices in `status`, each from a new payment profile subscribed to the catalogue's
        offerings in turn; returns their ids, oldest first.

        OPEN: no payment method; PAID: a Visa card attached first; DRAFT: the first invoice is left
        unfinalized; UNCOLLECTIBLE / VOID: an OPEN invoice marked so afterwards.
        """
        if status not in self._lifecycle().states:
            raise ValueError(f"cannot seed invoices in status {status!r}")
        prices = list(CATALOGUE)
        created = []
        with self._lock:
            for index in range(n):
                profile = self._create_profile(self.new_id("driver"), None)
                if status == "PAID":
                    self._attach(profile, "pm_card_visa")
                _, invoice = self._subscribe(profile, prices[index % len(prices)], finalize=status != "DRAFT")
                if status == "UNCOLLECTIBLE":
                    self.mark_uncollectible(invoice["id"])
                elif status == "VOID":
                    self.void_invoice(invoice["id"])
                created.append(invoice["id"])
        return created

    def renew_subscription(self, subscription_id: str) -> str:
        """Start the subscription's next period: a DRAFT invoice for it (finalize it to collect)."""
        with self._lock:
            subscription = self.subscriptions[subscription_id]
            offering = CATALOGUE[subscription["priceId"]]
            start = _parse_iso(subscription["currentPeriodEnd"])
            invoice = self._draft_invoice(subscription, offering, start, _add_months(start, offering.months))
            self._touch(subscription, currentPeriodStart=invoice["periodStart"], currentPeriodEnd=invoice["periodEnd"])
            return str(invoice["id"])

    def finalize_invoice(self, invoice_id: str) -> None:
        """DRAFT -> OPEN, then automatic collection if the profile has a payment method."""
        with self._lock:
            invoice = self.invoices[invoice_id]
            self.guard_event("finalize", invoice["status"])
            invoice["status"] = "OPEN"
            invoice["pdfUrl"] = PDF_URL.format(invoice_id=quote(invoice_id))
            if self._profile_methods[invoice["paymentProfileId"]]:
                self._attempt_payment(invoice)
            else:
                self._sync_billing_status(invoice, paid=False)

    def mark_uncollectible(self, invoice_id: str) -> None:
        with self._lock:
            self.guard_event("markUncollectible", self.invoices[invoice_id]["status"])
            self.invoices[invoice_id]["status"] = "UNCOLLECTIBLE"

    def void_invoice(self, invoice_id: str) -> None:
        with self._lock:
            self.guard_event("void", self.invoices[invoice_id]["status"])
            self.invoices[invoice_id]["status"] = "VOID"

    # -- state changes ----------------------------------------------------------------------------

    def _create_profile(self, driver: str, network: str | None) -> JSON:
        profile = {"id": self.new_id("payment_profile"), "network": network or self.network_id, "driver": driver}
        self.payment_profiles[profile["id"]] = profile
        self._profile_methods[profile["id"]] = []
        return profile

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

    def _draft_invoice(self, subscription: JSON, offering: Offering, start: int, end: int) -> JSON:
        invoice_id = self.new_id("invoice")
        stamp = _iso(self.now())
        items = [
            {
                "id": self.new_id("subscription_item"),
                "network": subscription["network"],
                "total": amount,
                "currency": CURRENCY,
                "paymentProfileId": subscription["paymentProfileId"],
                "priceId": subscription["priceId"],
                "invoiceId": invoice_id,
                "subscriptionId": subscription["id"],
                "description": description,
                "createdAt": stamp,
                "updatedAt": stamp,
            }
            for description, amount in offering.components
        ]
        sub_total = sum(item["total"] for item in items)
        invoice = {
            "id": invoice_id,
            "paymentProfileId": subscription["paymentProfileId"],
            "network": subscription["network"],
            "pdfUrl": None,
            "status": "DRAFT",
            "totalPaymentAttempts": 0,
            "subTotal": sub_total,
            "taxTotal": (sub_total * offering.tax_basis_points + 5000) // 10000,  # half up
            "currency": CURRENCY,
            "invoiceItems": [],
            "subscriptionItems": items,
            "lastPaymentAttemptDate": None,
            "periodStart": _iso(start),
            "periodEnd": _iso(end),
            "createdAt": stamp,
        }
        self.invoices[invoice_id] = invoice
        self._subscription_invoices[subscription["id"]].append(invoice_id)
        self._invoice_subscription[invoice_id] = subscription["id"]
        return invoice

    def _attempt_payment(self, invoice: JSON) -> None:
        """Charge the profile's newest payment method; a profile without one counts as a failed attempt."""
        methods = self._profile_methods[invoice["paymentProfileId"]]
        paid = bool(methods) and not self._cards[methods[-1]].declines
        invoice["totalPaymentAttempts"] += 1
        invoice["lastPaymentAttemptDate"] = _iso(self.now())
        if paid:
            invoice["status"] = "PAID"
        self._sync_billing_status(invoice, paid=paid)

    def _sync_billing_status(self, invoice: JSON, *, paid: bool) -> None:
        """ACTIVE once paid; an unpaid first invoice leaves it INCOMPLETE, an unpaid renewal PAST_DUE."""
        subscription_id = self._invoice_subscription[invoice["id"]]
        subscription = self.subscriptions[subscription_id]
        first = self._subscription_invoices[subscription_id][0] == invoice["id"]
        status = "ACTIVE" if paid else ("INCOMPLETE" if first else "PAST_DUE")
        if subscription["billingStatus"] != status:
            self._touch(subscription, billingStatus=status)

    def _touch(self, subscription: JSON, **changes: Any) -> None:
        subscription.update(changes, lastUpdatedAt=_iso(self.now()))

    # -- lists ------------------------------------------------------------------------------------

    def _list(self, objects: list[JSON], request: ApiRequest, what: str) -> ApiResponse:
        newest_first = objects[::-1]
        after = request.query.get("startingAfter")
        if after is not None and all(item["id"] != after for item in newest_first):
            raise _unknown_reference(what, after, "startingAfter", self.refusal_status)
        limit = int(request.query.get("limit", DEFAULT_LIMIT))
        items, more = self.page(newest_first, limit=limit, after=after)
        return ApiResponse(200, {"data": {"hasMore": more, "items": copy.deepcopy(items)}})


# -- helpers ----------------------------------------------------------------------------------------


def _one(obj: JSON) -> ApiResponse:
    # A copy: response faults edit the body, never the stored object.
    return ApiResponse(200, {"data": copy.deepcopy(obj)})


def _unknown_reference(what: str, object_id: str, param: str, status: int = 409) -> ApiError:
    return ApiError(status, "resource_missing", f"No such {what}: '{object_id}' (given as {param}).", param)


def _token_fields(request: Request) -> Mapping[str, Any]:
    """The token request's parameters: a JSON object as documented, or a form as Auth0 also accepts."""
    if request.mimetype == "application/x-www-form-urlencoded":
        return request.form.to_dict()
    try:
        fields = json.loads(request.get_data() or b"null")
    except ValueError:
        raise _OAuthError(400, "invalid_request", "The request body is not valid JSON.") from None
    if not isinstance(fields, dict):
        raise _OAuthError(400, "invalid_request", "The request body must be a JSON object.")
    return fields


def _json_response(status: int, body: JSON, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=dict(headers or {}), content_type="application/json")


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_iso(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def _add_months(timestamp: int, months: int) -> int:
    """The same day and time `months` calendar months later, clamped to the month's last day."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


DOUBLE = LynkwellDouble
