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
delete operation; the behaviour faults only on the operations fault_operations names). FaultTargets: ``periodEnd`` removed, ``totalPaymentAttempts`` retyped, ``taxTotal``
renamed ``totalTax``, ``amountDue`` added, status ``PAYMENT_FAILED``, ``currency`` null, ``subTotal``
off by one, and ``subscribePaymentProfile`` (the operation that creates invoices) answering 500.

Variant ``docs_only`` (issue 24): follows the pages and nothing more. A request body is held only to what
the pages state (a constraint only the spec infers, such as a driver's required ``name``, is not enforced),
what is accepted is stored and echoed as sent, and a refused valid request (unknown reference, a retry the
invoice's state forbids) answers 400 in the error shape: no page names a refusal status.

Layout: one module per resource, all reading and writing one store (store.py: the state, the refusal
status, lists, timestamps; catalogue.py: the fixed prices and test cards). tokens.py (the OAuth2 token
endpoint and Bearer check), drivers.py, payment_profiles.py, payment_methods.py, invoices.py (and the
back-office steps of their lifecycle) and subscriptions.py each hold that resource's handlers, one method
per operationId; this module composes them into LynkwellDouble with what is about the provider rather than
a resource (the error object, the docs_only variant, demo and test data). The resource classes are mixins
of the one double, not handler objects registered on it, so routing (the method named by the operationId),
faults (guard(), page()) and variants (`self.faults`) stay the framework's, as for a double of one class.
Subscriptions extends Invoices (a subscription drafts them), so every call across resources is one mypy
checks; the others need only the store.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from conformance.providers.lynkwell.double.catalogue import CATALOGUE, TEST_CARDS, Card, Offering
from conformance.providers.lynkwell.double.drivers import Drivers
from conformance.providers.lynkwell.double.payment_methods import PaymentMethods
from conformance.providers.lynkwell.double.payment_profiles import PaymentProfiles
from conformance.providers.lynkwell.double.subscriptions import Subscriptions
from conformance.providers.lynkwell.double.tokens import TOKEN_LIFETIME, TOKEN_PATH, Tokens
from conformance.sandbox.double import DOCS_ONLY, JSON, ApiError, FaultTargets


class LynkwellDouble(Tokens, Drivers, PaymentProfiles, PaymentMethods, Subscriptions):
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
    # The behaviour faults (issue 26) and the operations whose documented behaviour each breaks.
    fault_operations: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "filter_ignored": ("listPaymentProfiles", "listDrivers"),
    }

    variants: ClassVar[Mapping[str, str]] = {
        DOCS_ONLY: "Follows the pages and nothing more: constraints only the spec infers are not enforced, what is "
        "accepted is stored and echoed as sent, and refusals are a 400 in the error shape (no page names a status).",
    }

    def error_body(self, error: ApiError) -> JSON:
        return {"error": {"code": error.code, "message": error.message}}

    def invoices_in(self, body: Any) -> Iterator[JSON]:
        data = body.get("data") if isinstance(body, dict) else None
        candidates = data.get("items", []) if isinstance(data, dict) and "hasMore" in data else [data]
        for candidate in candidates:
            if isinstance(candidate, dict) and str(candidate.get("id", "")).startswith(self.id_prefixes["invoice"]):
                yield candidate

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


DOUBLE = LynkwellDouble

__all__ = [
    "CATALOGUE",
    "DOCS_ONLY",
    "DOUBLE",
    "TEST_CARDS",
    "TOKEN_LIFETIME",
    "TOKEN_PATH",
    "Card",
    "LynkwellDouble",
    "Offering",
]
