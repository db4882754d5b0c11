"""The documentation audit judges the documented webhook samples (x-webhook-delivery.samples) against the
webhook schemas: silent on the page's valid envelope, firing on the bare invoice sample (other field names
than the API's) and on one mutation of the envelope."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from conformance.audit.stage import audit_spec, unexplained_example_failures
from conformance.core.kinds import Kind
from conformance.providers import get_provider
from conformance.spec.specs import Spec

SPEC = get_provider("useepay").spec


def _mismatches(spec: Spec, example: str) -> list[Any]:
    return [
        f
        for f in audit_spec(spec)
        if f.kind is Kind.DOC_EXAMPLE_MISMATCH and f.pointer.startswith(f"/components/examples/{example}/")
    ]


def _with(change: Any) -> Spec:
    document = copy.deepcopy(SPEC.document)
    change(document["components"]["examples"])
    return Spec(SPEC.provider, SPEC.path, document)


def test_the_documented_envelope_matches_the_envelope_schema() -> None:
    assert _mismatches(SPEC, "WebhookEnvelopeFromEventsPage") == []


def test_an_envelope_sample_with_a_malformed_event_id_is_reported() -> None:
    spec = _with(lambda examples: examples["WebhookEnvelopeFromEventsPage"]["value"].update(id="event-1"))
    (finding,) = _mismatches(spec, "WebhookEnvelopeFromEventsPage")
    assert finding.pointer == "/components/examples/WebhookEnvelopeFromEventsPage/value/id"
    assert finding.operation == "webhooks"
    assert finding.doc_ref == "https://docs-v2.useepay.com/8106855m0"


def test_the_bare_invoice_sample_is_judged_against_the_api_invoice_and_named_by_a_defect() -> None:
    found = {f.pointer.rsplit("/", 1)[-1]: f for f in _mismatches(SPEC, "WebhookInvoiceSampleFromEventsPage")}
    assert {"create_at", "modify_at"} <= set(found)  # the API names the sample lacks (it prints created_at)
    assert found["create_at"].message.endswith("(documentation defect UP-WEBHOOK-SAMPLES-NOT-INVOICE-EVENTS).")
    assert unexplained_example_failures(SPEC) == []


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        # As printed: cut off after the name, so only `data` is missing.
        (None, {"/data"}),
        (
            "data=%7B%22id%22%3A%22evt_7f560319eabb4127a9a282d1937b60dc%22%2C%22name%22%3A%22a.b%22%2C%22data%22%3A%7B%7D%7D",
            set(),
        ),
        ("data=%7B%22id%22%3A%22evt_X%22%2C%22name%22%3A%22a.b%22%2C%22data%22%3A%7B%7D%7D", {"/id"}),
    ],
)
def test_the_form_encoded_sample_is_read_through_its_data_field(body: str | None, problems: set[str]) -> None:
    spec = (
        SPEC
        if body is None
        else _with(lambda examples: examples["WebhookFormSampleFromSignaturePage"].update(value=body))
    )
    found = _mismatches(spec, "WebhookFormSampleFromSignaturePage")
    prefix = "/components/examples/WebhookFormSampleFromSignaturePage/value"
    assert {f.pointer.removeprefix(prefix) for f in found} == problems
