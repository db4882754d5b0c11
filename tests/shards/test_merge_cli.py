"""`conformance merge`: one document and every report from a run's shards, or one sentence and exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conformance.cli.main import main
from conformance.run import shards
from tests.shards.conftest import run_document

pytestmark = pytest.mark.usefixtures("judged_once")


@pytest.fixture(scope="module")
def shard_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("shards")
    paths = []
    for k in (1, 2, 3):
        path = folder / f"shard-{k}" / "findings.json"
        path.parent.mkdir()
        path.write_text(run_document(("lynkwell",), shards.ShardSpec(k, 3)).dumps(), encoding="utf-8")
        paths.append(path)
    return paths


def _merge(cli: CliRunner, tmp_path: Path, *args: str) -> Any:
    return cli.invoke(main, ["merge", *args, "--report-dir", str(tmp_path / "merged"), "--quiet"])


def _edited(path: Path, tmp_path: Path, edit: Any) -> Path:
    data = json.loads(path.read_text())
    edit(data)
    out = tmp_path / "edited" / "findings.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(data))
    return out


def test_a_directory_of_shards_merges_into_every_report(
    cli: CliRunner, tmp_path: Path, shard_files: list[Path]
) -> None:
    result = _merge(cli, tmp_path, str(shard_files[0].parent.parent))
    assert result.exit_code == 0, result.output
    merged = json.loads((tmp_path / "merged" / "findings.json").read_text())
    assert merged["run"]["shard"]["merged"] == [1, 2, 3]
    assert merged["run"]["shard"]["missing"] == []
    assert {"report.html", "junit.xml", "lynkwell.md"} <= {p.name for p in (tmp_path / "merged").iterdir()}


@pytest.mark.parametrize(
    ("edit", "sentence"),
    [
        (lambda d: d["run"].update(seed=7), "different seeds"),
        (lambda d: d["tool"].update(version="0.0.0"), "different tool versions"),
        (lambda d: d["run"]["shard"]["fingerprint"].update(settings="x"), "different settings"),
        (lambda d: d["run"]["shard"]["fingerprint"].update(specs="x"), "different specs"),
    ],
)
def test_shards_of_different_runs_are_refused(
    cli: CliRunner, tmp_path: Path, shard_files: list[Path], edit: Any, sentence: str
) -> None:
    other = _edited(shard_files[2], tmp_path, edit)
    result = _merge(cli, tmp_path, str(shard_files[0]), str(shard_files[1]), str(other))
    assert result.exit_code == 2, result.output
    assert sentence in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "merged").exists()  # nothing half-written


def test_a_duplicate_and_a_missing_shard_are_refused(cli: CliRunner, tmp_path: Path, shard_files: list[Path]) -> None:
    twice = _merge(cli, tmp_path, *map(str, shard_files), str(shard_files[1]))
    assert twice.exit_code == 2
    assert "given twice" in twice.output
    missing = _merge(cli, tmp_path, str(shard_files[0]), str(shard_files[2]))
    assert missing.exit_code == 2
    assert "shard 2/3 is missing" in missing.output
    unsharded = _merge(cli, tmp_path, str(_edited(shard_files[0], tmp_path, lambda d: d["run"].pop("shard"))))
    assert unsharded.exit_code == 2
    assert "not one shard's findings.json" in unsharded.output


def test_allow_partial_merges_and_every_report_says_what_is_missing(
    cli: CliRunner, tmp_path: Path, shard_files: list[Path]
) -> None:
    result = _merge(cli, tmp_path, str(shard_files[0]), str(shard_files[2]), "--allow-partial")
    assert result.exit_code == 0, result.output
    merged = json.loads((tmp_path / "merged" / "findings.json").read_text())
    missing_units = json.loads(shard_files[1].read_text())["run"]["shard"]["units"]
    assert merged["run"]["shard"]["missing"] == [2]
    assert merged["run"]["shard"]["missing_units"] == missing_units
    assert "shard 2/3 missing" in result.output
    for report in ("report.html", "lynkwell.md"):
        assert "shard 2/3 missing" in (tmp_path / "merged" / report).read_text()
