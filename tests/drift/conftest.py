"""Drift tests: the CLI, hand-written cassette sets, and recordings of the provider doubles.

Recording is the slow part (the engine sends hundreds of requests per operation), so the recordings
hold the operations that read invoices, and each is made once per session and shared by every test,
and across pytest-xdist workers through a lock.
The eight faults touch different things (six fields of the invoice object, the success status, the
content-type label), so one recording carries all of them and each test checks its own part and
that nothing else drifted. `DRIFT_TEST_FAULTS=isolated` records every fault on its own instead
(slower; the same assertions hold).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from conformance.cli.main import main
from conformance.providers import get_provider
from conformance.targets.double_server import running_double
from tests.conftest import invoice_reads

PROVIDERS = ("lynkwell", "useepay", "wooshpay")
BODY_FAULTS = (
    "field_removed",
    "field_retyped",
    "field_renamed",
    "field_added",
    "enum_value_added",
    "null_not_nullable",
)
RESPONSE_FAULTS = ("wrong_success_status", "wrong_content_type")
ISOLATED = os.environ.get("DRIFT_TEST_FAULTS") == "isolated"
OLD_SEED, NEW_SEED = 1, 2  # different ids and timestamps in the two sets

Recorder = Callable[..., Path]
DriftBetween = Callable[[Path, Path], "tuple[Result, list[dict[str, Any]]]"]


def recorded_with(fault: str) -> tuple[str, ...]:
    """The faults of the recording that carries `fault`."""
    return (fault,) if ISOLATED else (*BODY_FAULTS, *RESPONSE_FAULTS)


def record(provider: str, faults: tuple[str, ...], seed: int, out: Path) -> None:
    """`conformance run --target record` against a double, as the scheduled job records."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in get_provider(provider).test_credentials().items():
            env.setenv(name, value)
        with running_double(provider, faults=list(faults), seed=seed, demo_data=True) as double:
            result = CliRunner().invoke(
                main,
                [
                    "run",
                    "--target",
                    "record",
                    "--provider",
                    provider,
                    "--base-url",
                    f"{provider}={double.base_url}",
                    "--cassette-dir",
                    str(out / "cassettes"),
                    "--report-dir",
                    str(out / "reports"),
                    "--no-audit",
                    # The engine's cassette is what drift compares here; the workflows add minutes, not cases.
                    "--no-workflows",
                    "--max-examples",
                    "3",
                    # Every fault recorded here changes what the invoice reads answer, and the clean
                    # recordings send the same requests: each fault's test and the no-drift test compare
                    # the same exchanges.
                    *(arg for op in invoice_reads(provider) for arg in ("--include-operation-id", op)),
                ],
            )
    assert result.exit_code in (0, 1), result.output  # 1: the faults were found, as they should be
    assert any((out / "cassettes").rglob("*.yaml")), result.output


@pytest.fixture(scope="session")
def recordings(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Recorder:
    """recordings(provider, faults=(), seed=OLD_SEED) → a cassette directory, recorded once per session."""
    base = tmp_path_factory.getbasetemp()
    # xdist workers each get <session basetemp>/popen-gwN: their parent is shared by the session.
    worker = hasattr(request.config, "workerinput")
    shared = (base.parent if worker else base) / "drift-recordings"
    shared.mkdir(parents=True, exist_ok=True)

    def get(provider: str, faults: tuple[str, ...] = (), seed: int = OLD_SEED) -> Path:
        out = shared / f"{provider}-{seed}-{'+'.join(faults) or 'clean'}"
        with (shared / f"{out.name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be recording the same set
            if not (out / "done").exists():
                record(provider, faults, seed, out)
                (out / "done").touch()
        return out / "cassettes"

    return get


@pytest.fixture(scope="session")
def drift_between(tmp_path_factory: pytest.TempPathFactory) -> DriftBetween:
    """drift_between(old, new) → `conformance drift old new`, run once per pair and session."""
    done: dict[tuple[Path, Path], tuple[Result, list[dict[str, Any]]]] = {}

    def get(old: Path, new: Path) -> tuple[Result, list[dict[str, Any]]]:
        if (old, new) not in done:
            done[(old, new)] = run_drift(old, new, "--report-dir", tmp_path_factory.mktemp("drift"))
        return done[(old, new)]

    return get


def run_drift(*args: str | Path) -> tuple[Result, list[dict[str, Any]]]:
    """`conformance drift ARGS`; the findings of the findings.json it wrote under --report-dir."""
    argv = ["drift", *map(str, args)]
    result = CliRunner().invoke(main, argv)
    report = Path(argv[argv.index("--report-dir") + 1]) / "findings.json" if "--report-dir" in argv else None
    if report is None or not report.exists():
        return result, []
    document = json.loads(report.read_text())
    assert document["run"]["target"] == "drift"
    return result, document["findings"]


def write_cassette(root: Path, provider: str, interactions: list[dict[str, Any]], name: str = "cassette") -> Path:
    """A VCR cassette at <root>/<provider>/engine/<name>.yaml, as the recorder lays them out."""
    path = root / provider / "engine" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"interactions": interactions, "version": 1}, sort_keys=False))
    return path


def interaction(
    method: str,
    path: str,
    status: int,
    body: Any,
    *,
    request_body: Any = None,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> dict[str, Any]:
    response_headers = {"Content-Type": [content_type], **{k: [v] for k, v in (headers or {}).items()}}
    return {
        "request": {
            "body": None if request_body is None else json.dumps(request_body),
            "headers": {"Authorization": ["REDACTED"]},
            "method": method,
            "uri": f"http://127.0.0.1:8931{path}",
        },
        "response": {
            "body": {"string": body if isinstance(body, str) else json.dumps(body)},
            "headers": response_headers,
            "status": {"code": status, "message": "OK"},
        },
    }


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in a temporary directory, so evidence paths are relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
