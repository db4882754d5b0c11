"""Workflows as a stage of `conformance run`, for every target (the engine stage is stubbed out: it has
tests of its own and takes minutes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conformance.cassettes.store import record_command
from conformance.cli.main import main as cli
from conformance.run import assembly
from conformance.targets.double_server import running_double
from conformance.targets.stage import StageResult
from conformance.workflows import WORKFLOW_SUITE
from tests.conftest import FAKE_CREDENTIALS, secret_forms
from tests.workflows.conftest import COMMITTED, WORKFLOWS, network_blocked


@pytest.fixture(autouse=True)
def without_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assembly, "engine_stage", lambda *args, **kwargs: lambda providers: StageResult())


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[Result, dict[str, Any] | None]:
    result = CliRunner().invoke(cli, ["run", "--no-audit", *args], env=env, catch_exceptions=False)
    report = Path(args[args.index("--report-dir") + 1]) / "findings.json"
    return result, json.loads(report.read_text()) if report.exists() else None


def test_run_replays_every_workflow_offline(tmp_path: Path) -> None:
    with network_blocked():
        result, document = run(["--cassette-dir", str(COMMITTED), "--report-dir", str(tmp_path)])
    assert document is not None, result.output
    assert result.exit_code == 0, result.output
    assert document["findings"] == []
    assert document["summary"]["requests"] > 100
    assert document["summary"]["operations"] >= 20


def test_no_workflows_skips_the_stage(tmp_path: Path) -> None:
    with network_blocked():
        result, document = run(["--no-workflows", "--cassette-dir", str(COMMITTED), "--report-dir", str(tmp_path)])
    assert document is not None, result.output
    assert document["summary"]["requests"] == 0


def test_a_missing_workflow_cassette_is_a_stale_cassette_finding(tmp_path: Path) -> None:
    with network_blocked():
        result, document = run(
            ["--provider", "useepay", "--cassette-dir", str(tmp_path / "none"), "--report-dir", str(tmp_path)]
        )
    assert document is not None, result.output
    assert result.exit_code == 0, "a stale cassette is the suite's problem, not the provider's"
    stale = document["findings"]
    assert stale
    assert {f["kind"] for f in stale} == {"stale_cassette"}
    assert {f["severity"] for f in stale} == {"non_breaking"}
    assert all(record_command("useepay", WORKFLOW_SUITE) in f["message"] for f in stale)


@pytest.mark.parametrize("provider", sorted(WORKFLOWS))
def test_record_target_writes_scrubbed_cassettes_that_replay_alike(provider: str, tmp_path: Path) -> None:
    credentials = FAKE_CREDENTIALS[provider]
    cassettes = tmp_path / "cassettes"
    with running_double(provider, credentials=credentials, seed=5, demo_data=True) as double:
        args = ["--target", "record", "--provider", provider, "--base-url", f"{provider}={double.base_url}"]
        recorded, recorded_doc = run(
            [*args, "--cassette-dir", str(cassettes), "--report-dir", str(tmp_path / "r")], env=credentials
        )
    assert recorded_doc is not None, recorded.output
    names = {p.stem for p in (cassettes / provider / WORKFLOW_SUITE).glob("*.yaml")}
    assert names == {s.name for s in WORKFLOWS[provider].scenarios}
    forbidden = {form for secret in credentials.values() for form in secret_forms(secret)}
    for path in [p for p in tmp_path.rglob("*") if p.is_file()]:
        data = path.read_bytes()
        assert not [form for form in forbidden if form.encode() in data], path

    with network_blocked():
        replayed, replayed_doc = run(
            ["--provider", provider, "--cassette-dir", str(cassettes), "--report-dir", str(tmp_path / "p")], env={}
        )
    assert replayed_doc is not None, replayed.output
    assert replayed.exit_code == recorded.exit_code == 0, replayed.output
    assert replayed_doc["summary"]["requests"] == recorded_doc["summary"]["requests"]
    assert [f["fingerprint"] for f in replayed_doc["findings"]] == [f["fingerprint"] for f in recorded_doc["findings"]]


def test_sandbox_target_runs_the_workflows_on_a_double(tmp_path: Path) -> None:
    result, document = run(["--target", "sandbox", "--provider", "lynkwell", "--report-dir", str(tmp_path)])
    assert document is not None, result.output
    assert result.exit_code == 0, [f["message"] for f in document["findings"]]
    assert document["summary"]["requests"] > 20
