"""Negative cases are judged by the request actually sent (issue #10, item 2).

schemathesis negates the `required` of the credential headers; the provider's auth puts them back,
so the server gets a valid request and rightly accepts it. Measured: 5 false negative_data_accepted
on the clean UseePay double (tests/engine/test_against_doubles.py now asserts no finding at all on
every clean double).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.checks.request_conformance import wire_constraints
from conformance.providers import get_provider
from conformance.sandbox import double as double_module
from conformance.targets.double_server import running_double
from tests.engine.conftest import FAST, run_cli

HEADERS = {"x-merchant-no": "500000000000001", "x-api-key": "k", "x-app-id": "a", "Content-Type": "application/json"}
BASE = "http://127.0.0.1:9"


def _run(provider: str, tmp_path: Path) -> list[dict]:  # type: ignore[type-arg]
    with running_double(provider, seed=7, demo_data=True) as double:
        args = ["run", "--provider", provider, "--base-url", f"{provider}={double.base_url}", *FAST, "--no-workflows"]
        # A query (the invoice list) and a JSON body (a customer): the two ways invalid input is sent.
        args += ["--include-operation-id", "listInvoices", "--include-operation-id", "createCustomer"]
        result, document = run_cli([*args, "--report-dir", str(tmp_path)], env=dict(double.credentials))
    assert document is not None, result.output
    return [f for f in document["findings"] if f["kind"] == "negative_data_accepted"]


def test_a_server_accepting_invalid_requests_is_still_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The double stops validating bodies and parameters: invalid input now gets a 2xx.
    monkeypatch.setattr(double_module, "violations", lambda validator, body: [])
    monkeypatch.setattr(double_module.ProviderDouble, "_check", lambda self, schema, value, name: None)
    found = _run("useepay", tmp_path)
    assert found, "invalid input accepted by the server must be reported"
    spec = get_provider("useepay").spec
    for finding in found:
        # Identified by the constraint broken: where in the request (pointer) and which keyword (check).
        assert finding["check"].startswith("request.")
        assert finding["pointer"].startswith(("/body", "/query", "/path", "/header"))
        operation = spec.operations[finding["operation"]]
        assert operation.method == finding["method"]


def test_wire_constraints_of_a_valid_and_an_invalid_request() -> None:
    spec = get_provider("useepay").spec
    create = spec.operations["createCustomer"]
    url = BASE + create.path

    def broken(url: str, headers: dict[str, str], body: bytes | None) -> list[tuple[str, str]] | None:
        found = wire_constraints(spec, create if "customers" in url else listing, url, headers, body)
        return None if found is None else [(c.pointer, c.keyword) for c in found]

    listing = spec.operations["listInvoices"]
    assert broken(url, HEADERS, b'{"merchant_customer_id": "c1"}') == []
    without_key = {k: v for k, v in HEADERS.items() if k != "x-api-key"}
    assert broken(url, without_key, b'{"merchant_customer_id": "c1"}') == [("/header", "security")]
    assert sorted(broken(url, HEADERS, b'{"email": 7}') or []) == [
        ("/body/email", "type"),
        ("/body/merchant_customer_id", "required"),
    ]
    assert broken(url, HEADERS, b"not json") == [("/body", "json")]
    assert broken(BASE + listing.path + "?page_size=10", HEADERS, None) == []
    assert broken(BASE + listing.path + "?page_size=abc", HEADERS, None) == [("/query/page_size", "type")]
