"""The doubles deliver their events over real HTTP to a receiver on 127.0.0.1: emitted on state changes,
signed as declared, retried on the declared schedule (time-compressed), registered and unregistered."""

from __future__ import annotations

import itertools
import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core.deliveries import Delivery
from conformance.core.errors import UsageError
from conformance.providers.useepay.double.events import RETRY_SCHEDULE as USEEPAY_SCHEDULE
from conformance.providers.useepay.double.events import verify
from conformance.providers.wooshpay.double.events import RETRY_SCHEDULE as WOOSHPAY_SCHEDULE
from conformance.providers.wooshpay.double.events import sign
from conformance.sandbox.receivers import free_loopback_port
from conformance.targets.double_server import build_double
from tests.webhooks.conftest import (
    served,
    useepay_paid_invoice,
    wooshpay_endpoint,
    wooshpay_paid_invoice,
)
from tests.webhooks.receiver import Recorder, receiving


def _names(recorder: Recorder) -> list[str]:
    return [json.loads(a.body).get("type") or json.loads(a.body).get("name") for a in recorder.arrivals]


def test_wooshpay_emits_each_state_change_once_with_the_invoice_as_read(recorder: Recorder) -> None:
    for double in served("wooshpay", recorder):
        endpoint = wooshpay_endpoint(double)
        invoice_id = wooshpay_paid_invoice(double)
        double.flush()
        assert _names(recorder) == ["invoice.created", "invoice.finalized", "invoice.paid"]
        events = [json.loads(a.body) for a in recorder.arrivals]
        assert [e["data"]["object"]["status"] for e in events] == ["draft", "open", "paid"]
        assert all(e["data"]["object"]["id"] == invoice_id and e["object"] == "event" for e in events)
        assert len({e["id"] for e in events}) == 3
        assert events[-1]["data"]["object"] == double.get(f"/v1/invoices/{invoice_id}").json()
        for arrival in recorder.arrivals:
            stamp, v1 = (part.split("=", 1)[1] for part in arrival.headers["wooshpay-signature"].split(","))
            assert v1 == sign(endpoint["secret"], int(stamp), arrival.body)
            assert arrival.headers["content-type"].startswith("application/json")


def test_wooshpay_without_an_endpoint_sends_nothing_and_keeps_no_event(recorder: Recorder) -> None:
    for double in served("wooshpay", recorder):
        wooshpay_paid_invoice(double)
        double.flush()
        assert recorder.arrivals == []
        assert double.double.webhooks is not None
        assert double.double.webhooks.events == []


def test_wooshpay_endpoints_api_filters_lists_and_deletes(recorder: Recorder) -> None:
    for double in served("wooshpay", recorder):
        endpoint = wooshpay_endpoint(double, ["invoice.paid"])
        assert endpoint["secret"].startswith("whsec_")
        retrieved = double.get(f"/v1/webhook_endpoints/{endpoint['id']}").json()
        assert "secret" not in retrieved
        assert retrieved["enabled_events"] == ["invoice.paid"]
        assert [e["id"] for e in double.get("/v1/webhook_endpoints").json()["data"]] == [endpoint["id"]]
        wooshpay_paid_invoice(double)
        double.flush()
        assert _names(recorder) == ["invoice.paid"]
        assert double.session.delete(double.running.base_url + f"/v1/webhook_endpoints/{endpoint['id']}").json() == {
            "id": endpoint["id"],
            "object": "webhook_endpoint",
            "deleted": True,
        }
        wooshpay_paid_invoice(double)
        double.flush()
        assert _names(recorder) == ["invoice.paid"]  # nothing more after the delete
        assert double.get(f"/v1/webhook_endpoints/{endpoint['id']}").status_code == 404


def test_an_endpoint_beyond_this_machine_is_kept_and_never_posted_to(recorder: Recorder) -> None:
    """As the provider would, the API accepts any http(s) URL; the double only ever posts on loopback."""
    for double in served("wooshpay", recorder):
        outside = double.post(
            "/v1/webhook_endpoints", data={"url": "https://example.com/hooks", "enabled_events[]": ["*"]}
        )
        assert outside.status_code == 200
        assert outside.json()["url"] == "https://example.com/hooks"
        customer = double.post("/v1/customers", data={"name": "Ada"}).json()
        double.post("/v1/invoices", data={"customer": customer["id"]})
        assert double.double.webhooks is not None
        deadline = time.monotonic() + 5
        while not double.double.webhooks.sent and time.monotonic() < deadline:
            time.sleep(0.01)
        first = double.double.webhooks.sent[0]
        assert first.status is None
        assert "not on this machine" in (first.error or "")


def test_wooshpay_endpoints_api_needs_credentials_and_a_valid_body(recorder: Recorder) -> None:
    for double in served("wooshpay", recorder):
        import requests

        anonymous = requests.post(
            double.running.base_url + "/v1/webhook_endpoints", data={"url": recorder.url, "enabled_events[]": ["*"]}
        )
        assert anonymous.status_code == 401
        assert double.post("/v1/webhook_endpoints", data={"url": "not a url"}).status_code == 400
        assert double.post("/v1/webhook_endpoints", data={"description": "x"}).status_code == 400
        assert double.post("/v1/webhook_endpoints", json={"url": recorder.url, "enabled_events": []}).status_code == 400
        assert double.session.put(double.running.base_url + "/v1/webhook_endpoints").status_code == 405


def test_useepay_posts_the_documented_envelope_signed_with_its_key(recorder: Recorder) -> None:
    for double in served("useepay", recorder, webhook_url=recorder.url):
        invoice_id = useepay_paid_invoice(double)
        double.flush()
        assert _names(recorder) == ["invoice.sent", "invoice.paid"]
        public_key = double.double.webhooks.scheme.verification_key  # type: ignore[union-attr]
        assert public_key is not None
        assert public_key.startswith("-----BEGIN PUBLIC KEY-----")
        for arrival in recorder.arrivals:
            envelope = json.loads(arrival.body)
            assert set(envelope) == {"id", "name", "data"}
            assert envelope["data"]["id"] == invoice_id
            assert len(envelope["id"]) == 36
            assert envelope["id"].startswith("evt_")
            assert arrival.headers["api_version"] == "2026-04"
            assert {"merchant_no", "app_id"} <= set(arrival.headers)
            assert verify(public_key, arrival.body, arrival.headers["sign"])
            assert not verify(public_key, arrival.body + b" ", arrival.headers["sign"])


def test_useepay_older_api_version_posts_a_form_with_the_envelope(recorder: Recorder) -> None:
    from urllib.parse import parse_qs

    for double in served("useepay", recorder, webhook_url=recorder.url, webhook_api_version="2025-01"):
        useepay_paid_invoice(double)
        double.flush()
        arrival = recorder.arrivals[0]
        assert arrival.headers["content-type"] == "application/x-www-form-urlencoded"
        assert json.loads(parse_qs(arrival.body.decode())["data"][0])["name"] == "invoice.sent"


def test_demo_data_emits_nothing(recorder: Recorder) -> None:
    from conformance.targets.double_server import running_double

    with running_double("useepay", demo_data=True, options={"webhook_url": recorder.url}) as running:
        assert running.double.webhooks is not None
        assert running.double.webhooks.flush(5)
        assert running.double.webhooks.events == []
    assert recorder.arrivals == []


@pytest.mark.parametrize(
    ("provider", "refusal", "schedule"),
    [("wooshpay", 500, WOOSHPAY_SCHEDULE), ("useepay", 201, USEEPAY_SCHEDULE)],
)
def test_unacknowledged_events_are_retried_on_the_schedule_then_given_up(
    provider: str, refusal: int, schedule: tuple[float, ...]
) -> None:
    """WooshPay acknowledges with any 2xx, UseePay only with 200: 201 is a refusal there."""
    # Compressed to about 1 s in all: UseePay's schedule runs for about 5 days, WooshPay's for 32 hours.
    scale = 0.000002 if provider == "useepay" else 0.00001
    with receiving() as recorder:
        recorder.answer = lambda n: refusal
        for double in (
            served(provider, recorder, webhook_url=recorder.url, webhook_time_scale=scale)
            if (provider == "useepay")
            else served(provider, recorder, webhook_time_scale=scale)
        ):
            if provider == "wooshpay":
                wooshpay_endpoint(double, ["invoice.created"])
                customer = double.post("/v1/customers", data={"name": "Ada"}).json()
                double.post("/v1/invoices", data={"customer": customer["id"]})
            else:
                customer = double.post("/api/v1/customers/create", json={"name": "Ada", "merchant_customer_id": "m"})
                double.post(
                    "/api/v1/invoices/create",
                    json={"customer_id": customer.json()["id"], "currency": "USD", "total_amount": 5},
                )
            double.flush()
            attempts = double.double.webhooks.sent  # type: ignore[union-attr]
            assert [a.attempt for a in attempts] == list(range(1, len(schedule) + 2))
            assert len({a.event_id for a in attempts}) == 1
            assert len({a.delivery.body for a in attempts}) == 1
            gaps = [b.delivery.received_at - a.delivery.received_at for a, b in itertools.pairwise(attempts)]
            for gap, declared in zip(gaps, schedule, strict=True):
                assert gap >= declared * scale * 0.9


def test_an_acknowledged_event_is_not_retried(recorder: Recorder) -> None:
    recorder.answer = lambda n: 500 if n == 0 else 204
    for double in served("wooshpay", recorder):
        wooshpay_endpoint(double, ["invoice.created"])
        customer = double.post("/v1/customers", data={"name": "Ada"}).json()
        double.post("/v1/invoices", data={"customer": customer["id"]})
        double.flush()
        time.sleep(0.3)  # longer than the next retry would take
        sent = double.double.webhooks.sent  # type: ignore[union-attr]
        assert [(a.attempt, a.status, a.acknowledged) for a in sent] == [(1, 500, False), (2, 204, True)]
        assert isinstance(sent[0].delivery, Delivery)
        assert Delivery.from_json(sent[0].delivery.to_json()) == sent[0].delivery


def test_an_unreachable_or_hanging_receiver_costs_attempts_not_the_double(recorder: Recorder) -> None:
    dead = f"http://127.0.0.1:{free_loopback_port()}/hooks"
    for double in served("useepay", recorder, webhook_url=dead, webhook_timeout=0.2, webhook_time_scale=0.000001):
        started = time.monotonic()
        useepay_paid_invoice(double)
        assert time.monotonic() - started < 3  # the API does not wait for deliveries
        double.flush()
        sent = double.double.webhooks.sent  # type: ignore[union-attr]
        assert sent
        assert all(a.status is None and "could not be reached" in (a.error or "") for a in sent)
    recorder.delay = 1.0
    for double in served("useepay", recorder, webhook_url=recorder.url, webhook_timeout=0.2):
        started = time.monotonic()
        useepay_paid_invoice(double)
        assert time.monotonic() - started < 3
        assert double.double.webhooks is not None
        deadline = time.monotonic() + 5
        while not double.double.webhooks.sent and time.monotonic() < deadline:
            time.sleep(0.02)
        first = double.double.webhooks.sent[0]
        assert first.status is None
        assert "did not answer within 0.2 s" in (first.error or "")


def test_redirects_are_not_followed(recorder: Recorder) -> None:
    recorder.answer = lambda n: 302
    for double in served("wooshpay", recorder, webhook_time_scale=0.00001):
        wooshpay_endpoint(double, ["invoice.created"])
        customer = double.post("/v1/customers", data={"name": "Ada"}).json()
        double.post("/v1/invoices", data={"customer": customer["id"]})
        double.flush()
        sent = double.double.webhooks.sent  # type: ignore[union-attr]
        assert sent[0].status == 302
        assert not sent[0].acknowledged
        assert len(sent) == len(WOOSHPAY_SCHEDULE) + 1


@settings(max_examples=15, deadline=None)
@given(secret=st.text(min_size=1, max_size=40), stamp=st.integers(0, 2**31), body=st.binary(max_size=64))
def test_wooshpay_signature_is_stripes_scheme(secret: str, stamp: int, body: bytes) -> None:
    import hashlib
    import hmac

    expected = hmac.new(secret.encode(), str(stamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    assert sign(secret, stamp, body) == expected
    assert sign(secret + "x", stamp, body) != expected


@pytest.mark.parametrize(
    ("provider", "options", "message"),
    [
        ("wooshpay", {"webhook_colour": "red"}, "unknown double option 'webhook_colour'"),
        ("wooshpay", {"webhook_time_scale": "fast"}, "must be a number"),
        ("wooshpay", {"webhook_time_scale": 0}, "greater than 0"),
        ("useepay", {"webhook_url": "ftp://x"}, "not an http:// or https:// URL"),
        ("lynkwell", {"webhook_url": "http://127.0.0.1:9/x"}, "sends no events"),
        ("useepay", {"webhook_url": "https://example.com/hooks"}, "loopback only"),
        ("wooshpay", {"webhook_api_version": "2025-01"}, "unknown double option"),
    ],
)
def test_bad_options_are_one_sentence(provider: str, options: dict[str, object], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        build_double(provider, options=options)


def test_signing_secrets_are_registered_for_scrubbing(recorder: Recorder) -> None:
    """A whsec_ secret and UseePay's private key are scrubbed from anything the suite writes."""
    from cryptography.hazmat.primitives import serialization

    from conformance.core import secrets

    for double in served("wooshpay", recorder):
        secret = wooshpay_endpoint(double)["secret"]
        # The documented prefix stays (the spec's schema judges it, live and in replay), the secret goes.
        assert secrets.scrub(f"key={secret}") == "key=whsec_REDACTED"
        assert secret not in secrets.scrub(json.dumps({"secret": secret}))
    for double in served("useepay", recorder, webhook_url=recorder.url):
        scheme = double.double.webhooks.scheme  # type: ignore[union-attr]
        pem = scheme.private_key.private_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        body_line = pem.splitlines()[1]
        assert body_line not in secrets.scrub(pem)
        assert scheme.verification_key not in (None, "")
        assert secrets.scrub(scheme.verification_key) == scheme.verification_key  # a public key is no secret
