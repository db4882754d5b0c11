"""UseePay customers (cus_): create, retrieve, update, list."""

from __future__ import annotations

import copy

from conformance.providers.useepay.double.store import UseePayStore
from conformance.sandbox.double import JSON, ApiRequest, ApiResponse

CUSTOMER_FIELDS = (
    "merchant_customer_id",
    "name",
    "email",
    "phone",
    "first_name",
    "last_name",
    "description",
    "address",
    "metadata",
    "shipping",
)
ADDRESS_FIELDS = ("country", "city", "postcode", "state", "line1", "line2")


class Customers(UseePayStore):
    def createCustomer(self, request: ApiRequest) -> ApiResponse:
        return ApiResponse(200, copy.deepcopy(self._create_customer(request.body)))

    def retrieveCustomer(self, request: ApiRequest) -> ApiResponse:
        customer = self.require(self.customers, request.path_params["id"], "customer")
        return ApiResponse(200, copy.deepcopy(customer))

    def updateCustomer(self, request: ApiRequest) -> ApiResponse:
        customer = self.require(self.customers, request.path_params["id"], "customer")
        fields = {name: request.body[name] for name in CUSTOMER_FIELDS if name in request.body}
        if fields.get("address") is not None:
            fields["address"] = _address(fields["address"])
        before = copy.deepcopy(customer)
        customer.update(fields, modify_at=self.timestamp())
        answer = copy.deepcopy(customer)
        self.unless_persisted(request, customer, before)
        return ApiResponse(200, answer)

    def listCustomers(self, request: ApiRequest) -> ApiResponse:
        return ApiResponse(200, self._numbered_page(list(self.customers.values()), request))

    def _create_customer(self, body: JSON) -> JSON:
        stamp = self.timestamp()
        fields = {name: body.get(name) for name in CUSTOMER_FIELDS}
        if fields["address"] is not None:
            fields["address"] = _address(fields["address"])
        customer: JSON = {
            "id": self.new_id("customer"),
            **fields,
            "merchant_no": self.credentials["USEEPAY_MERCHANT_NO"],
            "app_id": self.credentials["USEEPAY_APP_ID"],
            "create_at": stamp,
            "modify_at": stamp,
        }
        self.customers[customer["id"]] = customer
        return customer


def _address(given: JSON) -> JSON:
    # The request schema leaves Address open; the object keeps only the documented parts.
    return {k: v for k, v in given.items() if k in ADDRESS_FIELDS}
