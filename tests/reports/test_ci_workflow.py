"""docs/ci/github-actions.yml stays a working, copyable workflow for the commands and credentials we have."""

from __future__ import annotations

from typing import Any

import yaml

from conformance.providers import all_providers
from tests.conftest import ROOT

WORKFLOW = ROOT / "docs" / "ci" / "github-actions.yml"


def _workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text())


def _commands(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_replay_gate_runs_on_every_push_and_pull_request() -> None:
    workflow = _workflow()
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert {"push", "pull_request", "schedule"} <= set(triggers)
    gate = workflow["jobs"]["replay-gate"]
    assert "conformance run" in _commands(gate)
    assert "--target" not in _commands(gate)
    uploads = [s for s in gate["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert uploads
    assert uploads[0]["with"]["path"] == "reports/"
    assert any("junit.xml" in str(s.get("with", {})) for s in gate["steps"])
    assert "env" not in gate  # the gate needs no credentials


def test_live_job_records_then_reports_drift_with_every_credential_from_secrets() -> None:
    live = _workflow()["jobs"]["live-drift"]
    commands = _commands(live)
    assert "conformance run --target record --cassette-dir new-cassettes" in commands
    assert "conformance drift cassettes/ new-cassettes" in commands
    variables = {v.name for p in all_providers().values() for v in p.credential_vars}
    assert variables <= set(live["env"])
    for name in variables:
        assert live["env"][name] == "${{ secrets." + name + " }}"
