"""Each delivery fault of the catalogue is a deviation on the wire, seen by a receiver on 127.0.0.1 over
real HTTP; the same lifecycle without the fault shows none of it (twins, for both providers that send events)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests

from conformance.providers.useepay.double.events import verify
from conformance.providers.wooshpay.double.events import sign
from conformance.sandbox.faults import BY_NAME, EVENT_FAULTS
from tests.webhooks.conftest import Served, served, useepay_paid_invoice, wooshpay_endpoint, wooshpay_paid_invoice
from tests.webhooks.receiver import Arrival, Recorder, receiving

PROVIDERS = ("wooshpay", "useepay")


@dataclass
class Run:
    provider: str
    double: Served
    secret: str | None
    invoice_id: str

    @property
    def arrivals(self) -> list[Arrival]:
        return self.double.receiver.arrivals

    def events(self) -> list[dict[str, Any]]:
        return [envelope(self.provider, a) for a in self.arrivals]

    def names(self) -> list[str]:
        return [e.get("type") or e["name"] for e in self.events()]

    def objects(self) -> list[dict[str, Any]]:
        return [e["data"]["object"] if self.provider == "wooshpay" else e["data"] for e in self.events()]

    def verified(self, arrival: Arrival) -> bool:
        if self.provider == "wooshpay":
            stamp, v1 = (p.split("=", 1)[1] for p in arrival.headers["wooshpay-signature"].split(","))
            return v1 == sign(self.secret or "", int(stamp), arrival.body)
        key = self.double.double.webhooks.scheme.verification_key  # type: ignore[union-attr]
        return key is not None and verify(key, arrival.body, arrival.headers["sign"])


def envelope(provider: str, arrival: Arrival) -> dict[str, Any]:
    if arrival.headers.get("content-type") == "application/x-www-form-urlencoded":
        return dict(json.loads(parse_qs(arrival.body.decode())["data"][0]))
    return dict(json.loads(arrival.body))


def lifecycle(provider: str, recorder: Recorder, faults: tuple[str, ...], **options: object) -> Iterator[Run]:
    """A paid invoice's lifecycle, every event delivered to `recorder` and flushed."""
    extra = {"webhook_url": recorder.url} if provider == "useepay" else {}
    for double in served(provider, recorder, faults=faults, **extra, **options):  # type: ignore[arg-type]
        secret = wooshpay_endpoint(double)["secret"] if provider == "wooshpay" else None
        invoice_id = wooshpay_paid_invoice(double) if provider == "wooshpay" else useepay_paid_invoice(double)
        double.flush()
        yield Run(provider, double, secret, invoice_id)


# fault -> (what it shows on the wire: True when the run shows it)
Shows = Callable[[Run], bool]


def _missing(run: Run) -> bool:
    return "invoice.paid" not in run.names()


def _duplicated(run: Run) -> bool:
    ids = [e["id"] for e in run.events()]
    return len(ids) != len(set(ids))


def _reordered(run: Run) -> bool:
    order = {
        "wooshpay": ["invoice.created", "invoice.finalized", "invoice.paid"],
        "useepay": ["invoice.sent", "invoice.paid"],
    }
    return run.names() != order[run.provider]


def _drift(run: Run) -> bool:
    targets = run.double.double.fault_targets
    return any(
        targets.removed_field not in obj or isinstance(obj.get(targets.retyped_field), str) for obj in run.objects()
    )


def _wrong_name(run: Run) -> bool:
    scheme = run.double.double.webhooks.scheme  # type: ignore[union-attr]
    return any(name not in scheme.names for name in run.names())


def _signature(run: Run) -> bool:
    return not all(run.verified(a) for a in run.arrivals)


def _content_type(run: Run) -> bool:
    return any(a.headers["content-type"].split(";")[0] == "text/plain" for a in run.arrivals)


SHOWS: dict[str, Shows] = {
    "event_missing": _missing,
    "event_duplicated": _duplicated,
    "events_reordered": _reordered,
    "event_payload_drift": _drift,
    "event_wrong_name": _wrong_name,
    "signature_invalid": _signature,
    "event_wrong_content_type": _content_type,
}


def test_every_provider_side_fault_has_its_twins() -> None:
    assert set(SHOWS) | {"event_early", "retries_ignored"} == {f.name for f in EVENT_FAULTS}


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("fault", sorted(SHOWS))
def test_delivery_fault_shows_on_the_wire(provider: str, fault: str) -> None:
    with receiving() as recorder:
        for run in lifecycle(provider, recorder, (fault,)):
            assert run.arrivals, "the lifecycle delivered nothing"
            assert SHOWS[fault](run), f"{fault}: {BY_NAME[fault].summary} not seen in {run.names()}"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_clean_double_shows_none_of_them(provider: str) -> None:
    with receiving() as recorder:
        for run in lifecycle(provider, recorder, ()):
            assert run.arrivals
            assert [fault for fault, shows in SHOWS.items() if shows(run)] == []
            assert all(obj["id"] == run.invoice_id for obj in run.objects())


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("faults", [(), ("retries_ignored",)])
def test_retries_ignored_sends_an_unacknowledged_event_once(provider: str, faults: tuple[str, ...]) -> None:
    with receiving() as recorder:
        recorder.answer = lambda n: 503
        for run in lifecycle(provider, recorder, faults, webhook_time_scale=0.000002):
            per_event: dict[str, int] = {}
            for event in run.events():
                per_event[event["id"]] = per_event.get(event["id"], 0) + 1
            if faults:
                assert set(per_event.values()) == {1}
            else:
                assert min(per_event.values()) > 1


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("faults", [(), ("event_early",)])
def test_event_early_arrives_before_the_api_reads_the_new_state(provider: str, faults: tuple[str, ...]) -> None:
    """The receiver reads the invoice from the API while handling invoice.paid: the early double still answers
    with the state before the payment; after the event is answered, the API reads paid."""
    read_back: list[str] = []
    with receiving() as recorder:
        holder: dict[str, Served] = {}
        recorder.on_arrival = lambda body, headers: _read_invoice(provider, holder, body, headers, read_back)
        for run in lifecycle_with(provider, recorder, faults, holder):
            paid = run.double.get(_invoice_path(provider, run.invoice_id)).json()
            assert paid["status"] == "paid"
    assert read_back, "invoice.paid never arrived"
    if faults:
        assert read_back[0] != "paid"
    else:
        assert read_back == ["paid"]


def lifecycle_with(
    provider: str, recorder: Recorder, faults: tuple[str, ...], holder: dict[str, Served]
) -> Iterator[Run]:
    extra = {"webhook_url": recorder.url} if provider == "useepay" else {}
    for double in served(provider, recorder, faults=faults, **extra):  # type: ignore[arg-type]
        holder["double"] = double
        if provider == "wooshpay":
            wooshpay_endpoint(double, ["invoice.paid"])
        invoice_id = wooshpay_paid_invoice(double) if provider == "wooshpay" else useepay_paid_invoice(double)
        double.flush()
        yield Run(provider, double, None, invoice_id)


def _invoice_path(provider: str, invoice_id: str) -> str:
    return f"/v1/invoices/{invoice_id}" if provider == "wooshpay" else f"/api/v1/invoices/{invoice_id}"


def _read_invoice(
    provider: str, holder: dict[str, Served], body: bytes, headers: dict[str, str], found: list[str]
) -> None:
    event = json.loads(body)
    if (event.get("type") or event.get("name")) != "invoice.paid":
        return
    invoice_id = event["data"]["object"]["id"] if provider == "wooshpay" else event["data"]["id"]
    double = holder["double"]
    answer = requests.get(
        double.running.base_url + _invoice_path(provider, invoice_id), auth=double.session.auth, timeout=10
    )
    found.append(answer.json()["status"])
