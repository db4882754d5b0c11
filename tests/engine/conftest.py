"""Running the CLI against a double over real HTTP, one shared recording per provider, and blocking the
network for replays."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conformance.cli.main import main
from conformance.targets.double_server import running_double
from tests.conftest import FAKE_CREDENTIALS, made_once

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


def _record(provider: str, cassettes: Path, reports: Path, credentials: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    with running_double(provider, seed=3, demo_data=True, credentials=credentials) as double:
        args = ["run", "--target", "record", "--provider", provider, "--base-url", f"{provider}={double.base_url}"]
        args += [*FAST, "--cassette-dir", str(cassettes), "--report-dir", str(reports)]
        return run_cli(args, env=dict(double.credentials))


Recorded = tuple[Path, dict[str, Any]]  # the cassette directory, the recording's findings document


@pytest.fixture(scope="session")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Recorded]:
    """A provider recorded once per session from its double (small budget, known fake credentials): its
    cassettes and its findings, reports in <root>/record. One recording per provider, so xdist workers
    record different providers at the same time."""

    def recorded(provider: str) -> Recorded:
        def record(root: Path) -> None:
            result, document = _record(provider, root / "cassettes", root / "record", FAKE_CREDENTIALS[provider])
            assert document is not None, result.output

        root = made_once(tmp_path_factory, f"engine-recording-{provider}", record)
        return root / "cassettes", json.loads((root / "record" / "findings.json").read_text())

    return recorded


@pytest.fixture
def provider_recording(provider: str, recording: Callable[[str], Recorded]) -> Recorded:
    """The parametrized provider's shared recording, made before a later `no_network` blocks the network."""
    return recording(provider)
