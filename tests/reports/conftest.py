"""A known findings document, rendered once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.findings import FindingsDocument
from conformance.reports import findings_json
from conformance.reports.writer import write_all
from tests.reports import sample


@pytest.fixture(scope="session")
def document() -> FindingsDocument:
    return sample.document()


@pytest.fixture(scope="session")
def report_dir(tmp_path_factory: pytest.TempPathFactory, document: FindingsDocument) -> Path:
    directory = tmp_path_factory.mktemp("reports")
    findings_json.write(document, directory)
    write_all(document, directory)
    return directory
