"""`conformance judge` never passes on nothing: zero judged exchanges is no verdict (exit 3, one sentence
saying why none matched and what would), and a base URL's path is matched as a prefix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conformance.cli.main import main
from conformance.judge.routing import origins, route
from conformance.providers import get_provider

WOOSHPAY = get_provider("wooshpay")


def _judge(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["judge", *args, "--report-dir", str(tmp_path / "reports")])
    return result.exit_code, result.stdout, result.stderr


def _one_sentence(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error:"), stderr
    return lines[0]


def test_a_base_url_path_is_a_prefix_of_the_spec_paths() -> None:
    known = origins([WOOSHPAY], {"wooshpay": "http://127.0.0.1/v1"})
    found = route("http://127.0.0.1:38759/v1/customers", "POST", known)
    assert found.operation is not None
    assert found.operation.operation_id == "createCustomer"
    assert found.prefix == ""  # the spec's paths carry /v1 themselves
    assert route("http://127.0.0.1:38759/v2/customers", "POST", known).provider is None


def test_a_base_url_path_the_spec_paths_lack_is_stripped() -> None:
    known = origins([WOOSHPAY], {"wooshpay": "http://proxy.local:8080/wooshpay"})
    found = route("http://proxy.local:8080/wooshpay/v1/invoices", "POST", known)
    assert found.operation is not None
    assert found.operation.operation_id == "createInvoice"
    assert found.prefix == "/wooshpay"


def test_a_stripe_style_base_url_judges_every_exchange(tmp_path: Path, billing: Path) -> None:
    code, stdout, stderr = _judge(tmp_path, str(billing), "--base-url", "wooshpay=http://127.0.0.1/v1")
    assert code == 0, stdout + stderr
    document = json.loads((tmp_path / "reports" / "findings.json").read_text())
    assert document["summary"]["requests"] == 6
    assert "undocumented:" not in stdout


def test_a_base_url_under_which_nothing_lies_is_no_verdict(tmp_path: Path, billing: Path) -> None:
    code, stdout, stderr = _judge(tmp_path, str(billing), "--base-url", "wooshpay=http://127.0.0.1/api")
    assert code == 3, stdout + stderr
    sentence = _one_sentence(stderr)
    assert "none of the 6 recorded exchanges" in sentence
    assert "wooshpay=http://127.0.0.1/api" in sentence  # what was mapped, and that nothing lay under it
    assert "PASS" not in stdout
    assert not (tmp_path / "reports" / "findings.json").exists()


def test_provider_traffic_on_undocumented_paths_only_is_no_verdict(tmp_path: Path) -> None:
    cassette = tmp_path / "other.yaml"
    interaction = {
        "request": {"method": "GET", "uri": "http://127.0.0.1:5000/v1/balance", "headers": {}, "body": None},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "{}"}},
    }
    cassette.write_text(yaml.safe_dump({"version": 1, "interactions": [interaction, interaction]}))
    code, stdout, stderr = _judge(tmp_path, str(cassette), "--base-url", "wooshpay=http://127.0.0.1")
    assert code == 3, stdout + stderr
    sentence = _one_sentence(stderr)
    assert "matches no documented operation" in sentence
    assert "GET /v1/balance" in sentence
    assert "conformance providers" in sentence


def test_recordings_of_no_provider_host_are_no_verdict(tmp_path: Path) -> None:
    cassette = tmp_path / "other.yaml"
    interaction = {
        "request": {"method": "GET", "uri": "http://127.0.0.1:5000/v1/invoices", "headers": {}, "body": None},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "{}"}},
    }
    cassette.write_text(yaml.safe_dump({"version": 1, "interactions": [interaction]}))
    code, _, stderr = _judge(tmp_path, str(cassette))
    assert code == 3
    assert "map its host with --base-url PROVIDER=URL" in _one_sentence(stderr)
    # After a mapping that does not cover the host, the sentence says so instead of asking for one.
    code, _, stderr = _judge(tmp_path, str(cassette), "--base-url", "wooshpay=http://10.0.0.1")
    assert code == 3
    sentence = _one_sentence(stderr)
    assert "map a host" not in sentence
    assert "wooshpay=http://10.0.0.1" in sentence


@pytest.mark.parametrize(
    ("name", "content"),
    [("empty.har", '{"log": {"version": "1.2", "entries": []}}'), ("empty.yaml", "version: 1\ninteractions: []\n")],
)
def test_an_empty_recording_is_no_verdict_and_not_called_the_wrong_format(
    tmp_path: Path, name: str, content: str
) -> None:
    empty = tmp_path / name
    empty.write_text(content)
    code, _, stderr = _judge(tmp_path, str(empty))
    assert code == 3
    sentence = _one_sentence(stderr)
    assert "holds no exchanges" in sentence
    assert "name VCR.py cassettes or HAR files" not in sentence
