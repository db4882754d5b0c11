"""`--include-operation-id`: the engine generates for the named operations only, a recording made with it
replays exactly, and a selection that would do nothing (or not what was asked) stops the run with exit 2."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from conformance.providers import get_provider
from conformance.targets.double_server import running_double
from tests.engine.conftest import run_cli

NARROW = ["--max-examples", "1", "--no-audit", "--no-workflows"]


def test_a_recording_holds_the_selected_operations_and_replays_exactly(tmp_path: Path) -> None:
    spec = get_provider("lynkwell").spec
    with running_double("lynkwell", seed=3, demo_data=True) as double:
        args = ["run", "--target", "record", "--provider", "lynkwell", "--base-url", f"lynkwell={double.base_url}"]
        args += [*NARROW, "--include-operation-id", "listInvoices", "--include-operation-id", "getInvoice"]
        args += ["--cassette-dir", str(tmp_path / "cassettes"), "--report-dir", str(tmp_path / "record")]
        recorded, document = run_cli(args, env=dict(double.credentials))
    assert document is not None, recorded.output
    # No link joins the two: no state machine to run, and no error for the missing one.
    assert document["findings"] == [], [(f["operation"], f["kind"], f["observed"]) for f in document["findings"]]
    assert recorded.exit_code == 0, recorded.output
    assert set(document["coverage"]["lynkwell"]["called"]) == {"listInvoices", "getInvoice"}
    assert document["summary"]["operations"] == 2
    cassette = yaml.safe_load((tmp_path / "cassettes" / "lynkwell" / "engine" / "cassette.yaml").read_text())
    called = {
        op.operation_id
        for interaction in cassette["interactions"]
        if (op := spec.operation_at(interaction["request"]["method"], urlsplit(interaction["request"]["uri"]).path))
    }
    assert called == {"listInvoices", "getInvoice"}
    assert cassette["metadata"]["generation"]["operations"] == ["listInvoices", "getInvoice"]

    replay = [
        "run",
        "--provider",
        "lynkwell",
        "--no-audit",
        "--no-workflows",
        "--cassette-dir",
        str(tmp_path / "cassettes"),
    ]
    replayed, again = run_cli([*replay, "--replay", "exact", "--report-dir", str(tmp_path / "replay")], env={})
    assert again is not None, replayed.output
    assert again["findings"] == [], [(f["operation"], f["kind"], f["message"]) for f in again["findings"]]
    assert again["summary"]["requests"] == document["summary"]["requests"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--provider", "lynkwell", "--include-operation-id", "listInvoicez"], "no selected provider"),
        (["--provider", "lynkwell", "--provider", "useepay", "--include-operation-id", "getInvoice"], "UseePay's"),
        (["--provider", "lynkwell", "--include-operation-id", "listInvoices"], "replayed from its cassette"),
    ],
    ids=["unknown", "none-of-a-provider", "replay"],
)
def test_a_selection_that_cannot_apply_exits_2_in_one_sentence(args: list[str], words: str, tmp_path: Path) -> None:
    result, document = run_cli(["run", *args, "--no-audit", "--report-dir", str(tmp_path)], env={})
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert "--include-operation-id" in result.output or "conformance providers" in result.output
    assert "Traceback" not in result.output
    assert document is None
