"""`--spec-dir` / CONFORMANCE_SPEC_DIR point one invocation at other specs, without touching the environment."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.cli.main import main
from conformance.providers import get_provider
from conformance.spec.resources import SPEC_DIR_VARIABLE, specs_dir, specs_from


@pytest.fixture
def broken_specs(tmp_path: Path) -> Path:
    """A copy of the shipped specs whose UseePay spec is not OpenAPI: reading it exits 2 naming it."""
    directory = tmp_path / "specs"
    shutil.copytree(specs_dir(), directory)
    (directory / "useepay.yaml").write_text("openapi: 3.1.0\ninfo: {title: broken}\npaths: 12\n")
    return directory


@pytest.mark.parametrize("how", ["option", "variable"])
def test_other_specs_for_one_invocation_and_nothing_left_behind(how: str, broken_specs: Path, tmp_path: Path) -> None:
    shipped = specs_dir()
    args = ["audit", "--provider", "useepay", "--report-dir", str(tmp_path / "r")]
    if how == "option":
        result = CliRunner().invoke(main, ["--spec-dir", str(broken_specs), *args])
    else:
        result = CliRunner().invoke(main, args, env={SPEC_DIR_VARIABLE: str(broken_specs)})
    assert result.exit_code == 2, result.output
    assert str(broken_specs / "useepay.yaml") in " ".join(result.output.split())
    # The next invocation, and the process, read the shipped specs again.
    assert SPEC_DIR_VARIABLE not in os.environ
    assert specs_dir() == shipped
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output


def test_specs_from_is_scoped_and_nests(broken_specs: Path) -> None:
    shipped = get_provider("lynkwell").spec_path
    with specs_from(broken_specs):
        assert get_provider("lynkwell").spec_path == broken_specs / "lynkwell.yaml"
        with specs_from(None):
            assert get_provider("lynkwell").spec_path == shipped
        assert specs_dir() == broken_specs
    assert get_provider("lynkwell").spec_path == shipped
