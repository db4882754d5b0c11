"""The coverage table fits a real terminal at 80, 100 and 120 columns with every number visible; off a
terminal every line is whole, however long."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.console import Console

from conformance.coverage.model import Metric, ProviderCoverage
from conformance.document.model import FindingsDocument
from conformance.reports.terminal import COVERAGE_COLUMNS, _percent, print_summary


@pytest.fixture
def document(document: FindingsDocument) -> FindingsDocument:
    """The sample document with every provider's coverage, numbers of every width (and one not measured)."""
    coverage = []
    for index, provider in enumerate(document.run.providers):
        metrics = tuple(
            Metric(name, documented=None, exercised=None)
            if (index, name) == (0, "transitions")
            else Metric(name, documented=117 + n, exercised=(n * 37 + index * 11) % (118 + n))
            for n, name in enumerate(COVERAGE_COLUMNS)
        )
        coverage.append(ProviderCoverage(provider, 40, ("a",), ("a",), ("a",), metrics))
    return replace(document, coverage=tuple(coverage))


def _coverage_section(text: str) -> str:
    start = text.index("Contract coverage")
    return text[start:]


@pytest.mark.parametrize("width", [80, 100, 120])
def test_the_coverage_table_shows_its_numbers_at_common_widths(document: FindingsDocument, width: int) -> None:
    assert document.coverage
    console = Console(record=True, width=width, force_terminal=True, color_system=None)
    print_summary(document, console)
    text = console.export_text()
    table = _coverage_section(text).split("\n\n", 1)[0]
    table = "\n".join(line for line in table.splitlines() if line[:1] in "Contract│┃┏┡└╇━─")
    assert all(len(line) <= width for line in table.splitlines()), table
    assert "…" not in table
    for coverage in document.coverage:
        assert coverage.provider in table
        for name in COVERAGE_COLUMNS:
            metric = coverage.metric(name)
            assert name in table
            if metric is not None:
                assert _percent(metric.percent) in table, (coverage.provider, name, table)


def test_off_a_terminal_the_coverage_is_one_whole_line_per_provider(document: FindingsDocument) -> None:
    console = Console(record=True, width=40, force_terminal=False)
    print_summary(document, console)
    lines = console.export_text().splitlines()
    for coverage in document.coverage:
        row = next(line for line in lines if line.strip().startswith(coverage.provider + "  operations"))
        for name in COVERAGE_COLUMNS:
            metric = coverage.metric(name)
            assert f"{name} {_percent(metric.percent) if metric else 'n/a'}" in row
