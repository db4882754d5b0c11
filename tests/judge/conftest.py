"""Recordings shared by the judge tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.targets.double_server import running_double
from tests.conftest import made_once
from tests.judge.recorders import bill, recording


@pytest.fixture(scope="session")
def billing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A conforming WooshPay billing flow, recorded once per session with plain VCR.py."""

    def make(directory: Path) -> None:
        with running_double("wooshpay") as running, recording(running, directory / "c.yaml", directory / "c.har") as s:
            bill(s, running.base_url, [100])

    return made_once(tmp_path_factory, "judge-billing", make) / "c.yaml"
