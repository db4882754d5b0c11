"""Lynkwell drivers (drv_, identity): create, list (by email), archive (PII removed), attach a site partner."""

from __future__ import annotations

import copy
from typing import Any

from jsonschema import Draft202012Validator

from conformance.providers.lynkwell.double.store import LynkwellStore, _iso, _one, _unknown_reference
from conformance.sandbox.double import DOCS_ONLY, JSON, ApiError, ApiRequest, ApiResponse

DRIVER_ADDRESS_FIELDS = ("streetNumber", "streetName", "streetDetails", "city", "state", "postalCode", "countryCode")


class Drivers(LynkwellStore):
    def listDrivers(self, request: ApiRequest) -> ApiResponse:
        drivers = list(self.drivers.values())
        if "email" in request.query:
            wanted = request.query["email"].lower()
            if not Draft202012Validator.FORMAT_CHECKER.conforms(wanted, "email"):
                raise ApiError(400, "parameter_invalid", "email must be an email address.", "email")
            if not self.breaks("filter_ignored", request.operation.operation_id):
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
