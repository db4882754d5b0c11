"""`conformance sandbox PROVIDER --webhook-url URL [--fault ...]`: the double delivers to any local app over
real HTTP; bad input is one sentence with the exit codes of interfaces.md."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from conformance.cli.main import main
from conformance.providers.wooshpay.double.events import sign
from conformance.sandbox.receivers import free_loopback_port
from tests.conftest import ROOT
from tests.webhooks.receiver import receiving
from tests.webhooks.test_handler_faults import pay_an_invoice


@contextmanager
def sandbox(provider: str, log: Path, *arguments: str) -> Iterator[str]:
    port = free_loopback_port()
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in [n for n in environment if n.startswith(("WOOSHPAY_", "USEEPAY_"))]:
        del environment[name]
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "conformance", "sandbox", provider, "--port", str(port), *arguments],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environment,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                with socket.socket() as client:
                    if client.connect_ex(("127.0.0.1", port)) == 0:
                        break
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the double never started"
                time.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert "Traceback" not in log.read_text(), log.read_text()


class _Client:
    """Just enough of the plugin's Double for pay_an_invoice."""

    def __init__(self, provider: str, base_url: str) -> None:
        from conformance.providers import get_provider

        self.provider = provider
        self.base_url = base_url
        self.session = requests.Session()
        found = get_provider(provider)
        self.session.auth = found.auth(found.test_credentials(), base_url)

    def url(self, path: str) -> str:
        return self.base_url + path


def _wait(log: Path, pattern: str, timeout: float = 20.0) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text())
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{pattern!r} never appeared in:\n{log.read_text()}")


@pytest.mark.parametrize("faults", [(), ("deliver_twice",)])
def test_wooshpay_delivers_to_a_local_app_signed_with_the_printed_secret(
    tmp_path: Path, faults: tuple[str, ...]
) -> None:
    with receiving() as recorder:
        fault_args = [arg for fault in faults for arg in ("--fault", fault)]
        log = tmp_path / "sandbox.log"
        with sandbox("wooshpay", log, "--webhook-url", recorder.url, *fault_args) as base_url:
            secret = _wait(log, r"signing secret \(verify the signature header with it\): (whsec_\S+)").group(1)
            pay_an_invoice(_Client("wooshpay", base_url))  # type: ignore[arg-type]
            expected = 3 * (2 if faults else 1)
            arrivals = recorder.wait_for(expected)
            _wait(log, r"event invoice\.paid evt_\w+ attempt 1: answered 200 \(acknowledged\)")
        assert len(arrivals) == expected
        ids = [json.loads(a.body)["id"] for a in arrivals]
        assert (len(set(ids)) < len(ids)) == bool(faults)
        for arrival in arrivals:
            stamp, v1 = (p.split("=", 1)[1] for p in arrival.headers["wooshpay-signature"].split(","))
            assert v1 == sign(secret, int(stamp), arrival.body)


def test_a_hanging_app_costs_attempts_not_the_double(tmp_path: Path) -> None:
    with receiving() as recorder:
        recorder.delay = 2.0
        log = tmp_path / "sandbox.log"
        arguments = ("--webhook-url", recorder.url, "--webhook-timeout", "0.3", "--webhook-time-scale", "1000")
        with sandbox("useepay", log, *arguments) as base_url:
            _wait(log, "BEGIN PUBLIC KEY")
            client = _Client("useepay", base_url)
            started = time.monotonic()
            pay_an_invoice(client)  # type: ignore[arg-type]
            assert time.monotonic() - started < 5  # the API never waits for a delivery
            _wait(log, r"attempt 1: no answer: \S+ did not answer within 0\.3 s\. \(not acknowledged\)")
            assert client.session.get(client.url("/api/v1/invoices")).status_code == 200


@pytest.mark.parametrize(
    ("arguments", "code", "sentence"),
    [
        (["wooshpay", "--webhook-url", "URL-DEAD"], 3, "could not be reached"),
        (["wooshpay", "--webhook-url", "URL", "--fault", "no_such_fault"], 2, "unknown fault 'no_such_fault'"),
        (["wooshpay", "--webhook-url", "https://example.com/hooks"], 2, "loopback only"),
        (["lynkwell", "--webhook-url", "URL"], 2, "sends no events"),
        (["wooshpay", "--webhook-url", "URL", "--webhook-api-version", "2025-01"], 2, "unknown double option"),
        (["useepay", "--webhook-url", "URL", "--fault", "timestamp_stale"], 2, "UseePay signs no timestamp"),
        (["wooshpay", "--webhook-url", "URL", "--webhook-time-scale", "0"], 2, "Invalid value"),
    ],
)
def test_bad_input_is_one_sentence_and_its_exit_code(arguments: list[str], code: int, sentence: str) -> None:
    with receiving() as recorder:
        dead = f"http://127.0.0.1:{free_loopback_port()}/hooks"
        argv = ["sandbox", *[{"URL": recorder.url, "URL-DEAD": dead}.get(a, a) for a in arguments]]
        result = CliRunner().invoke(main, argv)
    assert result.exit_code == code, result.output
    assert sentence in result.output
    assert "Traceback" not in result.output
    assert recorder.arrivals == []
