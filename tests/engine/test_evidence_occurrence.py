"""Evidence points at the interaction a finding is about, even when the same request was sent twice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cassettes import evidence
from conformance.cassettes.evidence import request_key
from tests.engine.conftest import Recorded, run_cli


def _repeated_case(interactions: list[dict[str, Any]]) -> list[int]:
    """Positions of the first request the recording sent at least twice as a judged case answered 200 with a
    JSON object (schemathesis repeats simple GETs), in order."""
    seen: dict[tuple[str, str, str], list[int]] = {}
    for position, interaction in enumerate(interactions):
        note = interaction.get("conformance") or {}
        response = interaction["response"]
        text = (response.get("body") or {}).get("string") or ""
        if note.get("role") != "case" or response["status"]["code"] != 200 or not text.startswith("{"):
            continue
        request = interaction["request"]
        key = request_key(request["method"], request["uri"], request.get("body"))
        seen.setdefault(key, []).append(position)
    return next((positions for positions in seen.values() if len(positions) >= 2), [])


@pytest.mark.parametrize("provider", ["lynkwell"])
def test_exact_replay_points_at_the_occurrence_each_finding_is_about(
    provider: str, provider_recording: Recorded, tmp_path: Path, no_network: None
) -> None:
    """The first and the second of identical requests each answer with their own undocumented field: each
    finding's evidence names its own interaction (first-occurrence indexing named the first for both).
    The session's own recording is used, so the exact replay runs under this machine's generator releases."""
    cassettes = tmp_path / "cassettes"
    shutil.copytree(provider_recording[0] / provider, cassettes / provider)
    path = cassettes / "lynkwell" / "engine" / "cassette.yaml"
    data = yaml.safe_load(path.read_text())
    positions = _repeated_case(data["interactions"])
    assert len(positions) >= 2, "the recording sent no judged request twice"
    marked = {"/zz_first": positions[0], "/zz_second": positions[1]}
    for pointer, position in marked.items():
        response = data["interactions"][position]["response"]
        body = json.loads(response["body"]["string"])
        body[pointer.lstrip("/")] = 1
        response["body"]["string"] = json.dumps(body)
    path.write_text(yaml.safe_dump(data, sort_keys=False))

    args = ["run", "--provider", "lynkwell", "--replay", "exact", "--max-examples", "3", "--no-audit", "--no-workflows"]
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
