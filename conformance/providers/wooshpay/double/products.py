"""WooshPay products (prod_): create, retrieve, update (metadata merged, `updated` set), list newest first.

Retrieve, update and list are issue 22's sidebar operations, specified from Stripe where no page was
captured (retrieveProduct is partly documented)."""

from __future__ import annotations

import copy

from conformance.providers.wooshpay.double.idempotency import idempotent
from conformance.providers.wooshpay.double.store import WooshPayStore, _merge_metadata, _one_cursor
from conformance.sandbox.double import JSON, ApiRequest, ApiResponse


class Products(WooshPayStore):
    @idempotent
    def createProduct(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        if "name" not in body and self.breaks("required_not_enforced", request.operation.operation_id):
            body = {**body, "name": ""}  # what a server that skips the check stores for a missing string
        product = self._store(self.products, self._product_object(body))
        return ApiResponse(200, copy.deepcopy(product))

    def retrieveProduct(self, request: ApiRequest) -> ApiResponse:
        product = self.require(self.products, request.path_params["id"], "product")
        return ApiResponse(200, copy.deepcopy(product))

    @idempotent
    def updateProduct(self, request: ApiRequest) -> ApiResponse:
        product = self.require(self.products, request.path_params["id"], "product")
        before = copy.deepcopy(product)
        body = request.body or {}
        for name in ("name", "active", "description", "url"):
            if name in body:
                product[name] = body[name]
        if "images" in body:
            product["images"] = list(body["images"])
        _merge_metadata(product, body)
        product["updated"] = self.now()
        answer = copy.deepcopy(product)
        self.unless_persisted(request, product, before)
        return ApiResponse(200, answer)

    def listProducts(self, request: ApiRequest) -> ApiResponse:
        query = request.query
        _one_cursor(query)
        found = list(reversed(self.products.values()))  # newest first
        return self._list_page(found, query, "/v1/products", copy.deepcopy)

    def _product_object(self, body: JSON) -> JSON:
        created = self.now()
        return {
            "id": self.new_id("product"),
            "object": "product",
            "active": body.get("active", True),
            "created": created,
            "description": body.get("description"),
            # WooshPay's Checkout guide shows "images": null for a product created without images.
            "images": list(body["images"]) if "images" in body else None,
            "livemode": self._livemode(),
            "metadata": dict(body.get("metadata") or {}),
            "name": body["name"],
            "updated": created,
            "url": body.get("url"),
        }
