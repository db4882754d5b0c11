"""Attribution: when a promise fails (an update not kept) and a later step fails because of it, the later
finding is grouped under the first as its consequence (one root cause, graded no worse than its cause);
the same later failure without the earlier one is a root cause of its own. Over real HTTP (UseePay double)."""

from __future__ import annotations

from conformance.findings.model import Finding
from conformance.findings.root_cause_model import attributed
from conformance.findings.root_causes import group
from conformance.providers import get_provider
from conformance.sandbox.double import ApiError, ApiRequest, ApiResponse
from tests.behaviour.faulty import Handler, Override, probe, served, with_body


def _kept_nothing(original: Handler) -> Handler:
    def update(request: ApiRequest) -> ApiResponse:
        answer = original(with_body(request, {}))
        answer.body.update(request.body or {})  # answered as if stored
        return answer

    return update


def _refused(original: Handler) -> Handler:
    def pay(request: ApiRequest) -> ApiResponse:
        raise ApiError(400, "invalid_request", "The invoice cannot be paid.")

    return pay


def _lifecycle(handlers: dict[str, Override]) -> list[Finding]:
    with served("useepay", handlers=handlers) as running:
        return probe(running, "invoice_lifecycle").findings


def _spec_of(name: str):  # type: ignore[no-untyped-def]
    return get_provider(name).spec


def test_a_later_failure_on_the_object_a_broken_promise_left_is_its_consequence() -> None:
    findings = _lifecycle({"updateInvoice": _kept_nothing, "payInvoice": _refused})
    kept = [f for f in findings if f.check == "invariant.read_after_write"]
    assert {(f.operation, f.pointer) for f in kept} >= {("retrieveInvoice", "/description")}
    cause = kept[0]  # the first difference the read showed
    (pay,) = [f for f in findings if f.operation == "payInvoice"]
    assert pay.caused_by == cause.fingerprint
    causes = group(findings, _spec_of)
    (together,) = [c for c in causes if pay.fingerprint in c.members]
    assert cause.fingerprint in together.members
    assert "follow from it" in together.title
    # Graded no worse than its cause.
    graded = {f.fingerprint: f for f in attributed(findings)}
    assert graded[pay.fingerprint].severity == graded[cause.fingerprint].severity


def test_the_same_failure_without_a_broken_promise_is_a_root_cause_of_its_own() -> None:
    findings = _lifecycle({"payInvoice": _refused})
    assert not [f for f in findings if f.check == "invariant.read_after_write"]
    (pay,) = [f for f in findings if f.operation == "payInvoice"]
    assert pay.caused_by == ""
    (alone,) = [c for c in group(findings, _spec_of) if pay.fingerprint in c.members]
    assert alone.members == (pay.fingerprint,)
    assert attributed(findings) == findings
