"""A fault marker cannot reach a session-scoped double (its state outlives the test): the test fails at
set-up in one line naming the fixture to use, instead of running unfaulted (and failing with DID NOT
RAISE, or passing). A marker that does reach a per-test double of the same test is left alone."""

from __future__ import annotations

import pytest

from tests.plugin.user_project import run_pytest

TESTS = """
import pytest


@pytest.mark.provider_fault("wooshpay", "totals_mismatch")
def test_marker_on_session_double(wooshpay_double_session):
    pass


@pytest.mark.provider_fault("wooshpay", "totals_mismatch")
def test_marker_on_the_session_factory(provider_double_session):
    provider_double_session("wooshpay")


@pytest.mark.provider_fault("wooshpay", "totals_mismatch")
def test_marker_with_a_per_test_double_too(wooshpay_double, useepay_double_session):
    assert "totals_mismatch" in wooshpay_double.faults
    assert not useepay_double_session.faults


@pytest.mark.provider_fault("useepay", "field_added")
def test_marker_for_another_provider_than_the_session_one(useepay_double, wooshpay_double_session):
    assert "field_added" in useepay_double.faults


def test_session_double_inject_still_works(wooshpay_double_session):
    wooshpay_double_session.inject("totals_mismatch")
    assert "totals_mismatch" in wooshpay_double_session.faults
    wooshpay_double_session.reset()
"""


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> str:
    project = tmp_path_factory.mktemp("session_marker")
    (project / "tests").mkdir()
    (project / "tests" / "test_markers.py").write_text(TESTS)
    (project / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider -rA\n")
    return run_pytest(project, "tests").stdout


@pytest.mark.parametrize(
    ("test", "fixture"),
    [
        ("test_marker_on_session_double", "wooshpay_double_session"),
        ("test_marker_on_the_session_factory", "provider_double_session"),
    ],
)
def test_a_marker_on_a_session_double_fails_naming_the_fixture(ran: str, test: str, fixture: str) -> None:
    section = ran.split(f"ERROR at setup of {test} ", 1)[1].split("\n_", 1)[0].split("\n=", 1)[0]
    assert f"does not reach {fixture}" in section, section
    assert "use the wooshpay_double fixture" in section
    assert "Traceback" not in section


@pytest.mark.parametrize(
    "test",
    [
        "test_marker_with_a_per_test_double_too",
        "test_marker_for_another_provider_than_the_session_one",
        "test_session_double_inject_still_works",
    ],
)
def test_a_marker_that_reaches_a_double_is_left_alone(ran: str, test: str) -> None:
    assert f"PASSED tests/test_markers.py::{test}" in ran, ran[-3000:]
