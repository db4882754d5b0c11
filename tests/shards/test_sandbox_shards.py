"""`--target sandbox` sharded: two shards run in parallel (two processes, each starting its own double) and
`conformance merge` gives the verdict of one unsharded run.

The doubles answer as the shipped specs say, so the specs here are a copy in which two response fields are
retyped (WooshPay's Invoice.currency, Product.name) and `--strict-inferred` grades those deviations breaking:
the verdict to reproduce is a failing one, with findings from both shards. What is compared is what does not
depend on which double served a request: the breaking fingerprints and their counts (generation is seeded
per operation, and each operation's requests go to one double in either run), the operations exercised and
the exit code. Timestamps, base URLs (one port per double) and `run.shard` differ by construction.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

OPERATIONS = ("listInvoices", "listProducts")  # two engine units, unlinked: one per shard


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("specs")
    for path in (ROOT / "specs").glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    spec = yaml.safe_load((folder / "wooshpay.yaml").read_text())
    schemas = spec["components"]["schemas"]
    schemas["Invoice"]["properties"]["currency"] = {"type": "integer", "description": "retyped for this test"}
    schemas["Product"]["properties"]["name"] = {"type": "integer", "description": "retyped for this test"}
    (folder / "wooshpay.yaml").write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
    return folder


def _command(specs: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "conformance", "--spec-dir", str(specs), *args]


def _run(specs: Path, report_dir: Path, *extra: str) -> list[str]:
    selection = [arg for op in OPERATIONS for arg in ("--include-operation-id", op)]
    return _command(
        specs,
        "run",
        "--target",
        "sandbox",
        "--provider",
        "wooshpay",
        "--no-audit",
        "--no-workflows",
        "--strict-inferred",
        "--max-examples",
        "2",
        "--quiet",
        "--report-dir",
        str(report_dir),
        *selection,
        *extra,
    )


def _verdict(report_dir: Path) -> tuple[dict[str, int], int, list[str]]:
    document: dict[str, Any] = json.loads((report_dir / "findings.json").read_text())
    breaking = {f["fingerprint"]: f.get("count", 1) for f in document["findings"] if f["severity"] == "breaking"}
    called = document["coverage"]["wooshpay"]["called"]
    return breaking, document["summary"]["operations"], called


def test_sandbox_shards_in_parallel_merge_into_the_unsharded_verdict(specs: Path, tmp_path: Path) -> None:
    env = {**os.environ}
    shard_runs = [
        subprocess.Popen(
            _run(specs, tmp_path / "shards" / str(k), "--shard", f"{k}/2"), env=env, stderr=subprocess.PIPE
        )
        for k in (1, 2)
    ]
    single = subprocess.run(_run(specs, tmp_path / "single"), env=env, capture_output=True, text=True, timeout=300)
    codes = [process.wait(timeout=300) for process in shard_runs]
    for process in shard_runs:
        assert process.stderr is not None
        assert b"Traceback" not in process.stderr.read()
        process.stderr.close()
    assert single.returncode == 1, single.stderr
    assert codes == [1, 1], "each shard holds one of the retyped fields' breaking findings"
    merged = subprocess.run(
        _command(specs, "merge", str(tmp_path / "shards"), "--report-dir", str(tmp_path / "merged"), "--quiet"),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert merged.returncode == single.returncode, merged.stderr
    breaking, operations, called = _verdict(tmp_path / "single")
    assert len(breaking) >= 2, "both retyped fields are breaking findings (else the comparison proves little)"
    assert _verdict(tmp_path / "merged") == (breaking, operations, called)
    units = [json.loads((tmp_path / "shards" / str(k) / "findings.json").read_text())["run"]["shard"] for k in (1, 2)]
    assert all(unit["units"] for unit in units), "both shards had work"
