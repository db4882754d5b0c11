"""A user's project, as the teams this suite is for have one: billing code, its pytest suite, and the
doubles as fixtures. Written to a temporary directory and run with pytest in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The example of docs/plugin.md, run as written: its code blocks tagged `<!-- example: PATH -->`.
EXAMPLE = re.compile(r"<!-- example: (\S+) -->\n```python\n(.*?)```", re.S)


def docs_examples() -> dict[str, str]:
    return dict(EXAMPLE.findall((ROOT / "docs" / "plugin.md").read_text()))


CONFTEST = '''
import pytest


@pytest.fixture
def wooshpay(wooshpay_double, monkeypatch):
    """The billing code reads its credentials from the environment: give it the double's."""
    for name, value in wooshpay_double.env.items():
        monkeypatch.setenv(name, value)
    return wooshpay_double
'''

TEST_BILLING = """
import pytest

from billing import BillingError, invoice_customer, open_invoices


def test_invoice_customer(wooshpay):
    invoice = invoice_customer(wooshpay.base_url, "Ada", [300, 200])
    assert invoice["total"] == 500
    assert wooshpay.state.invoices[invoice["id"]]["status"] == "open"


def test_each_test_starts_empty(wooshpay):
    assert wooshpay.state.invoices == {}
    assert not wooshpay.faults


def test_open_invoices(wooshpay):
    for amount in (100, 200, 300):
        invoice_customer(wooshpay.base_url, "Ada", [amount])
    assert sorted(i["total"] for i in open_invoices(wooshpay.base_url)) == [100, 200, 300]


@pytest.mark.provider_fault("wooshpay", "totals_mismatch")
def test_a_wrong_total_is_refused(wooshpay):
    with pytest.raises(BillingError, match="differs from the sum of the lines"):
        invoice_customer(wooshpay.base_url, "Ada", [300, 200])


@pytest.mark.provider_fault("wooshpay", "has_more_lies")
def test_lying_pagination_is_caught(wooshpay):
    invoice_customer(wooshpay.base_url, "Ada", [100])
    with pytest.raises(BillingError, match="has_more"):
        open_invoices(wooshpay.base_url)


def test_a_fault_injected_mid_test(wooshpay):
    invoice_customer(wooshpay.base_url, "Ada", [100])
    wooshpay.inject("totals_mismatch")
    with pytest.raises(BillingError):
        invoice_customer(wooshpay.base_url, "Bob", [100])


def test_other_providers(useepay_double, lynkwell_double, provider_double):
    assert provider_double("useepay") is useepay_double
    listed = useepay_double.session.get(useepay_double.url("/api/v1/invoices"), timeout=10)
    assert listed.status_code == 200, listed.text
    # Lynkwell's session fetches its OAuth2 token from the double first.
    profiles = lynkwell_double.session.get(lynkwell_double.url("/billing/v1/payment-profiles"), timeout=10)
    assert profiles.status_code == 200, profiles.text
    assert set(lynkwell_double.env) >= {"LYNKWELL_CLIENT_ID", "LYNKWELL_CLIENT_SECRET", "LYNKWELL_TOKEN_URL"}


def test_a_session_double_reset_signs_in_again(lynkwell_double_session):
    url = lynkwell_double_session.url("/billing/v1/payment-profiles")
    assert lynkwell_double_session.session.get(url, timeout=10).status_code == 200
    lynkwell_double_session.reset()  # the tokens issued so far are gone with the state
    assert lynkwell_double_session.session.get(url, timeout=10).status_code == 200


def test_session_double_keeps_state(wooshpay_double_session):
    wooshpay_double_session.session.post(wooshpay_double_session.url("/v1/customers"), json={"name": "Kept"}, timeout=10)
    assert len(wooshpay_double_session.state.customers) >= 1
"""

# Recorded by plain pytest-recording; `conformance judge` reads the cassette afterwards.
TEST_RECORDED = """
import pytest
import requests

from billing import invoice_customer


@pytest.mark.vcr
@pytest.mark.provider_fault("wooshpay", "field_added")
def test_recorded_billing(wooshpay):
    invoice = invoice_customer(wooshpay.base_url, "Ada", [300, 200])
    wooshpay.session.get(wooshpay.url("/v1/invoices/" + invoice["id"]), timeout=10)
    wooshpay.session.get(wooshpay.url("/v1/reports/revenue"), timeout=10)  # no such documented operation
    wooshpay.inject("totals_mismatch")
    wooshpay.session.get(wooshpay.url("/v1/invoices/" + invoice["id"]), timeout=10)
    # Another service of the app, on another loopback host name.
    requests.get(wooshpay.base_url.replace("127.0.0.1", "localhost") + "/v1/invoices", timeout=10)
"""

# Without pytest.raises: under the fault this test fails the way the catalogue describes.
TEST_UNGUARDED = """
import pytest

from billing import invoice_customer


@pytest.mark.provider_fault("wooshpay", "totals_mismatch")
def test_invoice_customer_under_fault(wooshpay):
    invoice_customer(wooshpay.base_url, "Ada", [300, 200])
"""

# Mistakes a user makes with the markers: each fails its test in one line instead of running it unfaulted.
TEST_MISUSE = """
import pytest


@pytest.mark.provider_fault("woshpay", "totals_mismatch")
def test_misspelt_provider(wooshpay_double):
    pass


@pytest.mark.provider_fault("wooshpay", "totals_mismatched")
def test_misspelt_fault(wooshpay_double):
    pass
"""


def make_project(directory: Path) -> Path:
    (directory / "tests").mkdir(parents=True, exist_ok=True)
    for path, code in docs_examples().items():
        (directory / path).write_text(code)
    (directory / "tests" / "conftest.py").write_text(CONFTEST)
    (directory / "tests" / "test_billing.py").write_text(TEST_BILLING)
    (directory / "tests" / "test_recorded.py").write_text(TEST_RECORDED)
    (directory / "tests" / "test_unguarded.py").write_text(TEST_UNGUARDED)
    (directory / "tests" / "test_misuse.py").write_text(TEST_MISUSE)
    (directory / "pytest.ini").write_text("[pytest]\naddopts = --strict-markers -p no:cacheprovider\n")
    return directory


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest with only the plugins the scenario is about: start-up stays short, nothing else interferes.

    Autoloading is off, so the plugin comes in by name whether or not the installed package already
    declares its entry point (both at once would register it twice); the entry point itself is
    checked against pyproject.toml.
    """
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(project)]),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    # An earlier in-process `--spec-dir` may have pointed this worker at other specs: the user has none.
    for name in ("WOOSHPAY_API_KEY", "WOOSHPAY_API_SECRET", "PYTEST_ADDOPTS", "CONFORMANCE_SPEC_DIR"):
        env.pop(name, None)
    plugins = ["-p", "conformance.pytest_plugin", "-p", "xdist.plugin", "-p", "pytest_recording.plugin"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", *plugins, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
