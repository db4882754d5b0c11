"""A user's project with its own pytest suite: the doubles as fixtures under pytest-xdist and
pytest-recording, a fault marker failing a billing test the way the catalogue says, and
`conformance judge` on the cassette plain pytest-recording wrote."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from conformance.cli.main import main
from conformance.sandbox.faults import BY_NAME
from tests.plugin.user_project import ROOT, make_project, run_pytest

SECRET = "sk_test_conformance"  # the WooshPay double's key; the recording holds it in a Basic header
SECRET_FORMS = (SECRET, "c2tfdGVzdF9jb25mb3JtYW5jZTo=", "c2tfdGVzdF9jb25mb3JtYW5jZQ==")


UNGUARDED = "tests/test_unguarded.py::test_invoice_customer_under_fault"
MISUSE = ("tests/test_misuse.py::test_misspelt_provider", "tests/test_misuse.py::test_misspelt_fault")


@dataclass(frozen=True)
class Run:
    directory: Path
    process: subprocess.CompletedProcess[str]
    outcomes: dict[str, str]  # test id -> passed / failure / error / skipped
    failures: dict[str, str]  # test id -> failure message


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The user's suite run once, as a CI would: two xdist workers, the network blocked but for loopback,
    pytest-recording recording what it has no cassette for."""
    directory = make_project(tmp_path_factory.mktemp("user_project"))
    process = run_pytest(
        directory,
        "tests",
        "-n",
        "2",
        "--block-network",
        "--allowed-hosts=127.0.0.1,localhost",
        "--record-mode=once",
        "--junitxml=results.xml",
    )
    outcomes: dict[str, str] = {}
    failures: dict[str, str] = {}
    for case in ElementTree.parse(directory / "results.xml").iter("testcase"):
        test_id = case.get("classname", "").replace(".", "/") + ".py::" + case.get("name", "")
        problem = next((child for child in case if child.tag in ("failure", "error", "skipped")), None)
        outcomes[test_id] = "passed" if problem is None else problem.tag
        if problem is not None:
            failures[test_id] = problem.get("message", "")
    return Run(directory, process, outcomes, failures)


def test_the_user_suite_passes_under_xdist_and_pytest_recording(project: Run) -> None:
    others = {test: outcome for test, outcome in project.outcomes.items() if test not in (UNGUARDED, *MISUSE)}
    assert len(others) == 12, project.process.stdout[-3000:]  # the README's two tests among them
    assert set(others.values()) == {"passed"}, project.process.stdout[-3000:] + project.process.stderr[-2000:]
    assert "2 workers" in project.process.stdout


def test_a_fault_marker_fails_the_billing_test_as_the_catalogue_says(project: Run) -> None:
    # totals_mismatch: "Invoice totals are off by one minor unit from the sum of their lines."
    assert "off by one minor unit" in BY_NAME["totals_mismatch"].summary
    assert project.outcomes[UNGUARDED] == "failure"
    assert "BillingError: WooshPay total 501 differs from the sum of the lines 500" in project.failures[UNGUARDED]
    assert project.process.returncode == 1


def test_a_misspelt_marker_fails_its_test_in_one_line(project: Run) -> None:
    provider, fault = MISUSE
    assert project.outcomes[provider] == project.outcomes[fault] == "error"
    assert project.failures[provider].startswith("failed on setup with \"Failed: no provider double named 'woshpay'")
    assert "unknown fault 'totals_mismatched'" in project.failures[fault]
    assert "Traceback" not in project.failures[provider] + project.failures[fault]


def _judge(*args: str, cwd: Path) -> tuple[int, str, dict]:
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=cwd) as here:
        result = runner.invoke(main, ["judge", *args, "--report-dir", "reports"], catch_exceptions=False)
        document = json.loads((Path(here) / "reports" / "findings.json").read_text())
        written = "".join(p.read_text(errors="replace") for p in (Path(here) / "reports").iterdir() if p.is_file())
    return result.exit_code, result.output + written, document


def test_judge_reads_the_pytest_recording_cassette(project: Run) -> None:
    directory = project.directory
    assert project.outcomes["tests/test_recorded.py::test_recorded_billing"] == "passed"
    cassette = directory / "tests" / "cassettes" / "test_recorded" / "test_recorded_billing.yaml"
    assert SECRET_FORMS[1] in cassette.read_text()  # plain pytest-recording keeps the credentials
    mapping = ("--base-url", "wooshpay=http://127.0.0.1")
    code, output, document = _judge(str(cassette), *mapping, "--strict-inferred", cwd=directory)
    assert code == 1  # totals_mismatch is breaking when judged strictly: the sum of the lines is Stripe's rule
    assert _judge(str(cassette), *mapping, cwd=directory)[0] == 0
    found = {(f["kind"], f["operation"], f["pointer"]) for f in document["findings"]}
    assert found == {
        ("undocumented_field", "createInvoice", "/amount_shipping"),  # field_added
        ("undocumented_field", "finalizeInvoice", "/amount_shipping"),
        ("undocumented_field", "retrieveInvoice", "/amount_shipping"),
        ("invariant_violation", "retrieveInvoice", "/total"),  # totals_mismatch, injected mid-test
    }
    assert "ignored 1 exchange(s) with localhost:" in output
    assert "undocumented: wooshpay GET /v1/reports/revenue matches no documented operation" in output
    assert not [form for form in SECRET_FORMS if form in output]


def test_the_plugin_is_declared_and_light() -> None:
    entry_points = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["pytest11"]
    assert entry_points == {"conformance": "conformance.pytest_plugin"}
    # Loaded into every pytest run of an environment with the package: it must not import the suite.
    probe = (
        "import sys, pytest; before = set(sys.modules); import conformance.pytest_plugin; "
        "print(sorted(set(sys.modules) - before))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT)},
    ).stdout
    assert out.strip() == "['conformance', 'conformance.pytest_plugin']"
