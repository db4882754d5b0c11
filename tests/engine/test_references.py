"""References are real (issue 24, point 3), over real HTTP against the UseePay double behind a server that
refuses, with a 422 (a status UseePay's pages do not allow for a refusal, so that only the judgement of
references can excuse it), a customer it does not know: the suite fills a field that names a
customer with one the run created, never a made-up one once a real one exists; the refusal of a customer
the suite made up is a refusal; the refusal of a real one is still a valid request rejected."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from werkzeug.wrappers import Request

from conformance.checks.references import Place, References
from conformance.providers import get_provider
from conformance.targets.double_server import RunningDouble
from tests.engine.conftest import run_cli
from tests.workflows.proxies import in_front

# Operations whose customer_id names a customer: by a link (createInvoice, listInvoices) or by x-refers-to.
CONSUMERS = {"/api/v1/invoices/create", "/api/v1/invoices", "/api/v1/subscriptions/create"}
OPERATIONS = ["createCustomer", "createInvoice", "listInvoices", "createSubscription"]


def _customer_ids(request: Request) -> list[Any]:
    found: list[Any] = parse_qs(request.query_string.decode()).get("customer_id", [])
    try:
        body = json.loads(request.get_data() or b"null")
    except ValueError:
        body = None
    if isinstance(body, dict) and "customer_id" in body:
        found.append(body["customer_id"])
    return found


Sent = list[tuple[Any, bool]]  # (customer_id, whether the double held a customer then)


def _refusing(holder: dict[str, RunningDouble], sent: Sent, refuse_real: bool) -> Callable[[Request], str | None]:
    def refuse(request: Request) -> str | None:
        if request.path not in CONSUMERS:
            return None
        customers = holder["double"].double.customers
        for value in _customer_ids(request):
            if not isinstance(value, str):
                continue
            sent.append((value, bool(customers)))
            real = value in customers
            if real == refuse_real:
                return f"No such customer: {value}" if not real else f"Customer {value} cannot be used"
        return None

    return refuse


def _run(tmp_path: Path, refuse_real: bool, *extra: str) -> tuple[list[dict[str, Any]], Sent, set[str]]:
    """A narrowed live run (`extra` options added); its findings, the customer ids it sent, and the customers
    the double ended with (every one created by the run: the double starts empty)."""
    sent: Sent = []
    holder: dict[str, RunningDouble] = {}
    with in_front("useepay", refuse=_refusing(holder, sent, refuse_real), refuse_status=422) as double:
        holder["double"] = double
        args = ["run", "--provider", "useepay", "--base-url", f"useepay={double.base_url}", "--no-audit"]
        args += ["--no-workflows", "--max-examples", "5", "--report-dir", str(tmp_path / "live"), *extra]
        args += ["--cassette-dir", str(tmp_path / "cassettes")]
        for operation in OPERATIONS:
            args += ["--include-operation-id", operation]
        result, document = run_cli(args, env=dict(double.credentials))
        created = set(double.double.customers)
    assert document is not None, result.output
    return document["findings"], sent, created


def test_a_made_up_reference_is_never_sent_where_a_created_one_exists_and_its_refusal_is_silent(
    tmp_path: Path,
) -> None:
    findings, sent, created = _run(tmp_path, False, "--target", "record")
    assert any(existed for _, existed in sent), "no request named a customer after one was created"
    made_up = [value for value, existed in sent if existed and value not in created]
    assert made_up == []
    # Before the first customer existed, made-up ones went out and were refused: no finding for them.
    assert any(not existed for _, existed in sent)
    assert [f for f in findings if f["kind"] == "positive_data_rejected"] == []
    # The default replay re-judges the recording the same way.
    replay = ["run", "--provider", "useepay", "--no-audit", "--no-workflows"]
    replay += ["--cassette-dir", str(tmp_path / "cassettes"), "--report-dir", str(tmp_path / "replay")]
    result, replayed = run_cli(replay)
    assert replayed is not None, result.output
    assert [f for f in replayed["findings"] if f["kind"] == "positive_data_rejected"] == []


def test_a_refusal_of_a_created_reference_still_fires(tmp_path: Path) -> None:
    findings, sent, _ = _run(tmp_path, True)
    assert any(existed for _, existed in sent)
    rejected = {(f["operation"], f["severity"]) for f in findings if f["kind"] == "positive_data_rejected"}
    assert ("createInvoice", "breaking") in rejected


def test_links_and_declarations_name_the_reference_places() -> None:
    references = References.of(get_provider("useepay").spec)
    assert {place for place in references.places["createInvoice"]} == {
        Place("body", "/customer_id"),
        Place("body", "/subscription_id"),
    }
    assert Place("query", "customer_id") in references.places["listMandates"]  # declared: no link reaches it
    references.observe("createCustomer", 200, {"id": "cus_real"})
    references.observe("createCustomer", 400, {"id": "cus_refused"})
    query, body = references.fill("createInvoice", {}, {"customer_id": "cus_1JA7UDDQG3800", "total_amount": 1})
    assert body == {"customer_id": "cus_real", "total_amount": 1}
    _, mutated = references.fill("createInvoice", {}, {"customer_id": 5})
    assert mutated == {"customer_id": 5}  # another type is a negative case's mutation: it stays
    lynkwell = References.of(get_provider("lynkwell").spec)
    lynkwell.observe("listInvoices", 200, {"data": {"items": [{"id": "inv_a"}, {"id": "inv_b"}], "hasMore": True}})
    query, _ = lynkwell.fill("listInvoices", {"startingAfter": "random", "limit": "2"}, None)
    assert query == {"startingAfter": "inv_b", "limit": "2"}
