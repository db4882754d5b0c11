"""Shared fixtures: the repository layout and a CLI runner that captures output and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.providers import all_providers
from conformance.resources import SPEC_DIR_VARIABLE

ROOT = Path(__file__).resolve().parent.parent
PROVIDERS = sorted(all_providers())


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def shipped_specs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts on the shipped specs, whatever an earlier test's `--spec-dir` (which points the
    whole process elsewhere) left in this worker's environment."""
    monkeypatch.delenv(SPEC_DIR_VARIABLE, raising=False)
