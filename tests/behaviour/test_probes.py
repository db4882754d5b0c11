"""Each probe class caught on the operation it breaks, over real HTTP against a double with one behaviour
changed, with the kind and check it promises; the clean doubles give no behaviour finding at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from conformance.behaviour.declarations import declarations
from conformance.core.kinds import Basis, Severity
from conformance.providers import get_provider
from conformance.sandbox.double import ApiError, ApiRequest, ApiResponse
from conformance.workflows.runner import replay
from tests.behaviour.faulty import Handler, behaviour, probe, served, with_body, with_query, with_raw_body

SCENARIOS = ("behaviour_persistence", "behaviour_filters", "behaviour_pagination", "behaviour_constraints")


@pytest.mark.parametrize("provider", ["wooshpay", "useepay", "lynkwell"])
def test_the_clean_doubles_keep_every_promise_and_every_declared_promise_is_probed(provider: str) -> None:
    probed: set[str] = set()
    with served(provider) as running:
        for scenario in SCENARIOS:
            outcome = probe(running, scenario)
            assert outcome.completed, outcome.stopped
            assert outcome.findings == [], [(f.operation, f.check, f.message) for f in outcome.findings]
            probed |= outcome.probed
    declared = {p.key for p in declarations(get_provider(provider).spec).promises()}
    assert probed <= declared
    assert declared - probed == set()


def _stores_nothing(original: Handler) -> Handler:
    """An update that answers the new values but stores none of them."""

    def update(request: ApiRequest) -> ApiResponse:
        body = request.body or {}
        answer = original(with_body(request, {}))
        if isinstance(answer.body, dict):
            answer.body.update({k: v for k, v in body.items() if not isinstance(v, (dict, list))})
        return answer

    return update


def test_an_update_answered_but_not_stored_is_a_persistence_finding_on_the_update() -> None:
    with served("wooshpay", handlers={"updateCustomer": _stores_nothing}) as running:
        findings = probe(running, "behaviour_persistence").findings
    assert behaviour(findings) == {("updateCustomer", "invariant_violation", "behaviour.persistence")}
    names = {f.pointer for f in findings}
    assert "/name" in names
    assert "/metadata/tier" in names
    found = next(f for f in findings if f.pointer == "/name")
    # The promise's basis is the update page's (a captured page documents the operation): breaking.
    assert found.basis is Basis.DOCUMENTED
    assert found.severity is Severity.BREAKING
    assert "retrieveCustomer" in found.message
    assert [s["operation"] for s in found.evidence.steps][-1] == ("retrieveCustomer")


def _quantity_ignored(original: Handler) -> Handler:
    def update(request: ApiRequest) -> ApiResponse:
        body = dict(request.body or {})
        body["items"] = [{k: v for k, v in item.items() if k != "quantity"} for item in body.get("items", [])]
        return original(with_body(request, body))

    return update


def test_an_ignored_quantity_shows_in_the_next_read() -> None:
    with served("wooshpay", handlers={"updateSubscription": _quantity_ignored}) as running:
        findings = probe(running, "behaviour_persistence").findings
    assert behaviour(findings) == {("updateSubscription", "invariant_violation", "behaviour.persistence")}
    assert {f.pointer for f in findings} == {"/items/data/*/quantity"}  # array indices as *


def _nested_form_dropped(request: Request) -> Request:
    if request.mimetype != "application/x-www-form-urlencoded":
        return request
    return with_raw_body(request, lambda raw: b"&".join(p for p in raw.split(b"&") if not p.startswith(b"metadata%5B")))


def test_nested_form_fields_dropped_while_json_keeps_them_is_caught_in_the_form_encoding_only() -> None:
    with served("wooshpay", requests=_nested_form_dropped) as running:
        findings = probe(running, "behaviour_persistence").findings
    caught = {(f.operation, f.pointer) for f in findings if f.check == "behaviour.persistence"}
    assert ("createCustomer", "/metadata/probe") in caught
    assert all("form-encoded" in f.message for f in findings if f.check == "behaviour.persistence")


def _filter_ignored(parameter: str) -> Any:
    def change(request: Request) -> Request:
        if request.method != "GET":
            return request
        return with_query(request, lambda q: {k: v for k, v in q.items() if k != parameter})

    return change


@pytest.mark.parametrize(("provider", "parameter"), [("wooshpay", "customer"), ("useepay", "customer_id")])
def test_a_list_ignoring_its_documented_filter_is_a_filter_finding_on_the_list(provider: str, parameter: str) -> None:
    with served(provider, requests=_filter_ignored(parameter)) as running:
        findings = probe(running, "behaviour_filters").findings
    assert ("listInvoices", "invariant_violation", "behaviour.filter") in behaviour(findings)
    assert {f.check for f in findings} == {"behaviour.filter"}


def _one_based(request: Request) -> Request:
    """Page numbers read from 1: page 0 and page 1 are both the first page."""

    def shift(query: dict[str, str]) -> dict[str, str]:
        if "page_num" in query:
            query["page_num"] = str(max(int(query["page_num"]) - 1, 0))
        return query

    return with_query(request, shift) if request.path.endswith("/invoices") else request


def test_page_numbers_read_with_another_base_are_a_pagination_finding() -> None:
    with served("useepay", requests=_one_based) as running:
        findings = probe(running, "behaviour_pagination").findings
    assert behaviour(findings) == {("listInvoices", "invariant_violation", "behaviour.pagination")}


def _skips_one(original: Handler) -> Handler:
    """Every page after the first starts one object late: the object at each page boundary is never listed."""

    def listing(request: ApiRequest) -> ApiResponse:
        answer = original(request)
        if "starting_after" in request.query and isinstance(answer.body, dict) and answer.body["data"]:
            answer.body["data"] = answer.body["data"][1:]
        return answer

    return listing


def test_a_walk_that_skips_an_object_is_a_pagination_finding() -> None:
    with served("wooshpay", handlers={"listInvoices": _skips_one}) as running:
        findings = probe(running, "behaviour_pagination").findings
    assert behaviour(findings) == {("listInvoices", "invariant_violation", "behaviour.pagination")}


def _unbounded(request: Request) -> Request:
    def clamp(query: dict[str, str]) -> dict[str, str]:
        if query.get("limit", "").isdigit() and int(query["limit"]) > 100:
            query["limit"] = "100"  # what the double then sees: the size above the maximum is served
        return query

    return with_query(request, clamp)


def test_a_page_size_above_the_documented_maximum_accepted_is_negative_data_accepted() -> None:
    with served("wooshpay", requests=_unbounded) as running:
        findings = probe(running, "behaviour_pagination").findings
    assert behaviour(findings) == {
        (operation, "negative_data_accepted", "behaviour.pagination")
        for operation in ("listInvoices", "listProducts", "listSubscriptions")
    }


def _name_filled_in(request: Request) -> Request:
    import json

    if request.method != "POST" or not request.path.endswith("/v1/products") or request.mimetype != "application/json":
        return request

    def fill(raw: bytes) -> bytes:
        body = json.loads(raw)
        return json.dumps({"name": "filled in by the server", **body}).encode()

    return with_raw_body(request, fill)


def test_a_required_field_not_enforced_is_negative_data_accepted_with_its_basis() -> None:
    with served("wooshpay", requests=_name_filled_in) as running:
        findings = probe(running, "behaviour_constraints").findings
    assert behaviour(findings) == {("createProduct", "negative_data_accepted", "behaviour.constraint")}
    # createProduct's required list is printed by its page (no x-inferred): the finding rests on it.
    assert [(f.pointer, f.basis, f.severity) for f in findings] == [
        ("/body/name", Basis.DOCUMENTED, Severity.NON_BREAKING)
    ]


def test_a_recording_of_the_probes_replays_offline_and_is_re_judged(tmp_path: Path) -> None:
    cassette = tmp_path / "behaviour_persistence.yaml"
    with served("wooshpay", handlers={"updateCustomer": _stores_nothing}) as running:
        live = probe(running, "behaviour_persistence", cassette=cassette)
    workflows = get_provider("wooshpay").workflows()
    assert workflows is not None
    replayed = replay(workflows, workflows.scenario("behaviour_persistence"), cassette)
    assert replayed.completed
    assert replayed.unplayed == 0
    assert {f.fingerprint for f in replayed.findings} == {f.fingerprint for f in live.findings} != set()
    assert replayed.probed == live.probed


def _refuses_prices(original: Handler) -> Handler:
    def create(request: ApiRequest) -> ApiResponse:
        raise ApiError(400, "invalid_request", "Prices are not available on this account.")

    return create


def test_a_create_the_server_refuses_stops_only_the_probes_that_need_it() -> None:
    with served("wooshpay", handlers={"createPrice": _refuses_prices}) as running:
        outcome = probe(running, "behaviour_persistence")
    assert outcome.completed
    assert {(f.operation, str(f.kind)) for f in outcome.findings} == {("createPrice", "positive_data_rejected")}
    unprobed = {key.split(" ")[0] for key in _declared_keys("wooshpay", "persistence") - outcome.probed}
    # What needs a price (its own probe, its update, subscriptions and their items) is unprobed; the rest is not.
    assert unprobed == {
        "createPrice",
        "updatePrice",
        "createSubscription",
        "updateSubscription",
        "createSubscriptionItem",
    }


def _declared_keys(provider: str, kind: str) -> set[str]:
    return {p.key for p in declarations(get_provider(provider).spec).promises() if p.kind == kind}


def _no_forms(original: Handler) -> Handler:
    def create(request: ApiRequest) -> ApiResponse:
        if request.raw.mimetype == "application/x-www-form-urlencoded":
            raise ApiError(400, "invalid_request", "Send JSON.")
        return original(request)

    return create


def _crash_without_name(request: Request) -> Response | None:
    """A server that reads a product body without its name into a 500."""
    if request.method == "POST" and request.path.endswith("/v1/products") and b'"name"' not in request.get_data():
        return Response('{"error": {"type": "api_error", "message": "boom"}}', 500, mimetype="application/json")
    return None


def test_a_documented_encoding_refused_is_positive_data_rejected_and_json_alone_is_silent() -> None:
    with served("wooshpay", handlers={"createCustomer": _no_forms}) as running:
        findings = probe(running, "behaviour_persistence").findings
    # createCustomer form-encoded, and every write whose probe makes a customer first, in either encoding
    # (that make is a workflow step): only the form encoding of createCustomer is the encoding's finding.
    assert {(f.operation, str(f.kind), f.check) for f in findings if f.check == "behaviour.encoding"} == {
        ("createCustomer", "positive_data_rejected", "behaviour.encoding")
    }


def test_a_5xx_to_a_constraint_probe_is_a_server_error_and_the_refusal_is_silent() -> None:
    with served("wooshpay", answer=_crash_without_name) as running:
        findings = probe(running, "behaviour_constraints").findings
    assert [(f.operation, str(f.kind), f.check) for f in findings] == [
        ("createProduct", "server_error", "behaviour.constraint")
    ]
