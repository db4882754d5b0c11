"""An interrupted live run leaves what it created; its ledger says what, and `conformance cleanup` removes
it: afterwards the double holds no open invoice the run created. Without the ledger, cleanup finds the same
objects by listing them and reading the run's tag in their metadata (and leaves another run's alone)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conformance.cli.main import main
from conformance.core.ledger import FILE_NAME, still_open
from conformance.targets.double_server import running_double
from conformance.targets.run_tag import tag_of

OPEN = {"draft", "open"}


def _open_invoices(double: Any, demo: set[str]) -> set[str]:
    return {key for key, invoice in double.invoices.items() if key not in demo and invoice["status"] in OPEN}


def _invoices(ledger: Path) -> set[str]:
    return {e.id for e in still_open(ledger, "wooshpay") if e.operation == "createInvoice"}


@pytest.mark.parametrize("ledger_kept", [True, False], ids=["ledger", "listing-only"])
def test_a_run_stopped_by_sigterm_then_cleanup_leaves_no_open_invoice(tmp_path: Path, ledger_kept: bool) -> None:
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
        run_ids = {e.run_id for e in still_open(ledger, "wooshpay")}
        assert all(tag_of(double.invoices[key]) in run_ids for key in left), "each carries the run's tag"
        cleanup = ["cleanup", "--provider", "wooshpay", "--base-url", f"wooshpay={running.base_url}"]
        if not ledger_kept:
            ledger.unlink()
            other = CliRunner().invoke(
                main, [*cleanup, "--run-id", "run-000000000000", "--report-dir", str(reports)], env=running.credentials
            )
            assert other.exit_code == 0, other.output
            assert _open_invoices(double, demo) == left, "another run's tag is not this run's"
        result = CliRunner().invoke(main, [*cleanup, "--report-dir", str(reports)], env=running.credentials)
        assert result.exit_code == 0, result.output
        assert _open_invoices(double, demo) == set()
        if ledger_kept:
            assert _invoices(ledger) == set()  # the removals are written down (customers have no documented removal)
        else:
            assert not ledger.exists(), "a cleanup without a ledger writes none"


def test_cleanup_without_a_ledger_nor_metadata_is_a_usage_error(tmp_path: Path) -> None:
    # Lynkwell's API has no metadata to find a run's objects by: only a ledger can say what a run created.
    result = CliRunner().invoke(main, ["cleanup", "--provider", "lynkwell", "--report-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "ledger.jsonl does not exist" in result.output
