"""An interrupted live run leaves what it created; its ledger says what, and `conformance cleanup` removes
it: afterwards the double holds no open invoice the run created."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from conformance.cli.main import main
from conformance.core.ledger import FILE_NAME, still_open
from conformance.targets.double_server import running_double

OPEN = {"draft", "open"}


def _open_invoices(double: Any, demo: set[str]) -> set[str]:
    return {key for key, invoice in double.invoices.items() if key not in demo and invoice["status"] in OPEN}


def _invoices(ledger: Path) -> set[str]:
    return {e.id for e in still_open(ledger, "wooshpay") if e.operation == "createInvoice"}


def test_a_run_stopped_by_sigterm_then_cleanup_leaves_no_open_invoice(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    with running_double("wooshpay", demo_data=True) as running:
        double: Any = running.double
        demo = set(double.invoices)
        command = [
            sys.executable,
            "-m",
            "conformance",
            "run",
            "--base-url",
            f"wooshpay={running.base_url}",
            "--provider",
            "wooshpay",
            "--no-audit",
            "--no-workflows",
            "--include-operation-id",
            "createCustomer",
            "--include-operation-id",
            "createInvoice",
            "--max-examples",
            "100",
            "--report-dir",
            str(reports),
        ]
        process = subprocess.Popen(
            command, env={**os.environ, **running.credentials}, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        ledger = reports / FILE_NAME
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(_invoices(ledger)) < 3 and process.poll() is None:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 143, err.decode()
        time.sleep(0.2)  # a request in flight when the signal came is answered by now
        left = _open_invoices(double, demo)
        assert left, "the interrupted run left open invoices (else the clean-up below proves nothing)"
        assert left <= _invoices(ledger), "the ledger names every one"
        result = CliRunner().invoke(
            main,
            [
                "cleanup",
                "--provider",
                "wooshpay",
                "--base-url",
                f"wooshpay={running.base_url}",
                "--report-dir",
                str(reports),
            ],
            env=running.credentials,
        )
        assert result.exit_code == 0, result.output
        assert _open_invoices(double, demo) == set()
        assert _invoices(ledger) == set()  # the removals are written down (customers have no documented removal)


def test_cleanup_without_a_ledger_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["cleanup", "--provider", "wooshpay", "--report-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "ledger.jsonl does not exist" in result.output
