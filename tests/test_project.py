"""Project wiring that users and CI rely on: the README's quick start is what CI runs, as printed."""

from __future__ import annotations

import configparser
import re
import tomllib

from tests.conftest import ROOT

README_LIMIT = 150  # one screen: the manual is the documentation site under docs/


def _quick_start(page: str = "README.md", heading: str = "## Quick start") -> list[str]:
    text = (ROOT / page).read_text()
    section = text.split(heading, 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the quick start is a sh code block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_exactly_two_commands() -> None:
    commands = _quick_start()
    assert len(commands) == 2
    assert "conformance run" in commands[0]
    assert "pytest" in commands[1]


def test_quick_start_installs_into_a_virtual_environment() -> None:
    """PEP 668: a stock Debian or Ubuntu python3 refuses `pip install` outside a virtual environment, and
    lacks ensurepip (python3-venv): the venv is made without pip, and the system's pip installs into it."""
    install, tests = _quick_start()
    assert install.startswith("python3 -m venv --without-pip .venv && python3 -m pip --python .venv/bin/python install")
    assert ".venv/bin/conformance run" in install
    assert ".venv/bin/python -m pytest" in tests


def test_ci_runs_the_readme_commands_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    install, tests = _quick_start()
    assert install in ci
    assert tests in ci
    assert ci.index(install) < ci.index(tests)


def test_the_install_page_prints_the_same_commands() -> None:
    assert _quick_start("docs/install.md", "## The two commands") == _quick_start()


def test_the_readme_is_one_screen() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= README_LIMIT, f"README.md has {len(lines)} lines; move the reference to docs/"


def test_tox_builds_the_site_with_the_docs_extra() -> None:
    """`tox -e docs` skips installing the package, so it names the `docs` extra's requirements itself."""
    tox = configparser.ConfigParser()
    tox.read(ROOT / "tox.ini")
    deps = {line.strip() for line in tox["testenv:docs"]["deps"].splitlines() if line.strip()}
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["docs"]
    assert deps == set(extra)
    assert "mkdocs build --strict" in tox["testenv:docs"]["commands"]
