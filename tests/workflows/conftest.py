"""Workflow tests: scenarios on in-process doubles, replays of the committed cassettes offline.

`pytest tests/workflows --record-mode=rewrite` (pytest-recording's flag) re-records the committed
workflow cassettes from the clean doubles; any other mode replays them.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conformance.cassettes.store import cassette_path
from conformance.providers import get_provider
from conformance.scenarios.scenario import ProviderWorkflows, Scenario
from conformance.workflows import WORKFLOW_SUITE
from tests.conftest import PROVIDERS, ROOT

COMMITTED = ROOT / "cassettes"
WORKFLOWS = {name: found for name in PROVIDERS if (found := get_provider(name).workflows()) is not None}
CASES = [(workflows, scenario) for workflows in WORKFLOWS.values() for scenario in workflows.scenarios]


def case_id(case: tuple[ProviderWorkflows, Scenario]) -> str:
    return f"{case[0].provider}-{case[1].name}"


def committed_cassette(workflows: ProviderWorkflows, scenario: Scenario) -> Path:
    return cassette_path(COMMITTED, workflows.provider, WORKFLOW_SUITE, scenario.name)


@pytest.fixture
def record_mode(request: pytest.FixtureRequest) -> str:
    """pytest-recording's --record-mode ("none" unless given)."""
    return str(request.config.getoption("--record-mode", default="none") or "none")


@contextmanager
def network_blocked() -> Iterator[None]:
    """Any attempt to open a connection fails: a replay must never touch the network."""

    def refuse(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"network access attempted during replay: {address!r}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket.socket, "connect_ex", refuse)
        yield
