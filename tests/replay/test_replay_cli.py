"""`conformance run` re-judges the shipped cassettes: robust to spec edits, offline, deterministic, and without
the generation machinery (that it finds what an exact replay finds is tests/engine/test_record_replay.py's, on
the session's own recordings)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from conformance.spec.resources import cassettes_dir, specs_dir
from tests.conftest import ROOT
from tests.engine.conftest import run_cli

FAST = ["--no-audit", "--no-workflows"]


def _run(report_dir: Path, *args: str, spec_dir: Path | None = None) -> tuple[Any, dict[str, Any]]:
    group = ["--spec-dir", str(spec_dir)] if spec_dir else []
    result, document = run_cli([*group, "run", *FAST, *args, "--report-dir", str(report_dir)])
    assert document is not None, result.output
    return result, document


def _verdicts(document: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return sorted((f["fingerprint"], f["kind"], f["severity"], f["count"]) for f in document["findings"])


def test_replay_is_offline_deterministic_and_imports_no_generator(tmp_path: Path) -> None:
    """Two runs in fresh processes with every socket refused: same fingerprints, no Hypothesis loaded."""
    script = """
import json, socket, sys
def refuse(*a, **k):
    raise AssertionError("network access during replay")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
from conformance.cli.main import main
try:
    main(["run", "--provider", "useepay", "--report-dir", sys.argv[1]])
except SystemExit as exit:
    code = exit.code
loaded = sorted(m for m in ("hypothesis", "schemathesis") if m in sys.modules)
print(json.dumps({"code": code, "loaded": loaded}))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = []
    for name in ("first", "second"):
        out = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / name)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=False,
        )
        status = json.loads(out.stdout.strip().splitlines()[-1])
        assert status == {"code": 0, "loaded": []}, out.stderr
        runs.append(json.loads((tmp_path / name / "findings.json").read_text()))
    first, second = runs
    assert [f["fingerprint"] for f in first["findings"]] == [f["fingerprint"] for f in second["findings"]]
    assert first["summary"] == second["summary"]


def _edited_specs(tmp_path: Path, provider: str, edit: Any) -> Path:
    target = tmp_path / "specs"
    shutil.copytree(specs_dir(), target)
    path = target / f"{provider}.yaml"
    document = yaml.safe_load(path.read_text())
    edit(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return target


def test_additive_spec_edits_leave_the_replay_green(tmp_path: Path) -> None:
    def add_optional_field_and_status(document: dict[str, Any]) -> None:
        invoice = document["components"]["schemas"]["Invoice"]
        invoice["properties"]["memo"] = {"type": "string", "description": "added in a new spec version"}
        responses = document["paths"]["/billing/v1/invoices/{invoiceId}"]["get"]["responses"]
        responses["410"] = {"description": "archived"}

    specs = _edited_specs(tmp_path, "lynkwell", add_optional_field_and_status)
    baseline, baseline_doc = _run(tmp_path / "before", "--provider", "lynkwell")
    edited, edited_doc = _run(tmp_path / "after", "--provider", "lynkwell", spec_dir=specs)
    assert edited.exit_code == baseline.exit_code == 0
    assert _verdicts(edited_doc) == _verdicts(baseline_doc)
    assert edited_doc["summary"]["requests"] == baseline_doc["summary"]["requests"]


def test_a_removed_field_is_reported_in_the_recorded_responses(tmp_path: Path) -> None:
    def remove_tax_total(document: dict[str, Any]) -> None:
        invoice = document["components"]["schemas"]["Invoice"]
        del invoice["properties"]["taxTotal"]
        invoice["required"].remove("taxTotal")

    specs = _edited_specs(tmp_path, "lynkwell", remove_tax_total)
    result, document = _run(tmp_path / "after", "--provider", "lynkwell", spec_dir=specs)
    undocumented = [f for f in document["findings"] if f["kind"] == "undocumented_field"]
    assert undocumented, result.output
    assert all(f["pointer"].endswith("/taxTotal") for f in undocumented)
    assert {"getInvoice", "listInvoices"} <= {f["operation"] for f in undocumented}
    assert all(f["evidence"]["cassette"] and f["evidence"]["interaction"] is not None for f in undocumented)
    assert not [f for f in document["findings"] if f["kind"] == "stale_cassette"]


def test_recordings_of_an_operation_the_spec_lost_are_reported_once(tmp_path: Path) -> None:
    def remove_subscriptions(document: dict[str, Any]) -> None:
        del document["paths"]["/billing/v1/subscriptions"]

    specs = _edited_specs(tmp_path, "lynkwell", remove_subscriptions)
    result, document = _run(tmp_path / "after", "--provider", "lynkwell", spec_dir=specs)
    stale = [f for f in document["findings"] if f["kind"] == "stale_cassette"]
    assert stale, result.output
    assert len({f["fingerprint"] for f in stale}) == len(stale)
    assert all("current spec does not describe" in f["message"] for f in stale)
    assert all(f["severity"] == "non_breaking" for f in stale)


def test_a_cassette_without_notes_is_still_judged(tmp_path: Path) -> None:
    """Recordings made before notes existed: every exchange is judged on its response alone."""
    cassettes = tmp_path / "cassettes"
    shutil.copytree(cassettes_dir() / "lynkwell", cassettes / "lynkwell")
    path = cassettes / "lynkwell" / "engine" / "cassette.yaml"
    data = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
    for interaction in data["interactions"]:
        interaction.pop("conformance", None)
    path.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper))
    result, document = _run(tmp_path / "r", "--provider", "lynkwell", "--cassette-dir", str(cassettes))
    assert result.exit_code == 0, result.output
    assert document["summary"]["requests"] > 0
    assert not [f for f in document["findings"] if f["kind"] == "stale_cassette"]
