"""A scenario that cannot go on is not a vendor defect (issue 22, point 6), over real HTTP: a value the
scenario would follow that comes back null where the spec allows null stops the scenario with the
reason, shown as not judged in the reports, and is no finding; a null where the spec does not allow
it is still breaking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request

from conformance.findings.model import Source
from conformance.providers import get_provider
from conformance.workflows.runner import Target, run_live
from tests.workflows.proxies import in_front, json_rewrite, run_through


def _null_at(method: str, path: str, field: str) -> Any:
    def change(request: Request, body: Any) -> Any:
        if request.method == method and request.path == path and isinstance(body, dict) and field in body:
            body[field] = None
        return body

    return json_rewrite(change)


def test_a_documented_null_the_scenario_would_follow_stops_it_as_not_judged(tmp_path: Path) -> None:
    with in_front("useepay", answers=_null_at("POST", "/api/v1/subscriptions/create", "first_invoice_id")) as double:
        findings = run_through(double, tmp_path, "listMandates")
    assert [f for f in findings if f["check"] == "workflow.needed_value"] == []
    assert [f for f in findings if f["severity"] == "breaking"] == []
    document = (tmp_path / "reports" / "findings.json").read_text()
    [stopped] = json.loads(document)["lifecycle"]["useepay"]["not_judged"]
    assert stopped["scenario"] == "subscription_invoices"
    assert "createSubscription answered /first_invoice_id null, which its documentation allows" in stopped["reason"]
    assert "not judged" in stopped["reason"]
    vendor = (tmp_path / "reports" / "useepay.md").read_text()
    assert "Not judged" in vendor
    assert "`subscription_invoices`" in vendor
    html = (tmp_path / "reports" / "report.html").read_text()
    assert 'data-scenario="subscription_invoices"' in html


def test_wooshpay_subscription_without_a_latest_invoice_is_not_judged() -> None:
    answers = _null_at("POST", "/v1/subscriptions", "latest_invoice")
    with in_front("wooshpay", answers=answers) as double:
        workflows = get_provider("wooshpay").workflows()
        assert workflows is not None
        target = Target(double.provider, double.base_url, double.credentials, Source.LIVE)
        outcome = run_live(workflows, workflows.scenario("subscription_invoices"), target)
    assert outcome.not_judged is not None
    assert "/latest_invoice null" in outcome.not_judged
    assert outcome.stopped == outcome.not_judged
    assert not outcome.completed
    assert [f for f in outcome.findings if f.check == "workflow.needed_value"] == []
    assert [(f.operation, f.check) for f in outcome.findings if f.severity.value == "breaking"] == []


def test_a_null_the_spec_does_not_allow_still_fires_and_is_judged() -> None:
    with in_front("useepay", answers=_null_at("POST", "/api/v1/customers/create", "id")) as double:
        workflows = get_provider("useepay").workflows()
        assert workflows is not None
        target = Target(double.provider, double.base_url, double.credentials, Source.LIVE)
        outcome = run_live(workflows, workflows.scenario("subscription_invoices"), target)
    assert outcome.not_judged is None
    assert outcome.stopped is not None
    breaking = {(f.operation, f.pointer, f.severity.value) for f in outcome.findings}
    assert ("createCustomer", "/id", "breaking") in breaking
