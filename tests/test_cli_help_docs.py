"""`conformance --help` and every command's help name the page of the documentation site that explains
it, and that page exists."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from conformance.cli.main import main
from tests.conftest import ROOT

PAGE = re.compile(r"\bdocs/[\w/-]+\.md\b")


def _commands(group: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in sorted(getattr(group, "commands", {}).items()):
        found += _commands(sub, (*path, name))
    return found


COMMANDS = _commands(main)


def test_every_command_is_covered() -> None:
    assert {path[0] for path in COMMANDS if path} >= {"run", "judge", "drift", "sandbox", "baseline", "report"}
    assert ("baseline", "update") in COMMANDS


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(("conformance", *p)))
def test_help_names_an_existing_docs_page(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    pages = PAGE.findall(result.output)
    assert pages, f"`conformance {' '.join(path)} --help` names no page of docs/"
    for page in pages:
        assert (ROOT / page).is_file(), f"{page} named by `conformance {' '.join(path)} --help` does not exist"
