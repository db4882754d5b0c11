"""Exit codes never lie: every bad input or environment is exit 2 (or 3) with one sentence; a bug is
exit 4 naming a crash log; nothing but a breaking finding ever exits 1."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml

from conformance.cli.run import _rate_limit
from conformance.core import safe_yaml
from conformance.run import pipeline
from conformance.spec.specs import parse_spec
from tests.hostile.conftest import (
    assert_one_sentence,
    conformance,
    fill,
    tree_bytes,
)

REPLAY = ["run", "--provider", "useepay", "--no-audit", "--no-workflows"]
# Writes every report like a run does, in a fraction of the time.
AUDIT = ["audit", "--provider", "useepay"]


def _int_status_codes(spec_dir: Path) -> Path:
    path = spec_dir / "useepay.yaml"
    text = path.read_text()
    path.write_text(text.replace('"200":', "200:").replace('"400":', "400:"))
    assert "        200:" in path.read_text()
    return path


def test_integer_status_codes_load_as_strings(spec_copy: Path) -> None:
    changed = parse_spec(_int_status_codes(spec_copy))
    shipped = parse_spec(Path("specs/useepay.yaml").resolve())
    assert changed.document == shipped.document  # 200: and "200": are the same status code


def test_drift_between_integer_and_quoted_status_codes_is_none(spec_copy: Path, tmp_path: Path) -> None:
    ran = conformance(
        [
            "drift",
            "--spec",
            "specs/useepay.yaml",
            str(_int_status_codes(spec_copy)),
            "--report-dir",
            str(tmp_path / "r"),
        ]
    )
    assert ran.code == 0, ran.stderr
    assert "no changes between" in ran.stdout


def _add_schemas(spec_dir: Path, schemas: str, referenced: str) -> None:
    path = spec_dir / "useepay.yaml"
    text = path.read_text().replace("  schemas:\n", "  schemas:\n" + schemas, 1)
    text = text.replace('$ref: "#/components/schemas/Invoice"\n', f'$ref: "#/components/schemas/{referenced}"\n', 1)
    path.write_text(text)


def test_ref_cycle_is_a_usage_error(spec_copy: Path, tmp_path: Path) -> None:
    loop = (
        '    LoopA:\n      $ref: "#/components/schemas/LoopB"\n    LoopB:\n      $ref: "#/components/schemas/LoopA"\n'
    )
    _add_schemas(spec_copy, loop, "LoopA")
    ran = conformance(["--spec-dir", str(spec_copy), "audit", "--provider", "useepay", "--report-dir", str(tmp_path)])
    assert_one_sentence(ran, 2, "$ref cycle", "LoopA", "LoopB")
    assert ran.seconds < 30


def test_recursive_schema_is_not_a_cycle(spec_copy: Path, tmp_path: Path) -> None:
    node = '    Node:\n      type: object\n      properties:\n        child:\n          $ref: "#/components/schemas/Node"\n'
    _add_schemas(spec_copy, node, "Node")
    ran = conformance(["--spec-dir", str(spec_copy), "audit", "--provider", "useepay", "--report-dir", str(tmp_path)])
    assert ran.code == 0, ran.stderr


BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9)
)


def test_spec_alias_bomb_is_refused_at_once(spec_copy: Path, tmp_path: Path) -> None:
    path = spec_copy / "useepay.yaml"
    path.write_text(path.read_text() + "x-bomb:\n" + "".join("  " + line + "\n" for line in BOMB.splitlines()))
    ran = conformance(["--spec-dir", str(spec_copy), "audit", "--provider", "useepay", "--report-dir", str(tmp_path)])
    assert_one_sentence(ran, 2, "useepay.yaml", "alias")
    assert ran.seconds < 20  # expanding it would take minutes and gigabytes


def test_shared_structure_aliases_stay_allowed(tmp_path: Path) -> None:
    # What PyYAML itself writes for an object used twice: an anchor and an alias, expanding nothing much.
    shared = {"type": "string", "enum": ["a", "b"]}
    text = yaml.safe_dump({"p": shared, "q": shared})
    assert "&id001" in text
    assert safe_yaml.load(text) == {"p": shared, "q": shared}


def test_scalar_aliases_stay_allowed() -> None:
    # The shipped WooshPay spec shares a paragraph through an alias: harmless, and still loads.
    assert "*errorsInferred" in Path("specs/wooshpay.yaml").read_text()
    assert parse_spec(Path("specs/wooshpay.yaml").resolve()).operations


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("interactions:\n- request: {}\n  response: {}\n", "interaction 0 has no request method"),
        ("interactions:\n- request: {method: GET, uri: 'http://x/'}\n  response: {status: {code: 200}}\n", "body"),
        (BOMB + "interactions: []\n", "alias"),
        ("interactions: [\n", "corrupt"),
    ],
    ids=["empty-interaction", "no-body", "alias-bomb", "bad-yaml"],
)
def test_corrupt_cassette_is_a_usage_error(cassette_copy: Path, tmp_path: Path, content: str, fragment: str) -> None:
    cassette = cassette_copy / "useepay" / "engine" / "cassette.yaml"
    cassette.write_text(content)
    before = tree_bytes(cassette_copy)
    ran = conformance([*REPLAY, "--cassette-dir", str(cassette_copy), "--report-dir", str(tmp_path / "r")])
    assert_one_sentence(ran, 2, "cassette", fragment)
    assert ran.seconds < 30
    assert tree_bytes(cassette_copy) == before


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [("--rate-limit", "fast", "N/UNIT"), ("--request-timeout", "-1", "-1"), ("--request-timeout", "0", "0")],
)
def test_bad_option_values_are_usage_errors(tmp_path: Path, option: str, value: str, fragment: str) -> None:
    ran = conformance([*REPLAY, option, value, "--report-dir", str(tmp_path)])
    assert ran.code == 2, ran.stderr
    assert option in ran.stderr
    assert fragment in ran.stderr
    assert "Traceback" not in ran.stderr
    assert not (tmp_path / "findings.json").exists()


@pytest.mark.parametrize("value", ["1/s", "100/m", "3600/h", "10000/d"])
def test_valid_rate_limits_are_accepted(value: str) -> None:
    assert _rate_limit(None, None, value) == value  # type: ignore[arg-type]


def test_read_only_report_dir_is_a_usage_error(read_only_dir: Path) -> None:
    ran = conformance([*AUDIT, "--report-dir", str(read_only_dir / "reports")])
    assert_one_sentence(ran, 2, str(read_only_dir), "Read-only file system")
    assert ran.seconds < 30


def test_full_disk_under_report_dir_is_a_usage_error_and_keeps_old_reports(tiny_disk: Path, tmp_path: Path) -> None:
    reports = tiny_disk / "reports"
    first = conformance([*AUDIT, "--report-dir", str(reports)])
    assert first.code in (0, 1), first.stderr
    before = tree_bytes(reports)
    fill(tiny_disk)
    ran = conformance([*AUDIT, "--report-dir", str(reports)])
    assert_one_sentence(ran, 2, "no space left")
    assert tree_bytes(reports) == before  # every report as it was, and no temporary file beside them


def test_full_disk_at_the_last_write_leaves_every_report_as_it_was(
    tiny_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up during the run (after the up-front check): still exit 2 and nothing half-written."""
    reports = tiny_disk / "reports"
    assert conformance([*AUDIT, "--report-dir", str(reports)]).code in (0, 1)
    before = tree_bytes(reports)
    real_execute = pipeline.execute

    def fill_then_execute(**kwargs: object) -> object:
        fill(tiny_disk)
        return real_execute(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "execute", fill_then_execute)
    ran = conformance([*AUDIT, "--report-dir", str(reports)])
    assert_one_sentence(ran, 2, "no space left")
    assert tree_bytes(reports) == before


def test_sandbox_port_taken_is_a_usage_error() -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        ran = conformance(["sandbox", "useepay", "--port", str(port)])
    finally:
        taken.close()
    assert_one_sentence(ran, 2, f"127.0.0.1:{port}", "--port")
    assert len(ran.error_lines) == 1


def test_an_unanticipated_exception_exits_4_naming_a_crash_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(**kwargs: object) -> None:
        raise ZeroDivisionError("a bug nobody anticipated")

    monkeypatch.setattr(pipeline, "execute", bug)
    ran = conformance([*AUDIT, "--report-dir", str(tmp_path)])
    assert ran.code == 4, ran.stderr
    assert len(ran.error_lines) == 1
    assert "internal error" in ran.stderr
    logs = list(tmp_path.glob("crash-*.log"))
    assert len(logs) == 1
    assert str(logs[0]) in ran.stderr.replace("\n", "")
    assert "ZeroDivisionError: a bug nobody anticipated" in logs[0].read_text()
    assert "Traceback" in logs[0].read_text()
    assert "Traceback" not in ran.stderr


def test_baseline_alias_bomb_is_a_usage_error(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(BOMB)
    ran = conformance([*REPLAY, "--baseline", str(baseline), "--report-dir", str(tmp_path / "r")])
    assert ran.code == 2, ran.stderr
    assert "alias" in ran.stderr
    assert ran.seconds < 20
