"""Documented response headers, statuses and content types, judged from the spec alone."""

from __future__ import annotations

import copy

import pytest

from conformance.providers import get_provider
from conformance.replay import http_checks
from conformance.spec.specs import Spec


@pytest.fixture(scope="module")
def spec() -> Spec:
    shipped = get_provider("lynkwell").spec
    document = copy.deepcopy(shipped.document)
    ok = document["paths"]["/billing/v1/invoices/{invoiceId}"]["get"]["responses"]["200"]
    ok["headers"] = {
        "X-Request-Id": {"required": True, "schema": {"type": "string", "minLength": 8}},
        "X-RateLimit-Remaining": {"schema": {"type": "integer", "minimum": 0}},
    }
    return Spec(provider="lynkwell", path=shipped.path, document=document)


@pytest.mark.parametrize(
    ("headers", "fires"),
    [
        ({"X-Request-Id": ["req_12345678"]}, False),
        ({"x-request-id": ["req_12345678"], "X-RateLimit-Remaining": ["17"]}, False),
        ({}, True),
        ({"X-Request-Id": ["short"]}, True),
        ({"X-Request-Id": ["req_12345678"], "X-RateLimit-Remaining": ["-1"]}, True),
        ({"X-Request-Id": ["req_12345678"], "X-RateLimit-Remaining": ["many"]}, True),
    ],
)
def test_documented_headers(spec: Spec, headers: dict[str, list[str]], fires: bool) -> None:
    operation = spec.operations["getInvoice"]
    assert (http_checks.header_failure(spec, operation, 200, headers) is not None) is fires
    # Statuses that document no headers are never judged on them.
    assert http_checks.header_failure(spec, operation, 404, {}) is None


def test_status_and_content_type(spec: Spec) -> None:
    operation = spec.operations["getInvoice"]
    assert http_checks.status_failure(spec, operation, 200) is None
    assert http_checks.status_failure(spec, operation, 418) is not None
    assert http_checks.content_type_failure(spec, operation, 200, "application/json; charset=utf-8") is None
    assert http_checks.content_type_failure(spec, operation, 200, "text/html") is not None
    assert http_checks.content_type_failure(spec, operation, 200, None) is not None
