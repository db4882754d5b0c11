"""A constraint probe's own invalid value, accepted and answered back, is the probe's one finding
(`negative_data_accepted`, `behaviour.constraint`, pointer `/body/<field>` as the engine names a request body
constraint), never also a response defect; the same value in the answer to a valid request still is one.

Over real HTTP against UseePay's docs_only double, which accepts what only the spec infers (the request's
currency pattern) while the currency format of its invoices is documented."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from conformance.sandbox.double import ApiRequest, ApiResponse
from conformance.targets.double_server import RunningDouble, running_double
from conformance.workflows import RECORDING_SEED
from tests.behaviour.faulty import Handler, probe


@contextmanager
def _docs_only(handlers: dict[str, Handler] | None = None) -> Iterator[RunningDouble]:
    with running_double("useepay", faults=("docs_only",), seed=RECORDING_SEED, demo_data=True) as running:
        for name, override in (handlers or {}).items():
            setattr(running.double, name, override)
        yield running


def test_an_accepted_probe_value_echoed_back_is_the_probe_finding_only() -> None:
    with _docs_only() as running:
        findings = probe(running, "behaviour_constraints").findings
    accepted = {(f.operation, f.pointer) for f in findings if f.check == "behaviour.constraint"}
    assert ("createInvoice", "/body/currency") in accepted  # the pattern probe's "" was accepted
    assert all(f.pointer.startswith("/body/") for f in findings if f.check == "behaviour.constraint")
    # The echoed values judged by nothing else (the double's other answers omit inferred nulls: their own findings).
    probed = {"/currency", "/total_amount", "/customer_id"}
    assert [(f.operation, f.check, f.pointer) for f in findings if f.pointer in probed] == []


def test_the_same_value_answered_to_a_valid_request_is_still_a_format_finding() -> None:
    with _docs_only() as running:
        original = running.double.createInvoice  # type: ignore[attr-defined]

        def blank_currency(request: ApiRequest) -> ApiResponse:
            answer = original(request)
            if isinstance(answer.body, dict) and (request.body or {}).get("currency"):
                answer.body["currency"] = ""  # the server's own value: the request sent a valid one
            return answer

        running.double.createInvoice = blank_currency  # type: ignore[attr-defined]
        findings = probe(running, "behaviour_constraints").findings
    formats = {(f.operation, f.pointer) for f in findings if f.check == "format.pattern"}
    assert ("createInvoice", "/currency") in formats
