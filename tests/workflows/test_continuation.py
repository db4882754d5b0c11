"""A deviation does not hide the next one (issue #10, items 6 and 7), over real HTTP against the WooshPay double.

A step answering an undocumented status with a usable body is a finding and the scenario goes on;
a step that leaves nothing to go on with stops it, saying which steps were not reached. A 2xx
labelled JSON whose body is not JSON is a breaking finding, in workflows as in the engine. The silent
twins are tests/workflows/test_scenarios.py (every scenario on a clean double: completed, no finding)
and tests/engine/test_against_doubles.py (no finding at all on a clean double).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from werkzeug.wrappers import Request, Response

from conformance.engine.runner import EngineRun
from conformance.engine.settings import Settings
from conformance.findings.model import Source
from conformance.providers import get_provider
from conformance.targets.double_server import RunningDouble, running_double
from conformance.workflows import RECORDING_SEED
from conformance.workflows.runner import ScenarioOutcome, Target, run_live

Rewrite = Callable[[Request, Response], Response]


@contextmanager
def rewriting(rewrite: Rewrite) -> Iterator[RunningDouble]:
    """The WooshPay double, each answer passed through `rewrite` (the server misbehaving, not our client)."""
    with running_double("wooshpay", seed=RECORDING_SEED, demo_data=True) as double:
        handle = double.double.handle
        double.double.handle = lambda request: rewrite(request, handle(request))  # type: ignore[method-assign]
        yield double


def _lifecycle(double: RunningDouble) -> ScenarioOutcome:
    workflows = get_provider("wooshpay").workflows()
    assert workflows is not None
    provider = get_provider("wooshpay")
    target = Target(provider=provider, base_url=double.base_url, credentials=double.credentials, source=Source.LIVE)
    return run_live(workflows, workflows.scenario("invoice_lifecycle"), target)


def _finalize_answers(status: int, body: bytes | None = None) -> Rewrite:
    def rewrite(request: Request, response: Response) -> Response:
        if request.method == "POST" and request.path.endswith("/finalize"):
            response.status_code = status
            if body is not None:
                response.set_data(body)
        return response

    return rewrite


def test_an_undocumented_status_with_a_usable_body_is_reported_and_the_scenario_goes_on() -> None:
    with rewriting(_finalize_answers(418)) as double:
        outcome = _lifecycle(double)
    assert [(f.operation, f.kind.value, f.check) for f in outcome.findings] == [
        ("finalizeInvoice", "undocumented_status", "response.status")
    ]
    assert "payInvoice" in outcome.operations  # the steps after it ran
    assert (outcome.completed, outcome.stopped) == (True, None)


def test_a_step_that_leaves_nothing_to_go_on_with_stops_the_scenario_and_says_so() -> None:
    error = b'{"error": {"type": "invalid_request_error", "message": "no"}}'
    with rewriting(_finalize_answers(400, error)) as double:
        outcome = _lifecycle(double)
    assert not outcome.completed
    assert "payInvoice" not in outcome.operations
    assert outcome.stopped is not None
    assert "stopped after step" in outcome.stopped
    assert "(finalizeInvoice)" in outcome.stopped
    [finding] = [f for f in outcome.findings if f.operation == "finalizeInvoice"]
    assert (finding.kind.value, finding.check) == ("positive_data_rejected", "workflow.step_succeeds")
    assert finding.message.endswith("The scenario stopped here; its later steps were not reached.")


def _html_for_retrieve(request: Request, response: Response) -> Response:
    if request.method == "GET" and request.path.startswith("/v1/invoices/"):
        response.set_data(b"<html><body>502 Bad Gateway</body></html>")
    return response


def test_a_2xx_labelled_json_whose_body_is_not_json_is_breaking_in_workflows() -> None:
    with rewriting(_html_for_retrieve) as double:
        outcome = _lifecycle(double)
    found = [f for f in outcome.findings if f.check == "response.not_json"]
    assert {(f.operation, f.kind.value, f.severity.value) for f in found} == {
        ("retrieveInvoice", "content_type", "breaking")
    }


def test_a_2xx_labelled_json_whose_body_is_not_json_is_breaking_in_the_engine() -> None:
    provider = get_provider("wooshpay")
    with rewriting(_html_for_retrieve) as double:
        run = EngineRun(
            provider=provider,
            spec=provider.spec,
            base_url=double.base_url,
            auth=provider.auth(double.credentials, double.base_url),
            settings=Settings(max_examples=1, stateful=False),
            source=Source.LIVE,
            secrets=[],
            safe_methods_only=True,
        )
        result = run.execute()
    findings = run.finish(None) + result.findings
    found = {(f.operation, f.kind.value, f.severity.value) for f in findings if f.check == "response.not_json"}
    assert ("retrieveInvoice", "content_type", "breaking") in found
    assert all(f.operation != "listInvoices" for f in findings if f.check == "response.not_json")


def test_a_missing_id_the_next_steps_need_stops_the_scenario_with_a_finding_saying_so() -> None:
    def without_customer_id(request: Request, response: Response) -> Response:
        if request.method == "POST" and request.path == "/v1/customers":
            response.set_data(b'{"object": "customer"}')
        return response

    with rewriting(without_customer_id) as double:
        outcome = _lifecycle(double)
    assert not outcome.completed
    assert outcome.stopped is not None
    assert "(createCustomer)" in outcome.stopped
    assert outcome.operations == {"createCustomer"}
    [at_id] = [f for f in outcome.findings if f.pointer == "/id"]
    assert (at_id.kind.value, at_id.severity.value) == ("missing_field", "breaking")
    assert at_id.message.endswith("its later steps were not reached.")
