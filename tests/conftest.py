"""Shared fixtures: the repository layout and a CLI runner that captures output and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conformance.providers import all_providers

ROOT = Path(__file__).resolve().parent.parent
PROVIDERS = sorted(all_providers())


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()
