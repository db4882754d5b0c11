"""A live run asked to receive webhooks (--webhook-listen, --webhook-public-url), against a double served as
any server would be: WooshPay's endpoint is registered through its API for the run and removed after it
(written down in the clean-up ledger), the events are heard and judged, a record run writes them beside
the scenario cassettes, and the signing secret reaches no written byte."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import requests

from conformance.core import ledger
from conformance.providers import get_provider
from conformance.sandbox.webhooks import Endpoint
from conformance.targets.double_server import RunningDouble, running_double
from tests.hostile.conftest import conformance, tree_bytes

FAST = {"webhook_time_scale": 0.000001}  # the double's retry schedule compressed (the run judges it as real time)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def capture_endpoints(double: RunningDouble) -> list[Endpoint]:
    outbox = double.double.webhooks
    assert outbox is not None
    registered: list[Endpoint] = []
    original = outbox.register

    def register(endpoint: Endpoint) -> Endpoint:
        registered.append(endpoint)
        return original(endpoint)

    outbox.register = register  # type: ignore[method-assign]
    return registered


def _run(double: RunningDouble, tmp_path: Path, target: str, port: int) -> Any:
    return conformance(
        [
            "run",
            "--target",
            target,
            "--provider",
            "wooshpay",
            "--base-url",
            f"wooshpay={double.base_url}",
            "--no-audit",
            "--max-examples",
            "1",
            "--include-operation-id",
            "retrieveInvoice",
            "--webhook-listen",
            f"127.0.0.1:{port}",
            "--webhook-public-url",
            f"http://127.0.0.1:{port}/hooks",
            "--webhook-timeout",
            "5",
            "--cassette-dir",
            str(tmp_path / "cassettes"),
            "--report-dir",
            str(tmp_path / "reports"),
        ],
        env=dict(double.credentials),
    )


def test_a_live_run_registers_hears_judges_records_and_removes_its_endpoint(tmp_path: Path) -> None:
    port = free_port()
    with running_double("wooshpay", demo_data=True, options=FAST) as double:
        registered = capture_endpoints(double)
        ran = _run(double, tmp_path, "record", port)  # a record run is a live run that writes its cassettes
        provider = get_provider("wooshpay")
        left = requests.get(
            double.base_url + "/v1/webhook_endpoints",
            auth=provider.auth(double.credentials, double.base_url),
            timeout=10,
        ).json()
        sent = double.double.webhooks.sent  # type: ignore[union-attr]
    assert ran.code in (0, 1), ran.stderr[-2000:]
    assert [e.receiver.name for e in registered] == [f"http://127.0.0.1:{port}/hooks"]
    assert left["data"] == []  # removed when the workflows ended
    assert sent
    assert {a.delivery.path for a in sent} == {"/hooks"}
    findings = json.loads((tmp_path / "reports" / "findings.json").read_text())["findings"]
    webhook = [f for f in findings if f["operation"].startswith("webhook ")]
    # The double ran its retry schedule a million times faster than a real provider would: only that is said.
    assert {f["check"] for f in webhook} <= {"webhook.retries"}
    entries = ledger.still_open(tmp_path / "reports" / ledger.FILE_NAME, "wooshpay")
    assert [e for e in entries if e.operation == "CreateWebhookEndpoint"] == []
    assert "CreateWebhookEndpoint" in (tmp_path / "reports" / ledger.FILE_NAME).read_text()
    # Each scenario's deliveries beside its cassette.
    folder = tmp_path / "cassettes" / "wooshpay" / "workflows"
    recordings = {p.name.removesuffix(".webhooks.json") for p in folder.glob("*.webhooks.json")}
    assert recordings == {p.stem for p in folder.glob("*.yaml")}
    lifecycle = json.loads((folder / "invoice_lifecycle.webhooks.json").read_text())
    assert lifecycle["received"] is True
    assert lifecycle["time_scale"] == 1.0
    names = {json.loads(d["body"]["text"])["type"] for d in lifecycle["deliveries"]}
    assert {"invoice.created", "invoice.finalized", "invoice.paid"} <= names
    # The signing secret the creation answered reaches no written byte.
    secret = registered[0].secret
    assert secret
    assert secret.startswith("whsec_")
    written = {**tree_bytes(tmp_path), "<stdout>": ran.stdout.encode(), "<stderr>": ran.stderr.encode()}
    assert [name for name, data in written.items() if secret.encode() in data] == []
    assert not [name for name in written if name.endswith((".recording", ".tmp"))]
