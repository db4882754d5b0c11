"""WooshPay customers (cus_): create, retrieve, update; each numbers its own invoices."""

from __future__ import annotations

import copy
import string

from conformance.providers.wooshpay.double.idempotency import idempotent
from conformance.providers.wooshpay.double.store import WooshPayStore, _merge_metadata
from conformance.sandbox.double import JSON, ApiRequest, ApiResponse

ADDRESS_FIELDS = ("city", "country", "line1", "line2", "postal_code", "state")


class Customers(WooshPayStore):
    @idempotent
    def createCustomer(self, request: ApiRequest) -> ApiResponse:
        customer = self._store(self.customers, self._customer_object(request.body or {}))
        return ApiResponse(200, copy.deepcopy(customer))

    def retrieveCustomer(self, request: ApiRequest) -> ApiResponse:
        customer = self.require(self.customers, request.path_params["id"], "customer")
        return ApiResponse(200, copy.deepcopy(customer))

    @idempotent
    def updateCustomer(self, request: ApiRequest) -> ApiResponse:
        customer = self.require(self.customers, request.path_params["id"], "customer")
        before = copy.deepcopy(customer)
        body = request.body or {}
        for name in ("description", "email", "name", "phone", "payment_method"):
            if name in body:
                customer[name] = body[name]
        if "address" in body:
            customer["address"] = _address(body["address"])
        if "shipping" in body:
            customer["shipping"] = _shipping(body["shipping"])
        _merge_metadata(customer, body)
        answer = copy.deepcopy(customer)
        self.unless_persisted(request, customer, before)
        return ApiResponse(200, answer)

    def _customer_object(self, body: JSON) -> JSON:
        alphabet = string.ascii_uppercase + string.digits
        return {
            "id": self.new_id("customer"),
            "object": "customer",
            "address": _address(body.get("address")),
            "balance": 0,
            "created": self.now(),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": body.get("description"),
            "discount": None,
            "email": body.get("email"),
            # Stripe numbers a customer's invoices <invoice_prefix>-0001, -0002, ...
            "invoice_prefix": "".join(self._random.choice(alphabet) for _ in range(8)),
            "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None},
            "livemode": self._livemode(),
            "metadata": dict(body.get("metadata") or {}),
            "name": body.get("name"),
            "next_invoice_sequence": 1,
            "phone": body.get("phone"),
            "preferred_locales": [],
            "shipping": _shipping(body.get("shipping")),
            "tax_exempt": "none",
            "test_clock": None,
            "payment_method": body.get("payment_method"),
        }


def _address(given: JSON | None) -> JSON | None:
    if given is None:
        return None
    return {name: given.get(name) for name in ADDRESS_FIELDS}


def _shipping(given: JSON | None) -> JSON | None:
    if given is None:
        return None
    return {"address": _address(given["address"]), "name": given["name"], "phone": given.get("phone")}
