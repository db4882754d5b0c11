"""A wrong Content-Type does not hide the body's defects: a body that parses as JSON is judged whatever
it is labelled, by the live engine, the replay and `conformance judge` alike (the content type is
still reported once); a body that is not JSON is not judged as one."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.checks.json_values import MISSING, unlabelled_json
from conformance.judge.judging import judge_recordings
from conformance.judge.recordings import read_recording
from conformance.judge.routing import origins
from conformance.providers import get_provider
from conformance.targets.double_server import running_double
from tests.engine.conftest import FAST, run_cli
from tests.judge.recorders import bill, recording

PROVIDER = "useepay"


def _kinds(findings: list[dict]) -> set[str]:  # type: ignore[type-arg]
    return {f["kind"] for f in findings}


def _live(tmp_path: Path, faults: tuple[str, ...]) -> set[str]:
    with running_double(PROVIDER, faults=faults, seed=7, demo_data=True) as double:
        args = ["run", "--provider", PROVIDER, "--base-url", f"{PROVIDER}={double.base_url}", *FAST]
        args += ["--report-dir", str(tmp_path / "reports"), "--no-workflows", "--include-operation-id", "listInvoices"]
        result, document = run_cli(args, env=dict(double.credentials))
    assert document is not None, result.output
    return _kinds(document["findings"])


def test_live_judges_the_body_of_a_mislabelled_answer(tmp_path: Path) -> None:
    found = _live(tmp_path, ("wrong_content_type", "field_renamed"))
    assert {"content_type", "missing_field"} <= found


def test_live_reports_only_the_label_when_the_body_is_right(tmp_path: Path) -> None:
    found = _live(tmp_path, ("wrong_content_type",))
    assert "content_type" in found
    assert not found & {"missing_field", "undocumented_field", "type_mismatch"}


def _judged(tmp_path: Path, faults: list[str]) -> set[str]:
    cassette, har = tmp_path / "c.yaml", tmp_path / "c.har"
    with running_double("wooshpay", faults=faults) as running, recording(running, cassette, har) as session:
        bill(session, running.base_url, [100])
    wooshpay = get_provider("wooshpay")
    found: set[str] = set()
    for path in (cassette, har):
        outcome = judge_recordings(
            read_recording(path), origins([wooshpay], {"wooshpay": "http://127.0.0.1"}), root=tmp_path
        )
        found |= {f.kind.value for f in outcome.findings}
    return found


def test_judge_and_replay_judge_the_body_of_a_mislabelled_answer(tmp_path: Path) -> None:
    assert {"content_type", "missing_field"} <= _judged(tmp_path, ["wrong_content_type", "field_renamed"])


def test_judge_and_replay_report_only_the_label_when_the_body_is_right(tmp_path: Path) -> None:
    found = _judged(tmp_path, ["wrong_content_type"])
    assert "content_type" in found
    assert not found & {"missing_field", "undocumented_field", "type_mismatch"}


@pytest.mark.parametrize(
    ("body", "parsed"),
    [
        ('{"id": "in_1"}', {"id": "in_1"}),
        (b" [1, 2]", [1, 2]),
        ("<html>oops</html>", MISSING),
        ("true", MISSING),
        ("", MISSING),
        ("{not json", MISSING),
    ],
)
def test_only_an_object_or_array_body_is_taken_for_unlabelled_json(body: str | bytes, parsed: object) -> None:
    assert unlabelled_json(body) == parsed
