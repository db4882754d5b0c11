"""WooshPay prices (price_) of a product: create (for a product or with product_data), retrieve, update;
one-time or recurring, unique lookup keys, and the amount limit every amount is held to."""

from __future__ import annotations

import copy
from collections.abc import Callable

from conformance.providers.wooshpay.double.idempotency import idempotent
from conformance.providers.wooshpay.double.products import Products
from conformance.providers.wooshpay.double.store import _currency, _merge_metadata
from conformance.sandbox.double import JSON, ApiError, ApiRequest, ApiResponse

MAX_AMOUNT = 99_999_999  # Stripe's limit behind the documented amount_too_large code


class Prices(Products):
    @idempotent
    def createPrice(self, request: ApiRequest) -> ApiResponse:
        body = request.body
        product_id = self._price_product(body)
        if body.get("billing_scheme") == "tiered":
            # Stripe needs tiers for a tiered price; WooshPay marks tiers "not implemented".
            raise ApiError(400, "parameter_missing", "Tiered prices need tiers, which are not supported.", "tiers")
        if body["unit_amount"] < 0:
            raise ApiError(400, "parameter_invalid", "unit_amount must be greater than or equal to 0.", "unit_amount")
        self._check_amount(body["unit_amount"], "unit_amount")
        self._check_lookup_key(body.get("lookup_key"))
        if product_id is None:
            product_id = self._store(self.products, self._product_object(body["product_data"]))["id"]
        price = self._store(self.prices, self._price_object(body, product_id))
        return ApiResponse(200, copy.deepcopy(price))

    def retrievePrice(self, request: ApiRequest) -> ApiResponse:
        price = self.require(self.prices, request.path_params["id"], "price")
        return ApiResponse(200, copy.deepcopy(price))

    @idempotent
    def updatePrice(self, request: ApiRequest) -> ApiResponse:
        price = self.require(self.prices, request.path_params["id"], "price")
        before = copy.deepcopy(price)
        body = request.body or {}
        if "lookup_key" in body:
            self._check_lookup_key(body["lookup_key"], price["id"])
        for name in ("active", "nickname", "lookup_key"):
            if name in body:
                price[name] = body[name]
        _merge_metadata(price, body)
        answer = copy.deepcopy(price)
        self.unless_persisted(request, price, before)
        return ApiResponse(200, answer)

    def _price_object(self, body: JSON, product_id: str) -> JSON:
        recurring = body.get("recurring")
        return {
            "id": self.new_id("price"),
            "object": "price",
            "active": body.get("active", True),
            "billing_scheme": body.get("billing_scheme", "per_unit"),
            "created": self.now(),
            "currency": _currency(body["currency"]),
            "livemode": self._livemode(),
            "lookup_key": body.get("lookup_key"),
            "metadata": dict(body.get("metadata") or {}),
            "nickname": body.get("nickname"),
            "product": product_id,
            "type": "recurring" if recurring else "one_time",
            "unit_amount": body["unit_amount"],
            "recurring": None
            if recurring is None
            else {
                "interval": recurring["interval"],
                "interval_count": recurring.get("interval_count", 1),
                "usage_type": recurring.get("usage_type", "licensed"),
            },
        }

    def _price_product(self, body: JSON) -> str | None:
        """The existing product a new price is for, or None when product_data creates one."""
        if "product" in body and "product_data" in body:
            raise ApiError(
                400,
                "parameter_invalid",
                "You may only specify one of these parameters: product, product_data.",
                "product",
            )
        if "product" in body:
            product_id: str = self._require_ref(self.products, body["product"], "product", "product")["id"]
            return product_id
        return None

    def _check_lookup_key(self, lookup_key: str | None, own_id: str | None = None) -> None:
        if lookup_key is None:
            return
        for price in self.prices.values():
            if price["lookup_key"] == lookup_key and price["id"] != own_id:
                raise ApiError(
                    400, "parameter_invalid", f"A price ({price['id']}) already uses that lookup key.", "lookup_key"
                )

    def _usable_price(self, fields: JSON, param: Callable[[str], str]) -> JSON:
        for conflicting in ("amount", "unit_amount"):
            if conflicting in fields:
                raise ApiError(
                    400,
                    "parameter_invalid",
                    f"You may only specify one of these parameters: price, {conflicting}.",
                    param(conflicting),
                )
        price = self._require_ref(self.prices, fields["price"], "price", param("price"))
        if price["type"] != "one_time":
            raise ApiError(
                400, "parameter_invalid", "This field only accepts prices with type=one_time.", param("price")
            )
        if not price["active"]:
            raise ApiError(400, "parameter_invalid", "This field only accepts active prices.", param("price"))
        return copy.deepcopy(price)

    def _check_amount(self, amount: int, param: str) -> None:
        if abs(amount) > MAX_AMOUNT:
            raise ApiError(
                400, "amount_too_large", f"Amounts can be at most {MAX_AMOUNT} in the currency's minor unit.", param
            )
