"""The run's webhook receiver over real sockets: what it records, what it answers, and what a hostile
sender cannot do to it."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.core.deliveries import Delivery
from conformance.core.errors import UsageError
from conformance.targets.webhook_receiver import RefuseFirst, WebhookReceiver, parse_listen, receiving


@pytest.fixture(scope="module")
def shared() -> Iterator[WebhookReceiver]:
    with receiving() as receiver:
        yield receiver


def _event_id(delivery: Delivery) -> str | None:
    body = json.loads(delivery.body)
    return str(body["id"]) if body.get("type") == "invoice.paid" else None


# Header values as a sender may write them (latin-1 printable, no CR/LF), names as tokens.
_names = st.from_regex(r"X-[A-Za-z0-9][A-Za-z0-9-]{0,20}", fullmatch=True)
_values = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=60)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.binary(max_size=4096),
    headers=st.lists(st.tuples(_names, _values), max_size=5, unique_by=lambda h: h[0].lower()),
)
def test_every_post_is_recorded_as_sent(shared: WebhookReceiver, body: bytes, headers: list[tuple[str, str]]) -> None:
    mark = shared.count()
    response = requests.post(shared.url, data=body, headers=dict(headers), timeout=5)
    assert response.status_code == 200
    [delivery] = shared.since(mark)
    assert delivery.body == body
    assert delivery.method == "POST"
    assert delivery.path == "/webhooks"
    assert delivery.status == 200
    assert [(k, v) for k, v in delivery.headers if k.startswith("x-")] == [(k.lower(), v) for k, v in headers]
    assert delivery.sequence == mark
    assert Delivery.from_json(json.loads(json.dumps(delivery.to_json()))) == delivery


def test_sequence_and_clock_follow_arrival() -> None:
    with receiving() as receiver:
        for index in range(3):
            requests.post(receiver.url + f"/{index}", json={"n": index}, timeout=5)
        deliveries = receiver.deliveries
    assert [d.sequence for d in deliveries] == [0, 1, 2]
    assert [d.path for d in deliveries] == ["/webhooks/0", "/webhooks/1", "/webhooks/2"]
    assert all(a.received_at <= b.received_at for a, b in itertools.pairwise(deliveries))
    assert deliveries[0].content_type == "application/json"


def _event(event_id: str, name: str) -> bytes:
    return json.dumps({"id": event_id, "type": name, "data": {"object": {"id": "in_1"}}}).encode()


def test_refuse_first_refuses_only_the_first_attempt_of_a_chosen_event() -> None:
    with receiving(refuse_first=RefuseFirst(_event_id)) as receiver:
        statuses = [
            requests.post(receiver.url, data=body, timeout=5).status_code
            for body in (
                _event("evt_1", "invoice.paid"),  # chosen: refused
                _event("evt_1", "invoice.paid"),  # its retry: acknowledged
                _event("evt_2", "invoice.sent"),  # not chosen
                b"not json",  # unreadable: acknowledged, never refused
            )
        ]
        recorded = [d.status for d in receiver.deliveries]
    assert statuses == recorded == [500, 200, 200, 200]


def test_without_a_probe_every_event_is_acknowledged() -> None:
    with receiving() as receiver:
        statuses = [
            requests.post(receiver.url, data=_event("evt_1", "invoice.paid"), timeout=5).status_code for _ in "ab"
        ]
    assert statuses == [200, 200]


def _raw(receiver: WebhookReceiver, data: bytes, *, read: bool = True) -> bytes:
    with socket.create_connection(("127.0.0.1", receiver.port), timeout=5) as connection:
        connection.sendall(data)
        if not read:
            return b""
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
        return answer


def test_an_oversized_body_is_refused_unread_and_the_receiver_goes_on() -> None:
    with receiving(max_body=1024) as receiver:
        too_big = _raw(receiver, b"POST /webhooks HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n" + b"x" * 10)
        fine = requests.post(receiver.url, data=b"x" * 1024, timeout=5)
        deliveries = receiver.deliveries
    assert too_big.startswith(b"HTTP/1.0 413")
    assert fine.status_code == 200
    assert [(d.status, len(d.body)) for d in deliveries] == [(413, 0), (200, 1024)]


def test_chunked_bodies_are_read_and_bounded() -> None:
    with receiving(max_body=16) as receiver:
        ok = _raw(receiver, b"POST /webhooks HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        big = _raw(
            receiver,
            b"POST /webhooks HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" + b"y" * 32 + b"\r\n0\r\n\r\n",
        )
        deliveries = receiver.deliveries
    assert ok.startswith(b"HTTP/1.0 200")
    assert big.startswith(b"HTTP/1.0 413")
    assert [(d.status, d.body) for d in deliveries] == [(200, b"hello"), (413, b"")]


@pytest.mark.parametrize(
    "garbage",
    [
        b"POST /webhooks HTTP/1.1\r\nContent-Length: twelve\r\n\r\n",
        b"POST /webhooks HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        b"POST /webhooks HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)),  # a TLS hello to a plain port
        b"BREW /pot HTCPCP/1.0\r\n\r\n",
        b"POST /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
    ],
)
def test_garbage_gets_an_error_answer_and_nothing_breaks(garbage: bytes) -> None:
    with receiving() as receiver:
        answer = _raw(receiver, garbage)
        after = requests.post(receiver.url, data=b"{}", timeout=5)
    assert not answer.startswith(b"HTTP/1.0 200")  # never acknowledged
    assert after.status_code == 200


def test_a_stalled_sender_is_cut_off_and_others_are_served_meanwhile() -> None:
    with receiving(read_timeout=0.5) as receiver:
        stalled = socket.create_connection(("127.0.0.1", receiver.port), timeout=5)
        stalled.sendall(b"POST /webhooks HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly this")
        started = time.monotonic()
        assert requests.post(receiver.url, data=b"{}", timeout=5).status_code == 200
        assert time.monotonic() - started < 0.5  # not queued behind the stalled one
        stalled.settimeout(5)
        assert stalled.recv(1) == b""  # cut off after the read timeout, with no answer
        stalled.close()
        assert receiver.wait_for(lambda d: len(d) == 2, timeout=5)
        incomplete = next(d for d in receiver.deliveries if d.status is None)
    assert incomplete.body == b"only this"


def test_close_cuts_open_connections_and_leaves_no_thread() -> None:
    before = set(threading.enumerate())
    receiver = WebhookReceiver(read_timeout=60).start()
    hanging = [socket.create_connection(("127.0.0.1", receiver.port), timeout=5) for _ in range(3)]
    for connection in hanging:
        connection.sendall(b"POST /webhooks HTTP/1.1\r\nContent-Length: 10\r\n\r\n")
    time.sleep(0.2)
    started = time.monotonic()
    receiver.close()
    assert time.monotonic() - started < 3
    for connection in hanging:
        connection.close()
    assert [t for t in threading.enumerate() if t not in before and t.is_alive()] == []


def test_connections_beyond_the_bound_are_closed_not_queued() -> None:
    with receiving(max_connections=2, read_timeout=1) as receiver:
        hanging = [socket.create_connection(("127.0.0.1", receiver.port), timeout=5) for _ in range(2)]
        for connection in hanging:
            connection.sendall(b"POST /webhooks HTTP/1.1\r\nContent-Length: 10\r\n\r\n")
        time.sleep(0.2)
        extra = socket.create_connection(("127.0.0.1", receiver.port), timeout=5)
        extra.settimeout(5)
        assert extra.recv(1) == b""  # closed at once: over the bound
        extra.close()
        for connection in hanging:
            connection.close()
        assert receiver.wait_for(lambda d: len(d) == 2, timeout=5)
        assert requests.post(receiver.url, data=b"{}", timeout=5).status_code == 200


def test_a_port_in_use_is_one_sentence() -> None:
    with receiving() as taken, pytest.raises(UsageError) as raised:
        WebhookReceiver("127.0.0.1", taken.port).start()
    message = str(raised.value)
    assert f"127.0.0.1:{taken.port}" in message
    assert "--webhook-listen" in message
    assert "\n" not in message


def test_wait_for_gives_up_after_its_timeout_and_returns_when_done() -> None:
    with receiving() as receiver:
        started = time.monotonic()
        assert receiver.wait_for(lambda d: bool(d), timeout=0.3) is False
        assert 0.25 <= time.monotonic() - started < 2
        threading.Timer(0.1, lambda: requests.post(receiver.url, data=b"{}", timeout=5)).start()
        assert receiver.wait_for(lambda d: bool(d), timeout=5) is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [("127.0.0.1:8765", ("127.0.0.1", 8765)), ("0.0.0.0:9000", ("0.0.0.0", 9000)), ("[::1]:8080", ("::1", 8080))],
)
def test_listen_addresses_parse(value: str, expected: tuple[str, int]) -> None:
    assert parse_listen(value) == expected


@pytest.mark.parametrize(
    "value", ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:99999", ":8080", "host:port", "a:1/path", "[::1:80"]
)
def test_bad_listen_addresses_are_one_sentence(value: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_listen(value)
    assert "--webhook-listen" in str(raised.value)
    assert "\n" not in str(raised.value)
