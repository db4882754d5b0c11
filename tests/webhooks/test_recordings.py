"""A scenario's deliveries recorded beside its cassette: they read back as received, scrubbed, and are
written whole with the run's cassettes or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.cassettes import deliveries as recording
from conformance.cassettes import store
from conformance.core import secrets
from conformance.core.deliveries import Delivery
from conformance.core.errors import UsageError

_header = st.tuples(
    st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40),
)
_delivery = st.builds(
    Delivery,
    sequence=st.integers(0, 1000),
    received_at=st.floats(0, 1e5, allow_nan=False).map(lambda t: round(t, 6)),
    method=st.just("POST"),
    path=st.from_regex(r"/[a-z0-9/]{0,20}", fullmatch=True),
    headers=st.lists(_header, max_size=4).map(tuple),
    body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode),
    status=st.sampled_from([200, 500, 413, None]),
)


@settings(max_examples=40, deadline=None)
@given(
    deliveries=st.lists(_delivery, max_size=5),
    exchanges=st.lists(
        st.tuples(st.floats(0, 100), st.floats(0, 100)).map(lambda p: (round(p[0], 6), round(p[1], 6))), max_size=4
    ),
    scale=st.sampled_from([1.0, 0.01, 0.005]),
    data=st.data(),
)
def test_what_is_recorded_reads_back_as_received(
    tmp_path_factory: pytest.TempPathFactory,
    deliveries: list[Delivery],
    exchanges: list[tuple[float, float]],
    scale: float,
    data: st.DataObject,
) -> None:
    verified = tuple(
        data.draw(st.lists(st.sampled_from([True, False]), min_size=len(deliveries), max_size=len(deliveries)))
    )
    written = recording.RecordedDeliveries(
        tuple(deliveries), verified, tuple(exchanges), scale, metadata={"scenario": "s"}
    )
    path = tmp_path_factory.mktemp("rec") / "s.webhooks.json"
    recording.write(path, written)
    assert recording.read(path) == written


def _post(body: bytes, *headers: tuple[str, str]) -> Delivery:
    return Delivery(0, 0.5, "POST", "/webhooks", (("content-type", "application/json"), *headers), body, 200)


def test_a_registered_secret_is_redacted_in_body_headers_and_metadata(tmp_path: Path) -> None:
    secret = "whsec_CanaryRecording0123456789"
    secrets.register([secret])
    delivery = _post(json.dumps({"echo": secret}).encode(), ("x-echo", f"v={secret}"))
    path = tmp_path / "s.webhooks.json"
    recording.write(path, recording.RecordedDeliveries((delivery,), (True,), metadata={"note": secret}))
    text = path.read_text()
    assert secret not in text
    assert text.count("REDACTED") == 3


def test_a_signature_is_kept_only_with_its_verification(tmp_path: Path) -> None:
    header = ("wooshpay-signature", "t=1,v1=abcdef0123")
    delivery = _post(b"{}", header)
    for verified, kept in ((True, True), (False, True), (None, False)):
        path = tmp_path / f"{verified}.webhooks.json"
        recording.write(path, recording.RecordedDeliveries((delivery,), (verified,)), ["WooshPay-Signature"])
        [read] = recording.read(path).deliveries  # type: ignore[union-attr]
        assert (read.header("wooshpay-signature") == header[1]) is kept
        assert (read.header("wooshpay-signature") == "REDACTED") is not kept


def test_nothing_recorded_is_none_and_a_bad_file_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "s.webhooks.json"
    assert recording.read(path) is None
    for bad in ("{", "[]", json.dumps({"format": recording.FORMAT}), json.dumps({"format": "other"})):
        path.write_text(bad)
        with pytest.raises(UsageError) as raised:
            recording.read(path)
        assert str(raised.value).startswith(f"webhook recording {path}")
        assert "\n" not in str(raised.value)


def test_the_file_sits_beside_the_scenario_cassette() -> None:
    cassette = store.cassette_path(Path("c"), "wooshpay", "workflows", "pay_an_invoice")
    assert recording.deliveries_path(cassette) == Path("c/wooshpay/workflows/pay_an_invoice.webhooks.json")


def test_a_recording_waits_for_the_run_and_goes_with_it(tmp_path: Path) -> None:
    path = tmp_path / "p" / "workflows" / "s.webhooks.json"
    path.parent.mkdir(parents=True)
    path.write_text("old")
    with store.transaction(tmp_path):
        recording.write(path, recording.RecordedDeliveries((_post(b"{}"),), (None,)))
        assert path.read_text() == "old"  # staged until the run ends
        assert recording.read(path) is not None  # but readable by the run itself
    assert recording.read(path) is not None
    path.write_text("old")

    def interrupted() -> None:
        with store.transaction(tmp_path):
            recording.write(path, recording.RecordedDeliveries((_post(b"{}"),), (None,)))
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert path.read_text() == "old"
    assert sorted(p.name for p in path.parent.iterdir()) == ["s.webhooks.json"]
