"""`conformance sandbox PROVIDER --webhook-url URL --state-url URL`: after a session, the idempotency verdict on an
app in any language, over real HTTP on 127.0.0.1: a handler that books a duplicate payment again exits 1 with
the finding, its correct twin exits 0, the double still answering the app's reads while it is judged; bad input
is one sentence with the exit codes of interfaces.md."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from conformance.cli.main import main
from conformance.providers import get_provider
from conformance.sandbox.receivers import free_loopback_port
from tests.conftest import ROOT
from tests.webhooks.handlers import Start
from tests.webhooks.ledger import Ledger
from tests.webhooks.receiver import receiving
from tests.webhooks.test_assert_idempotent import serving
from tests.webhooks.test_sandbox_cli import _Client, _wait


class App:
    """The team's app: its webhook handler at /hooks, its state as JSON at /state. Like many handlers, it reads
    the invoice back from the provider's API before it acts on an event (and fails the post when it cannot)."""

    def __init__(self, ledger: Ledger, api: str) -> None:
        self.ledger = ledger
        self.api = requests.Session()
        self.api.auth = (get_provider("wooshpay").test_credentials()["WOOSHPAY_API_KEY"], "")
        self.base_url = api

    def __call__(self, environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] == "GET":
            start("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(self.ledger.state()).encode()]
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        invoice = json.loads(body)["data"]["object"]["id"]
        try:
            self.api.get(f"{self.base_url}/v1/invoices/{invoice}", timeout=5).raise_for_status()
        except requests.RequestException:
            start("503 Service Unavailable", [])
            return [b""]
        environ["wsgi.input"] = io.BytesIO(body)
        return self.ledger(environ, start)


@contextmanager
def session(ledger: Ledger, log: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A sandbox delivering to the app and judging it when interrupted; yields its base URL and process."""
    port = free_loopback_port()
    app = App(ledger, f"http://127.0.0.1:{port}")
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in [n for n in environment if n.startswith(("WOOSHPAY_", "USEEPAY_"))]:
        del environment[name]
    with serving(app) as hooks, log.open("w") as out:
        state = hooks.removesuffix("/hooks") + "/state"
        arguments = ["--webhook-url", hooks, "--state-url", state, "--webhook-time-scale", "0.001"]
        process = subprocess.Popen(
            [sys.executable, "-m", "conformance", "sandbox", "wooshpay", "--port", str(port), *arguments],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environment,
        )
        try:
            _wait(log, "Ctrl-C stops it", timeout=60)
            yield f"http://127.0.0.1:{port}", process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


def judged(remembers_ids: bool, log: Path) -> tuple[int, str, Ledger]:
    ledger = Ledger(remembers_ids=remembers_ids)
    with session(ledger, log) as (base_url, process):
        from tests.webhooks.test_handler_faults import pay_an_invoice

        pay_an_invoice(_Client("wooshpay", base_url))  # type: ignore[arg-type]
        deadline = time.monotonic() + 20
        while len(ledger.books.seen) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        # Ctrl-C for one twin, a service manager's SIGTERM for the other: both end the session with the verdict.
        process.send_signal(signal.SIGTERM if remembers_ids else signal.SIGINT)
        code = process.wait(timeout=30)
    return code, log.read_text(), ledger


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, tuple[int, str, Ledger]]:
    """Both twins at once (each a sandbox process): the naive handler and the one that remembers event ids."""
    directory = tmp_path_factory.mktemp("sandbox_verdict")
    with ThreadPoolExecutor(2) as pool:
        done = {ids: pool.submit(judged, ids, directory / f"remembers_ids_{ids}.log") for ids in (False, True)}
        return {ids: future.result() for ids, future in done.items()}


def test_a_handler_that_books_a_duplicate_again_exits_1_with_the_finding(
    sessions: dict[bool, tuple[int, str, Ledger]],
) -> None:
    code, output, ledger = sessions[False]
    assert code == 1, output
    assert "Traceback" not in output
    assert "webhook handler not idempotent: event evt_" in output
    assert "(invoice.paid, about in_" in output
    assert "replay 1 of 3 (as delivered)" in output
    assert ": 1200 -> 2400" in output
    assert list(ledger.books.booked.values()) == [2400]


def test_a_handler_that_remembers_event_ids_exits_0(sessions: dict[bool, tuple[int, str, Ledger]]) -> None:
    code, output, ledger = sessions[True]
    assert code == 0, output
    assert "webhook handler idempotent: 3 handled event(s) delivered again" in output
    assert list(ledger.books.booked.values()) == [1200]


def test_state_url_needs_the_webhook_url() -> None:
    result = CliRunner().invoke(main, ["sandbox", "wooshpay", "--state-url", "http://127.0.0.1:1/state"])
    assert result.exit_code == 2
    assert "--state-url judges the app that --webhook-url delivers to; give both." in result.output
    assert "Traceback" not in result.output


def test_a_state_url_off_this_machine_is_refused() -> None:
    with receiving() as recorder:
        arguments = ["--webhook-url", recorder.url, "--state-url", "https://example.com/state"]
        result = CliRunner().invoke(main, ["sandbox", "wooshpay", *arguments])
    assert result.exit_code == 2
    assert "is not on this machine" in result.output


def test_an_unreadable_state_url_is_no_verdict() -> None:
    with receiving() as recorder:
        state = f"http://127.0.0.1:{free_loopback_port()}/state"
        result = CliRunner().invoke(main, ["sandbox", "wooshpay", "--webhook-url", recorder.url, "--state-url", state])
    assert result.exit_code == 3
    assert f"the state URL {state} could not be read" in result.output
    assert "Traceback" not in result.output


def test_a_session_in_which_the_app_handled_nothing_is_no_verdict() -> None:
    from conformance.cli.sandbox import judge_handler
    from conformance.core.errors import TargetUnreachable
    from conformance.targets.double_server import running_double

    with (
        running_double("wooshpay", seed=0) as running,
        serving(App(Ledger(), running.base_url)) as hooks,
        pytest.raises(TargetUnreachable, match="acknowledged no event") as caught,
    ):
        judge_handler(running, hooks.removesuffix("/hooks") + "/state", 5.0)
    assert caught.value.exit_code == 3
