"""report.html in a real headless Chromium: it renders, its counts equal findings.json, filtering works.

The page reads its filter from the URL fragment, so each view is one `--dump-dom` of a URL.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conformance.core.kinds import Severity
from conformance.document.model import load_findings
from tests.reports.browser import chromium_or_skip, dump_dom
from tests.reports.expect import severity_counts
from tests.reports.html_dom import Page, finding_rows, overview_counts, parse

pytestmark = pytest.mark.chromium

VIEWS = {
    "all": "",
    "wooshpay breaking, by kind descending": "#provider=wooshpay&severity=breaking&sort=kind&dir=desc",
    "text": "#q=settled",
    "severity descending": "#sort=severity&dir=desc",
}


@pytest.fixture(scope="module")
def views(report_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Page]:
    chromium = chromium_or_skip()
    url = (report_dir / "report.html").resolve().as_uri()
    profiles = {name: tmp_path_factory.mktemp("chromium-profile") for name in VIEWS}
    # Chromium starts in about a second; the views load side by side.
    with ThreadPoolExecutor(max_workers=len(VIEWS)) as pool:
        doms = dict(zip(VIEWS, pool.map(lambda n: dump_dom(chromium, url + VIEWS[n], profiles[n]), VIEWS), strict=True))
    return {name: parse(dom) for name, dom in doms.items()}


def _visible(page: Page) -> list[str]:
    return [row.attrs["data-fingerprint"] for row in finding_rows(page) if "hidden" not in row.attrs]


def test_renders_every_finding_and_the_counts_of_findings_json(views: dict[str, Page], report_dir: Path) -> None:
    document = load_findings(report_dir / "findings.json")
    page = views["all"]
    assert page.find("body", data_filtered="true"), "the page's script did not run"
    assert _visible(page) == [f.fingerprint for f in document.findings]
    assert int(page.by_id("shown-count").text) == len(document.findings)
    assert int(page.by_id("total-count").text) == len(document.findings)
    counts = overview_counts(page)
    assert counts[""] == severity_counts(document.findings)
    for provider in document.run.providers:
        assert counts[provider] == severity_counts(f for f in document.findings if f.provider == provider)
    verdict = page.by_id("verdict")
    assert int(verdict.attrs["data-breaking"]) == document.summary.breaking


def test_filters_by_provider_and_severity_and_sorts(views: dict[str, Page], report_dir: Path) -> None:
    document = load_findings(report_dir / "findings.json")
    page = views["wooshpay breaking, by kind descending"]
    expected = [f for f in document.findings if f.provider == "wooshpay" and f.severity is Severity.BREAKING]
    assert expected, "the sample must have such findings"
    visible = _visible(page)
    assert sorted(visible) == sorted(f.fingerprint for f in expected)
    kinds = [row.attrs["data-kind"] for row in finding_rows(page) if "hidden" not in row.attrs]
    assert kinds == sorted(kinds, reverse=True)
    assert int(page.by_id("shown-count").text) == len(expected)


def test_free_text_filter(views: dict[str, Page], report_dir: Path) -> None:
    document = load_findings(report_dir / "findings.json")
    expected = [f.fingerprint for f in document.findings if "settled" in (f.observed + f.message).lower()]
    assert expected
    assert _visible(views["text"]) == expected
    assert int(views["text"].by_id("shown-count").text) == len(expected)


def test_sort_by_severity(views: dict[str, Page]) -> None:
    ranks = [int(row.attrs["data-rank"]) for row in finding_rows(views["severity descending"])]
    assert ranks == sorted(ranks, reverse=True)


def test_hostile_text_stays_text(views: dict[str, Page]) -> None:
    page = views["all"]
    assert len(page.find("script")) == 1
    assert any('<script>alert("x")</script>' in e.text for e in page.find("td"))  # shown, not run
