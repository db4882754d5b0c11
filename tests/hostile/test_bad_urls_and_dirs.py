"""Every command that takes a URL or a directory: a bad one is a usage error (exit 2, one sentence
naming the option), never a crash (4) or "unreachable" (3); a good one of the same shape is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conformance.core.errors import UsageError
from conformance.providers import all_providers
from conformance.targets import parse_base_urls
from tests.hostile.conftest import assert_one_sentence, conformance

BAD_URLS = ["http://127.0.0.1:99999", "http://127.0.0.1:abc", "http://[::1", "http://"]
URL_COMMANDS = {
    "run": ["run", "--provider", "wooshpay", "--no-audit", "--no-workflows"],
    "judge": ["judge", "cassettes/wooshpay"],
}


@pytest.mark.parametrize("url", BAD_URLS)
@pytest.mark.parametrize("command", sorted(URL_COMMANDS))
def test_a_bad_base_url_is_a_usage_error(tmp_path: Path, command: str, url: str) -> None:
    reports = tmp_path / "reports"
    ran = conformance([*URL_COMMANDS[command], "--base-url", f"wooshpay={url}", "--report-dir", str(reports)])
    assert_one_sentence(ran, 2, "--base-url", url)
    assert len(ran.error_lines) == 1
    assert not (reports / "findings.json").exists()


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://127.0.0.1:65535/v1", "http://[::1]:8080", "https://api.example.com"]
)
def test_a_good_base_url_of_the_same_shape_is_accepted(url: str) -> None:
    assert parse_base_urls((f"wooshpay={url}",), all_providers()) == {"wooshpay": url}


def test_a_bad_base_url_is_refused_before_any_work() -> None:
    with pytest.raises(UsageError, match="Port out of range"):
        parse_base_urls(("wooshpay=http://127.0.0.1:99999",), all_providers())


def _findings(tmp_path: Path) -> Path:
    made = conformance(["audit", "--provider", "useepay", "--report-dir", str(tmp_path / "made")])
    assert made.code in (0, 1), made.stderr
    return tmp_path / "made" / "findings.json"


def _recording(tmp_path: Path) -> Path:
    """One exchange with WooshPay's documented host: enough for judge to give a verdict."""
    interaction = {
        "request": {"method": "GET", "uri": "https://apitest.wooshpay.com/v1/invoices/in_1", "headers": {}},
        "response": {"status": {"code": 404, "message": ""}, "headers": {}, "body": {"string": ""}},
    }
    path = tmp_path / "one.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "interactions": [interaction]}))
    return path


def _args(tmp_path: Path, command: str) -> list[str]:
    made = {"FINDINGS": _findings, "RECORDING": _recording}
    return [str(made[a](tmp_path)) if a in made else a for a in REPORT_DIR_COMMANDS[command]]


REPORT_DIR_COMMANDS = {
    "run": ["run", "--provider", "useepay", "--no-audit", "--no-workflows"],
    "audit": ["audit", "--provider", "useepay"],
    "judge": ["judge", "RECORDING"],
    "drift": ["drift", "cassettes", "cassettes", "--provider", "useepay"],
    "drift-spec": ["drift", "--spec", "specs/useepay.yaml", "specs/useepay.yaml"],
    "report": ["report", "FINDINGS"],
}


@pytest.mark.parametrize("where", ["proc", "under-a-file"])
@pytest.mark.parametrize("command", sorted(REPORT_DIR_COMMANDS))
def test_an_unwritable_report_dir_is_a_usage_error(tmp_path: Path, command: str, where: str) -> None:
    args = _args(tmp_path, command)
    if where == "proc":
        directory = Path("/proc/nope")
    else:
        (tmp_path / "a-file").write_text("")
        directory = tmp_path / "a-file" / "reports"
    ran = conformance([*args, "--report-dir", str(directory)])
    assert_one_sentence(ran, 2, "--report-dir", str(directory))
    assert len(ran.error_lines) == 1
    assert ran.seconds < 30  # refused before the work, not after it


# run and cassette drift write their reports in every test of theirs; these are the quick ones.
@pytest.mark.parametrize("command", ["audit", "judge", "drift-spec", "report"])
def test_a_writable_report_dir_is_written(tmp_path: Path, command: str) -> None:
    args = _args(tmp_path, command)
    ran = conformance([*args, "--report-dir", str(tmp_path / "new" / "reports")])
    assert ran.code in (0, 1), ran.stderr
    assert (tmp_path / "new" / "reports" / "findings.json").exists()


def test_an_empty_spec_dir_says_what_it_lacks_not_to_restore_from_git(tmp_path: Path) -> None:
    empty = tmp_path / "specs"
    empty.mkdir()
    ran = conformance(["--spec-dir", str(empty), "audit", "--report-dir", str(tmp_path / "r")])
    assert_one_sentence(ran, 2, f"--spec-dir {empty} has no", "--provider")
    assert "git" not in ran.stderr
    (empty / "useepay.yaml").write_text(Path("specs/useepay.yaml").read_text())
    ran = conformance(["--spec-dir", str(empty), "audit", "--provider", "useepay", "--report-dir", str(tmp_path / "r")])
    assert ran.code in (0, 1), ran.stderr


def test_a_spec_dir_that_does_not_exist_is_said_so(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-specs"
    ran = conformance(["--spec-dir", str(missing), "audit", "--report-dir", str(tmp_path / "r")])
    assert_one_sentence(ran, 2, f"--spec-dir {missing} is not a directory")


def test_an_unwritable_cassette_dir_for_a_recording_is_a_usage_error(tmp_path: Path) -> None:
    credentials = {"USEEPAY_MERCHANT_NO": "1", "USEEPAY_API_KEY": "k", "USEEPAY_APP_ID": "a"}
    args = ["run", "--provider", "useepay", "--target", "record", "--base-url", "useepay=http://127.0.0.1:1"]
    ran = conformance([*args, "--cassette-dir", "/proc/nope", "--report-dir", str(tmp_path / "r")], env=credentials)
    assert_one_sentence(ran, 2, "/proc/nope", "--cassette-dir")
    assert ran.seconds < 30


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--provider", "useepay", "--no-audit", "--no-workflows", "--cassette-dir", "/nonexistent"],
        ["drift", "/nonexistent", "cassettes"],
        ["judge", "/nonexistent"],
    ],
    ids=["run-cassette-dir", "drift", "judge"],
)
def test_a_directory_to_read_that_does_not_exist_is_a_usage_error(tmp_path: Path, args: list[str]) -> None:
    ran = conformance([*args, "--report-dir", str(tmp_path / "r")])
    assert_one_sentence(ran, 2, "/nonexistent")
    assert not (tmp_path / "r" / "findings.json").exists()
