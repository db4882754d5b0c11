"""report.html's root causes, coverage bars and operations x checks matrix in real headless Chromium,
and a screenshot of the page rendered without a console message (script errors, CSP refusals)."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from conformance.core.kinds import Kind
from conformance.document.model import FindingsDocument
from conformance.reports.causes_view import CHECK_COLUMNS
from tests.reports.browser import FLAGS, chromium_or_skip, dump_dom
from tests.reports.html_dom import Page, finding_rows, parse

pytestmark = pytest.mark.chromium
WINDOW = (1280, 1800)


@pytest.fixture(scope="module")
def page(faulty_run: tuple[Path, FindingsDocument, tuple[str, ...]], tmp_path_factory: pytest.TempPathFactory) -> Page:
    directory, _, _ = faulty_run
    url = (directory / "report.html").resolve().as_uri()
    return parse(dump_dom(chromium_or_skip(), url, tmp_path_factory.mktemp("chromium-profile")))


def test_root_causes_lead_and_link_to_their_findings(
    page: Page, faulty_run: tuple[Path, FindingsDocument, tuple[str, ...]]
) -> None:
    _, document, removed = faulty_run
    sections = [e.attrs["id"] for e in page.find("section")]
    assert sections.index("root-causes") < sections.index("findings")
    assert page.find("body", data_filtered="true"), "the page's script did not run"
    causes = [e for e in page.elements if e.tag == "tr" and "root-cause" in e.attrs.get("class", "").split()]
    assert causes[0].attrs["data-category"] == "schema_component"
    # The fault strips the same keys from other objects too (a Subscription's `customer`): the Invoice's
    # cause is the widest and comes first.
    invoice = next(c for c in document.root_causes if c.kind is Kind.MISSING_FIELD and c.component == "Invoice")
    missing = [f for f in document.findings if f.fingerprint in set(invoice.members)]
    assert int(causes[0].attrs["data-members"]) == len(missing)
    for name in removed:
        assert f"/{name}" in causes[0].text
    rows = {row.attrs["id"] for row in finding_rows(page)}
    links = [e.attrs["href"] for e in page.elements if e.tag == "a" and "data-member" in e.attrs]
    assert len(links) == sum(int(c.attrs["data-members"]) for c in causes)
    assert {href.removeprefix("#") for href in links} <= rows  # one click to each finding's row


def test_coverage_bars_and_matrix(page: Page, faulty_run: tuple[Path, FindingsDocument, tuple[str, ...]]) -> None:
    _, document, _ = faulty_run
    (coverage,) = document.coverage
    bars = {e.attrs["aria-label"]: e for e in page.elements if e.attrs.get("role") == "meter"}
    for metric in coverage.metrics:
        if metric.percent is None:
            assert metric.label not in bars
            continue
        assert float(bars[metric.label].attrs["aria-valuenow"]) == metric.percent
    widths = [e.attrs["style"] for e in page.elements if e.tag == "span" and "width:" in e.attrs.get("style", "")]
    assert len(widths) == len(bars)

    matrix = page.find("tr", **{"class": "matrix-row"})
    assert [r.attrs["data-operation"] for r in matrix] == list(coverage.operations)
    cells = [e for e in page.find("td") if "data-outcome" in e.attrs]
    assert len(cells) == len(coverage.operations) * len(CHECK_COLUMNS)
    assert {c.attrs["data-outcome"] for c in cells} <= {"failed", "warning", "baselined", "passed", "not run"}
    failing = {f.operation for f in document.findings if f.kind is Kind.MISSING_FIELD}
    schema_column = [name for name, _ in CHECK_COLUMNS].index("response schema")
    by_row = [cells[i : i + len(CHECK_COLUMNS)] for i in range(0, len(cells), len(CHECK_COLUMNS))]
    for row, operation in zip(by_row, coverage.operations, strict=True):
        expected = "failed" if operation in failing else ("passed" if operation in coverage.called else "not run")
        assert row[schema_column].attrs["data-outcome"] == expected, operation


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_screenshot_renders_without_console_messages(
    faulty_run: tuple[Path, FindingsDocument, tuple[str, ...]], tmp_path: Path
) -> None:
    chromium = chromium_or_skip()
    directory, _, _ = faulty_run
    shot = tmp_path / "report.png"
    result = subprocess.run(
        [
            chromium,
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            f"--screenshot={shot}",
            (directory / "report.html").resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # Chromium logs every console message (errors, CSP refusals, uncaught exceptions) as CONSOLE lines.
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    assert _png_size(shot) == WINDOW
    assert shot.stat().st_size > 20_000  # a blank page compresses to almost nothing
