"""Form-encoded request bodies as Stripe-style APIs read them (`metadata[key]=v`, `items[0][price]=v`).

schemathesis hands a form body to requests as a mapping, which flattens nothing: a nested object or a
list of objects would reach the server garbled and a valid request would be refused. WooshPay documents
form bodies the way Stripe reads them, so the engine encodes them that way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from schemathesis.transport import SerializationContext
from schemathesis.transport.requests import REQUESTS_TRANSPORT

from conformance.core.form import encode

FORM = "application/x-www-form-urlencoded"


def _serialize(ctx: SerializationContext, value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return {"data": encode(dict(value)), "headers": {"Content-Type": FORM}}
    if value is None or isinstance(value, str | bytes):
        return {"data": value}
    # Out-of-spec bodies (a top-level array, a number) go out as their JSON text, as schemathesis does.
    return {"data": json.dumps(value).encode("utf-8")}


def install() -> None:
    """Register the bracket encoding for form bodies (idempotent)."""
    REQUESTS_TRANSPORT.serializer(FORM)(_serialize)
