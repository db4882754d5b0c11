"""The webhook checks (conformance/checks/webhooks.py), each with its twin: silent on valid deliveries the
conventions make (hypothesis varies the event, the invoice, ids, content types, times), firing with the
expected kind and check on one mutation of the same data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.checks.webhooks import (
    DUPLICATE_CHECK,
    EARLY_CHECK,
    EMITTED_CHECK,
    ONCE_CHECK,
    REDELIVERY_CHECK,
    RETRY_CHECK,
    STATE_CHECK,
    StateChange,
    emission_findings,
    judge_deliveries,
    payload_findings,
    redelivery_findings,
    retry_findings,
    signature_findings,
)
from conformance.core import secrets
from conformance.core.kinds import Basis, Kind, Severity
from conformance.providers import get_provider
from conformance.spec.webhooks import webhooks_of
from tests.checks import webhook_kit as kit

PROVIDERS = ("wooshpay", "useepay")
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def spec_of(provider: str) -> Any:
    return get_provider(provider).spec


def events_of(provider: str) -> list[str]:
    return sorted(webhooks_of(spec_of(provider)).events)


@st.composite
def valid_delivery(draw: st.DrawFn, provider: str) -> tuple[Any, Any]:
    invoices = kit.invoices_by_state(provider)
    invoice = invoices[draw(st.sampled_from(sorted(invoices)))]
    name = draw(st.sampled_from(events_of(provider)))
    event = kit.envelope(provider, name, invoice, draw(event_ids(provider)))
    if provider == "wooshpay":
        event["created"] = draw(st.integers(0, 2**31))
        event["api_version"] = draw(st.none() | st.text(min_size=1, max_size=12))
        event["pending_webhooks"] = draw(st.integers(0, 50))
        event["request"] = {
            "id": draw(st.none() | st.text(max_size=8)),
            "idempotency_key": draw(st.none() | st.text(max_size=8)),
        }
        return event, kit.delivery(provider, event)
    form = draw(st.booleans())
    version = (
        draw(st.sampled_from(["2024-10-10", "2025-01"])) if form else draw(st.sampled_from(["2026-04", "2025-11-06"]))
    )
    return event, kit.delivery(provider, event, form=form, api_version=version)


def event_ids(provider: str) -> st.SearchStrategy[str]:
    if provider == "wooshpay":
        return st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=24, max_size=40).map(
            "evt_".__add__
        )
    return st.text("0123456789abcdef", min_size=32, max_size=32).map("evt_".__add__)


def checks(findings: list[Any]) -> set[tuple[str, str]]:
    return {(str(f.kind), f.check) for f in findings}


# -- payload, envelope, name, headers, signature -----------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
@FAST
@given(data=st.data())
def test_valid_deliveries_are_judged_clean(provider: str, data: st.DataObject) -> None:
    _, delivery = data.draw(valid_delivery(provider))
    spec = spec_of(provider)
    assert payload_findings(spec, delivery) == []
    assert signature_findings(spec, delivery, key=kit.signing_key(provider)) == []


def _mutations(provider: str) -> list[tuple[str, Any, tuple[str, str]]]:
    """(what, mutate(event) -> delivery kwargs or event, expected (kind, check))."""
    object_at = ("data", "object") if provider == "wooshpay" else ("data",)
    name_key = "type" if provider == "wooshpay" else "name"

    def drop_id(event: dict[str, Any]) -> dict[str, Any]:
        node = event
        for key in object_at:
            node = node[key]
        del node["id"]
        return {}

    def retype_currency(event: dict[str, Any]) -> dict[str, Any]:
        node = event
        for key in object_at:
            node = node[key]
        node["currency"] = 840
        return {}

    def rename(event: dict[str, Any]) -> dict[str, Any]:
        event[name_key] = "invoice.exploded"
        return {}

    def unknown_status(event: dict[str, Any]) -> dict[str, Any]:
        node = event
        for key in object_at:
            node = node[key]
        node["status"] = "teleported"
        return {}

    return [
        ("object id removed", drop_id, ("missing_field", "webhook.payload")),
        ("currency retyped", retype_currency, ("type_mismatch", "webhook.payload")),
        ("event renamed", rename, ("enum_violation", "webhook.event_name")),
        ("status outside the enum", unknown_status, ("enum_violation", "webhook.payload")),
    ]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("index", range(4))
def test_one_mutation_of_the_payload_is_caught(provider: str, index: int) -> None:
    what, mutate, expected = _mutations(provider)[index]
    event = kit.envelope(provider, "invoice.paid", kit.invoices_by_state(provider)["paid"])
    mutate(event)
    found = payload_findings(spec_of(provider), kit.delivery(provider, event))
    assert expected in checks(found), what
    assert all(f.operation.startswith("webhook ") for f in found)


def test_wooshpay_payload_deviations_rest_on_an_inference() -> None:
    event = kit.envelope("wooshpay", "invoice.paid", kit.invoices_by_state("wooshpay")["paid"])
    del event["pending_webhooks"]
    (finding,) = payload_findings(spec_of("wooshpay"), kit.delivery("wooshpay", event))
    assert (finding.kind, finding.check, finding.pointer) == (
        Kind.MISSING_FIELD,
        "webhook.payload",
        "/pending_webhooks",
    )
    assert finding.basis is Basis.INFERRED
    assert finding.inference
    assert finding.operation == "webhook invoice.paid"


def test_useepay_content_type_must_fit_the_api_version() -> None:
    event = kit.envelope("useepay", "invoice.paid", kit.invoices_by_state("useepay")["paid"])
    spec = spec_of("useepay")
    assert payload_findings(spec, kit.delivery("useepay", event, form=True, api_version="2025-01")) == []
    found = payload_findings(spec, kit.delivery("useepay", event, form=True, api_version="2026-04"))
    assert checks(found) == {("content_type", "webhook.content_type")}
    assert found[0].basis is Basis.DOCUMENTED


def test_an_unreadable_body_is_a_content_type_finding_not_a_crash() -> None:
    event = kit.envelope("useepay", "invoice.paid", kit.invoices_by_state("useepay")["paid"])
    found = payload_findings(spec_of("useepay"), kit.delivery("useepay", event, body=b"\xff not json"))
    assert checks(found) == {("content_type", "webhook.content_type")}


@pytest.mark.parametrize("header", ["merchant_no", "api_version", "app_id", "sign"])
def test_a_missing_useepay_header_is_caught(header: str) -> None:
    event = kit.envelope("useepay", "invoice.sent", kit.invoices_by_state("useepay")["open"] | {"status": "sent"})
    spec = spec_of("useepay")
    assert payload_findings(spec, kit.delivery("useepay", event)) == []
    found = payload_findings(spec, kit.delivery("useepay", event, headers={header: None}))
    assert ("missing_field", "webhook.headers") in checks(found)
    assert any(f.pointer == f"/headers/{header}" for f in found)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_signature_that_does_not_verify_is_caught(provider: str) -> None:
    spec = spec_of(provider)
    event = kit.envelope(provider, "invoice.paid", kit.invoices_by_state(provider)["paid"])
    good = kit.delivery(provider, event)
    assert signature_findings(spec, good, key=kit.signing_key(provider)) == []
    # The same signature over a body changed by one byte.
    header = "wooshpay-signature" if provider == "wooshpay" else "sign"
    tampered = kit.delivery(
        provider, event, headers={header: good.header(header)}, body=good.body.replace(b"paid", b"pa1d", 1)
    )
    found = signature_findings(spec, tampered, key=kit.signing_key(provider))
    assert checks(found) == {("invariant_violation", "webhook.signature")}
    missing = kit.delivery(provider, event, headers={header: None})
    assert checks(signature_findings(spec, missing, key=kit.signing_key(provider))) == {
        ("invariant_violation", "webhook.signature")
    }
    # Which basis: WooshPay's scheme is Stripe's (inferred); UseePay's string to sign is inferred too.
    assert found[0].basis is Basis.INFERRED


def test_the_signing_secret_is_registered_so_nothing_writes_it() -> None:
    event = kit.envelope("wooshpay", "invoice.paid", kit.invoices_by_state("wooshpay")["paid"])
    signature_findings(spec_of("wooshpay"), kit.delivery("wooshpay", event), key=kit.WHSEC)
    assert kit.WHSEC not in secrets.scrub(f"secret {kit.WHSEC} here")


def test_lynkwell_has_no_contract_and_nothing_is_judged() -> None:
    spec = spec_of("lynkwell")
    assert not webhooks_of(spec).documented
    event = kit.envelope("useepay", "invoice.paid", kit.invoices_by_state("useepay")["paid"])
    assert judge_deliveries(spec, [kit.delivery("useepay", event)]) == []


# -- emissions -------------------------------------------------------------------------------------------------

# Paths through each lifecycle: (action, previous, state, failed) steps after creation.
PATHS = {
    "wooshpay": [
        [
            ("finalizeInvoice", "draft", "open", False),
            ("payInvoice", "open", "open", True),
            ("payInvoice", "open", "paid", False),
        ],
        [
            ("finalizeInvoice", "draft", "open", False),
            ("sendInvoice", "open", "open", False),
            ("voidInvoice", "open", "void", False),
        ],
        [("deleteInvoice", "draft", "draft", False)],
    ],
    "useepay": [
        [("payInvoice", "open", "payment_failed", False), ("payInvoice", "payment_failed", "paid", False)],
        [("", "open", "sent", False), ("", "sent", "cancelled", False)],
        [("payInvoice", "open", "paid", False)],
    ],
}
CREATED = {"wooshpay": "draft", "useepay": "open"}


def _story(provider: str, path: int, gaps: list[float], lag: float) -> tuple[list[StateChange], list[Any]]:
    """The state changes of one invoice along a path, and the deliveries the emission rule makes of them."""
    contract = webhooks_of(spec_of(provider))
    base = kit.invoices_by_state(provider)["paid" if "paid" in kit.invoices_by_state(provider) else "open"]
    changes = [StateChange("inv_story", CREATED[provider], 0.0, None, "createInvoice")]
    at = 0.0
    for (action, previous, state, failed), gap in zip(PATHS[provider][path], gaps, strict=False):
        at += gap
        changes.append(StateChange("inv_story", state, at, previous, action, failed))
    deliveries = []
    for change in changes:
        for emission in contract.emitted_by(
            created=change.created,
            previous=change.previous,
            state=change.state,
            action=change.action,
            failed=change.failed,
        ):
            shown = emission.shows or change.state
            event = kit.envelope(provider, emission.event, base | {"id": "inv_story", "status": shown})
            deliveries.append(kit.delivery(provider, event, sequence=len(deliveries), at=change.at + lag))
    return changes, deliveries


@pytest.mark.parametrize("provider", PROVIDERS)
@FAST
@given(path=st.integers(0, 2), gaps=st.lists(st.floats(0.01, 5.0), min_size=3, max_size=3), lag=st.floats(0.0, 2.0))
def test_every_declared_event_once_with_the_state_read_is_clean(
    provider: str, path: int, gaps: list[float], lag: float
) -> None:
    changes, deliveries = _story(provider, path, gaps, lag)
    assert deliveries, "every path emits"
    spec = spec_of(provider)
    assert emission_findings(spec, deliveries, changes, timeout=5.0) == []
    # Redelivered (unacknowledged first attempt) the same event: still once.
    again = [d.__class__(**{**d.__dict__, "status": 500}) for d in deliveries[:1]] + deliveries
    assert emission_findings(spec, again, changes, timeout=5.0) == []


def _mutate_one(provider: str, how: str) -> tuple[list[StateChange], list[Any]]:
    changes, deliveries = _story(provider, 0, [1.0, 1.0, 1.0], 0.1)
    last = deliveries[-1]
    event = json.loads(kit.delivery(provider, {}, body=last.body).body)
    if how == "missing":
        return changes, deliveries[:-1]
    if how == "late":
        return changes, [*deliveries[:-1], last.__class__(**{**last.__dict__, "received_at": last.received_at + 60})]
    if how == "twice":
        id_key = "id"
        event[id_key] = event[id_key][:-4] + "ffff"
        return changes, [*deliveries, kit.delivery(provider, event, sequence=99, at=last.received_at + 0.1)]
    if how == "wrong_state":
        obj = event["data"]["object"] if provider == "wooshpay" else event["data"]
        obj["status"] = "open"
        return changes, [*deliveries[:-1], kit.delivery(provider, event, sequence=last.sequence, at=last.received_at)]
    if how == "early":
        # The event arrives 0.5 s before the change, and a read in between still shows the old state.
        early = last.__class__(**{**last.__dict__, "received_at": changes[-1].at - 0.5})
        read = StateChange("inv_story", changes[-1].previous, changes[-1].at - 0.2, changes[-1].previous)
        return [*changes, read], [*deliveries[:-1], early]
    raise AssertionError(how)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("how", "check"),
    [
        ("missing", EMITTED_CHECK),
        ("late", EMITTED_CHECK),
        ("twice", ONCE_CHECK),
        ("wrong_state", STATE_CHECK),
        ("early", EARLY_CHECK),
    ],
)
def test_one_fault_in_the_emissions_is_caught(provider: str, how: str, check: str) -> None:
    changes, deliveries = _mutate_one(provider, how)
    found = emission_findings(spec_of(provider), deliveries, changes, timeout=5.0)
    assert {f.check for f in found} == {check}
    assert all(f.kind is Kind.INVARIANT_VIOLATION and f.operation.startswith("webhook invoice.") for f in found)
    # WooshPay's emissions are Stripe's (inferred): never breaking by default; UseePay's are documented.
    assert {f.basis for f in found} == ({Basis.INFERRED} if provider == "wooshpay" else {Basis.DOCUMENTED})


# -- redeliveries and retries -----------------------------------------------------------------------------


def test_a_redelivery_with_the_same_body_is_silent_and_one_with_another_body_is_caught() -> None:
    provider = "useepay"
    event = kit.envelope(provider, "invoice.paid", kit.invoices_by_state(provider)["paid"])
    first = kit.delivery(provider, event, status=500)
    same = kit.delivery(provider, event, sequence=1, at=1.0)
    spec = spec_of(provider)
    assert redelivery_findings(spec, [first, same]) == []
    changed = kit.delivery(provider, event | {"data": event["data"] | {"total_amount": 1}}, sequence=1, at=1.0)
    assert {f.check for f in redelivery_findings(spec, [first, changed])} == {REDELIVERY_CHECK}


def test_a_redelivery_after_acknowledgement_is_reported_as_info_only() -> None:
    provider = "wooshpay"
    event = kit.envelope(provider, "invoice.paid", kit.invoices_by_state(provider)["paid"])
    found = redelivery_findings(
        spec_of(provider), [kit.delivery(provider, event), kit.delivery(provider, event, sequence=1)]
    )
    assert [(f.check, f.severity) for f in found] == [(DUPLICATE_CHECK, Severity.INFO)]


def _attempts(provider: str, gaps: list[float], *, acknowledged_last: bool = True) -> list[Any]:
    event = kit.envelope(provider, "invoice.paid", kit.invoices_by_state(provider)["paid"])
    attempts, at = [], 0.0
    for index in range(len(gaps) + 1):
        last = index == len(gaps)
        status = 200 if last and acknowledged_last else 503
        attempts.append(kit.delivery(provider, event, sequence=index, at=at, status=status))
        if not last:
            at += gaps[index]
    return attempts


@pytest.mark.parametrize("provider", PROVIDERS)
@FAST
@given(
    count=st.integers(1, 7),
    jitter=st.lists(st.floats(-0.3, 0.3), min_size=7, max_size=7),
    scale=st.sampled_from([0.001, 0.01]),
)
def test_retries_on_the_declared_schedule_are_silent(
    provider: str, count: int, jitter: list[float], scale: float
) -> None:
    delays = webhooks_of(spec_of(provider)).rules.retries.delays  # type: ignore[union-attr]
    gaps = [delays[i] * scale * (1 + jitter[i]) for i in range(count)]
    attempts = _attempts(provider, gaps)
    assert (
        retry_findings(spec_of(provider), attempts, time_scale=scale, observed_until=attempts[-1].received_at + 1000)
        == []
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_retries_too_early_or_ignored_are_caught(provider: str) -> None:
    spec = spec_of(provider)
    delays = webhooks_of(spec).rules.retries.delays  # type: ignore[union-attr]
    scale = 0.01
    early = _attempts(provider, [delays[0] * scale, delays[1] * scale * 0.1])
    assert {f.check for f in retry_findings(spec, early, time_scale=scale, slack=0.0)} == {RETRY_CHECK}
    # Not acknowledged, and no retry came while the receiver waited well past the declared delay.
    ignored = _attempts(provider, [], acknowledged_last=False)
    waited = delays[0] * scale * 3 + 1
    assert {f.check for f in retry_findings(spec, ignored, time_scale=scale, observed_until=waited)} == {RETRY_CHECK}
    assert retry_findings(spec, ignored, time_scale=scale, observed_until=delays[0] * scale * 0.5) == []


def test_judge_deliveries_runs_every_check_over_a_clean_story() -> None:
    changes, deliveries = _story("wooshpay", 1, [1.0, 1.0, 1.0], 0.2)
    assert judge_deliveries(spec_of("wooshpay"), deliveries, changes=changes, signing_key=kit.WHSEC, timeout=5.0) == []
