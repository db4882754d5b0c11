"""Recordings made through the plugin replay in a fresh process with no configuration (the doubles
listen on a new port per run; the recordings name each double by a stable host name instead), and
`conformance judge` knows those host names as the doubles' providers without --base-url."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli.main import main
from conformance.sandbox.hosts import double_host
from tests.plugin.user_project import run_pytest

TEST_RECORDED = """
import pytest


@pytest.mark.vcr
def test_bill(wooshpay_double, lynkwell_double):
    woosh = wooshpay_double
    customer = woosh.session.post(woosh.url("/v1/customers"), json={"name": "Ada"}, timeout=10).json()
    invoice = woosh.session.post(woosh.url("/v1/invoices"), json={"customer": customer["id"]}, timeout=10).json()
    again = woosh.session.get(woosh.url("/v1/invoices/" + invoice["id"]), timeout=10)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == invoice["id"]
    # Lynkwell's session fetches its OAuth2 token from the double first.
    profiles = lynkwell_double.session.get(lynkwell_double.url("/billing/v1/payment-profiles"), timeout=10)
    assert profiles.status_code == 200, profiles.text
"""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("replaying_project")
    (project / "tests").mkdir()
    (project / "tests" / "test_recorded.py").write_text(TEST_RECORDED)
    (project / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    first = run_pytest(project, "tests", "--record-mode=once", "--block-network", "--allowed-hosts=127.0.0.1")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-2000:]
    return project


def test_a_plugin_recording_replays_in_a_fresh_process(recorded: Path) -> None:
    # A new process: new ports for the doubles; VCR.py answers every request from the cassette.
    again = run_pytest(recorded, "tests", "--record-mode=none", "--block-network")
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-2000:]
    assert "1 passed" in again.stdout


def test_the_recording_names_each_double_by_its_stable_host(recorded: Path) -> None:
    text = (recorded / "tests" / "cassettes" / "test_recorded" / "test_bill.yaml").read_text()
    assert f"http://{double_host('wooshpay')}/v1/invoices" in text
    assert f"http://{double_host('lynkwell')}/oauth/token" in text
    assert "127.0.0.1" not in text


def test_judge_knows_the_doubles_host_names_without_base_url(recorded: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    result = CliRunner().invoke(main, ["judge", str(recorded / "tests" / "cassettes"), "--report-dir", str(reports)])
    assert result.exit_code == 0, result.output
    document = json.loads((reports / "findings.json").read_text())
    assert sorted(document["run"]["providers"]) == ["lynkwell", "wooshpay"]
    assert document["summary"]["requests"] == 4  # the token request is not judged
    notes = json.loads((reports / "judge.json").read_text())
    assert notes["ignored_hosts"] == {}
    assert notes["token_requests"] == 1


def test_only_the_doubles_of_this_process_are_renamed(monkeypatch: pytest.MonkeyPatch) -> None:
    from vcr.request import Request

    from conformance import pytest_plugin

    monkeypatch.setattr(pytest_plugin, "_serving", {"127.0.0.1:41665": "wooshpay"})
    double = pytest_plugin.stable_double_hosts(Request("GET", "http://127.0.0.1:41665/v1/invoices?limit=3", None, {}))
    assert double.uri == "http://wooshpay.double.localhost/v1/invoices?limit=3"
    for other in ("http://127.0.0.1:41666/v1/invoices", "http://localhost:41665/v1/invoices"):
        assert pytest_plugin.stable_double_hosts(Request("GET", other, None, {})).uri == other
