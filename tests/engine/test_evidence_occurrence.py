"""Evidence points at the interaction a finding is about, even when the same request was sent twice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from conformance.cassettes import evidence
from conformance.cassettes.evidence import request_key
from conformance.resources import cassettes_dir
from tests.engine.conftest import run_cli

# A GET the shipped Lynkwell recording sends three times, each a judged case answered 200.
REPEATED = ("GET", "/identity/v1/drivers?email=0%400.com", "")


def _positions(interactions: list[dict[str, Any]]) -> list[int]:
    keys = [request_key(i["request"]["method"], i["request"]["uri"], i["request"].get("body")) for i in interactions]
    return [p for p, key in enumerate(keys) if key == REPEATED]


def test_exact_replay_points_at_the_occurrence_each_finding_is_about(tmp_path: Path, no_network: None) -> None:
    """The first and the second of identical GETs each answer with their own undocumented field: each
    finding's evidence names its own interaction (first-occurrence indexing named the first for both)."""
    cassettes = tmp_path / "cassettes"
    shutil.copytree(cassettes_dir() / "lynkwell", cassettes / "lynkwell")
    path = cassettes / "lynkwell" / "engine" / "cassette.yaml"
    data = yaml.safe_load(path.read_text())
    positions = _positions(data["interactions"])
    assert len(positions) >= 2
    marked = {"/zz_first": positions[0], "/zz_second": positions[1]}
    for pointer, position in marked.items():
        response = data["interactions"][position]["response"]
        body = json.loads(response["body"]["string"])
        body[pointer.lstrip("/")] = 1
        response["body"]["string"] = json.dumps(body)
    path.write_text(yaml.safe_dump(data, sort_keys=False))

    args = ["run", "--provider", "lynkwell", "--replay", "exact", "--no-audit", "--no-workflows"]
    result, document = run_cli([*args, "--cassette-dir", str(cassettes), "--report-dir", str(tmp_path / "r")])
    assert document is not None, result.output
    found = {f["pointer"]: f["evidence"]["interaction"] for f in document["findings"] if f["pointer"] in marked}
    assert found == marked, result.output


def test_positions_count_occurrences_and_waited_out_429s() -> None:
    """The n-th send of a key is its n-th recorded interaction; a 429 retried twice sends its key three times."""
    get = {"method": "GET", "uri": "http://x/a", "body": None}
    token = {"method": "POST", "uri": "http://x/token", "body": "grant_type=client_credentials"}
    interactions = [{"request": r} for r in (get, token, get, get, get, get)]
    index = evidence.CassettePositions(Path("c.yaml"), interactions, Path.cwd())
    key = request_key("GET", "http://x/a", None)
    assert index.positions([(key, 1), (key, 1), (key, 3)]) == [0, 2, 5]
    assert index.positions([(key, 6)]) == [None]
