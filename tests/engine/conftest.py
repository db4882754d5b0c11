"""Running the CLI against a double over real HTTP, and blocking the network for replays."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conformance.cli.main import main

FAST = ["--max-examples", "3", "--no-audit"]


def run_cli(args: list[str], env: dict[str, str] | None = None) -> tuple[Result, dict[str, Any] | None]:
    """`conformance ARGS`; the findings document if the run wrote one under --report-dir."""
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    report_dir = Path(args[args.index("--report-dir") + 1]) if "--report-dir" in args else Path("reports")
    findings = report_dir / "findings.json"
    return result, json.loads(findings.read_text()) if findings.exists() else None


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test: replays must never touch the network."""

    def refuse(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"network access attempted during replay: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return
