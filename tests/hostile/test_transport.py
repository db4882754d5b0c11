"""Nothing hangs, nothing explodes: servers that never answer, trickle, send endless headers, reset
mid-body or lie about gzip end a provider's run with exit 3 within the documented bound
(docs/targets.md: about 2 x TRIP_AFTER x --request-timeout after the first answer); an oversized answer is a
finding, read no further than the cap."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import requests

from conformance.http import transport
from conformance.providers import get_provider
from conformance.scenarios.client import TransportFailure, WorkflowClient
from conformance.targets.double_server import running_double
from tests.conftest import FAKE_CREDENTIALS, invoice_reads
from tests.hostile import servers
from tests.hostile.conftest import assert_one_sentence, conformance

TIMEOUT = 0.5
# The documented bound (6 x timeout: the probe's answer, then TRIP_AFTER failed attempts and their
# short pauses) plus slack for a loaded machine.
BOUND = 2 * transport.TRIP_AFTER * TIMEOUT + 15


def _root_ok_else(behaviour: servers.Behaviour) -> servers.Behaviour:
    """Answers the reachability probe (GET /), misbehaves on every API request."""

    def dispatch(conn, request: bytes) -> None:  # type: ignore[no-untyped-def]
        if request.startswith(b"GET / "):
            servers.answers_ok(conn, request)
        else:
            behaviour(conn, request)

    return dispatch


@pytest.mark.parametrize(
    "behaviour",
    [
        servers.never_answers,
        servers.trickles,
        servers.trickles_json(),
        servers.huge_headers,
        servers.resets_mid_body,
        servers.invalid_gzip,
    ],
    ids=[
        "never-answers",
        "trickles-1-byte-per-s",
        "trickles-json-and-closes",
        "huge-headers",
        "reset-mid-body",
        "invalid-gzip",
    ],
)
def test_a_target_failing_at_transport_level_exits_3_within_the_bound(
    behaviour: servers.Behaviour, tmp_path: Path
) -> None:
    with servers.serving(_root_ok_else(behaviour)) as server:
        ran = conformance(
            [
                "run",
                "--provider",
                "useepay",
                "--base-url",
                f"useepay={server.url}",
                "--no-audit",
                "--max-examples",
                "1",
                "--request-timeout",
                str(TIMEOUT),
                "--report-dir",
                str(tmp_path),
            ],
            env=FAKE_CREDENTIALS["useepay"],
        )
    assert_one_sentence(ran, 3, "UseePay", server.url)
    assert ran.seconds < BOUND, ran.seconds
    assert not (tmp_path / "findings.json").exists()  # no verdict, no report claiming one


def test_deadline_bounds_one_request_end_to_end() -> None:
    with servers.serving(servers.trickles) as server, transport.guarded(TIMEOUT, retries=0):
        started = time.monotonic()
        with pytest.raises(transport.DeadlineExceeded):
            requests.get(server.url + "/v1/x", timeout=60)  # the guard's deadline wins over any socket timeout
        assert time.monotonic() - started < TIMEOUT + 2


@pytest.mark.parametrize("behaviour", [servers.trickles, servers.trickles_json()], ids=["keep-alive", "close"])
def test_deadline_bounds_a_trickled_body_however_the_connection_ends(behaviour: servers.Behaviour) -> None:
    with servers.serving(behaviour) as server, transport.guarded(TIMEOUT, retries=0):
        started = time.monotonic()
        with pytest.raises(transport.DeadlineExceeded):
            requests.get(server.url + "/v1/x", timeout=60)
        assert time.monotonic() - started < TIMEOUT + 2


def test_a_run_against_a_server_trickling_every_answer_ends_within_the_bound(tmp_path: Path) -> None:
    """The reachability and auth probes, the engine, the workflows and the clean-up all meet the same
    server: each attempt ends at the timeout, and the run with exit 3."""
    with servers.serving(servers.trickles_json()) as server:
        ran = conformance(
            [
                *("run", "--provider", "useepay", "--base-url", f"useepay={server.url}", "--no-audit"),
                *("--max-examples", "1", "--request-timeout", str(TIMEOUT), "--report-dir", str(tmp_path)),
            ],
            env=FAKE_CREDENTIALS["useepay"],
        )
    assert_one_sentence(ran, 3, "UseePay", server.url)
    assert ran.seconds < BOUND, ran.seconds
    assert len(server.received) <= 2 * transport.TRIP_AFTER + 2  # given up on, not retried on and on


def test_a_trickled_but_timely_answer_is_read_whole() -> None:
    with servers.serving(servers.trickles_json(interval=0.001, size=100)) as server, transport.guarded(2.0):
        assert requests.get(server.url + "/v1/x").json()["data"].startswith("xxx")


def test_deadline_leaves_a_slow_but_timely_answer_alone() -> None:
    def slow_ok(conn, request: bytes) -> None:  # type: ignore[no-untyped-def]
        time.sleep(0.2)
        servers.answers_ok(conn, request)

    with servers.serving(slow_ok) as server, transport.guarded(2.0, retries=0):
        assert requests.get(server.url + "/v1/x").json() == {}


@pytest.mark.parametrize("behaviour", [servers.huge_headers, servers.trickles_json()], ids=["headers", "body"])
def test_workflow_client_is_bounded_too(behaviour: servers.Behaviour) -> None:
    provider = get_provider("useepay")
    with servers.serving(behaviour) as server, transport.guarded(TIMEOUT, retries=0):
        client = WorkflowClient(provider.spec, server.url, provider.auth(provider.test_credentials({}), server.url))
        started = time.monotonic()
        with pytest.raises(TransportFailure):
            client.call("listInvoices")
        assert time.monotonic() - started < TIMEOUT + 2


@pytest.mark.parametrize("behaviour", [servers.never_answers, servers.trickles_json()], ids=["silent", "trickle"])
def test_lynkwell_token_fetch_is_bounded(behaviour: servers.Behaviour) -> None:
    provider = get_provider("lynkwell")
    with servers.serving(behaviour) as server, transport.guarded(TIMEOUT, retries=0):
        auth = provider.auth(provider.test_credentials({}), server.url)
        started = time.monotonic()
        with pytest.raises(Exception, match="could not be reached"):
            auth.token()
        assert time.monotonic() - started < TIMEOUT + 2


def _big_chunked(size: int) -> servers.Behaviour:
    def behaviour(conn, request: bytes) -> None:  # type: ignore[no-untyped-def]
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"[" + b" " * 65534 + b"]"
        sent = 0
        while sent < size:
            conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        conn.sendall(b"0\r\n\r\n")

    return behaviour


def test_response_size_is_capped_without_reading_on() -> None:
    with (
        servers.serving(_big_chunked(20 * 1024 * 1024)) as server,
        transport.guarded(10, max_bytes=1024 * 1024),
        pytest.raises(transport.ResponseTooLarge, match="1048576-byte cap"),
    ):
        requests.get(server.url + "/big")


def test_an_answer_under_the_cap_is_read_whole() -> None:
    with servers.serving(_big_chunked(300 * 1024)) as server, transport.guarded(10, max_bytes=1024 * 1024):
        assert len(requests.get(server.url + "/big").content) >= 300 * 1024


def test_declared_oversized_answer_is_refused_before_reading() -> None:
    def declares(conn, request: bytes) -> None:  # type: ignore[no-untyped-def]
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 52428800\r\n\r\n")
        time.sleep(5)

    with servers.serving(declares) as server, transport.guarded(10, max_bytes=1024 * 1024):
        started = time.monotonic()
        with pytest.raises(transport.ResponseTooLarge, match="declares 52428800 bytes"):
            requests.get(server.url + "/big")
        assert time.monotonic() - started < 2


def test_an_oversized_answer_from_a_double_is_a_finding(tmp_path: Path) -> None:
    """One operation of a real double answers 200 KB: the run completes, and that answer is a finding."""
    from werkzeug.wrappers import Response

    with running_double("useepay", demo_data=True, credentials=FAKE_CREDENTIALS["useepay"]) as double:
        app = double.server.app

        def inflating(environ, start_response):  # type: ignore[no-untyped-def]
            if environ["REQUEST_METHOD"] == "GET" and environ["PATH_INFO"].endswith("/invoices"):
                body = b'{"padding": "' + b"x" * (200 * 1024) + b'"}'
                return Response(body, content_type="application/json")(environ, start_response)
            return app(environ, start_response)

        double.server.app = inflating
        ran = conformance(
            [
                "run",
                "--provider",
                "useepay",
                "--base-url",
                f"useepay={double.base_url}",
                "--no-audit",
                "--no-workflows",
                # The inflated list and an operation whose answer stays small.
                *(arg for op in invoice_reads("useepay") for arg in ("--include-operation-id", op)),
                "--max-examples",
                "1",
                "--max-response-bytes",
                str(100_000),
                "--report-dir",
                str(tmp_path),
            ],
            env=FAKE_CREDENTIALS["useepay"],
        )
    assert ran.code in (0, 1), ran.stderr
    findings = json.loads((tmp_path / "findings.json").read_text())["findings"]
    oversized = [f for f in findings if "cap (--max-response-bytes)" in f["observed"]]
    assert oversized, [f["observed"] for f in findings]
    assert all(f["kind"] == "transport_error" for f in oversized)
    assert {f["operation"] for f in oversized} == {"listInvoices"}
