"""report.html as written: self-contained, every finding once, counts as in findings.json, all escaped."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.document.model import FindingsDocument, load_findings
from tests.reports.expect import severity_counts
from tests.reports.html_dom import finding_rows, overview_counts, parse
from tests.reports.sample import HOSTILE


def test_self_contained(report_dir: Path) -> None:
    html = (report_dir / "report.html").read_text()
    page = parse(html)
    assert not page.find("link")
    assert all("src" not in e.attrs for e in page.elements)  # no external script, image or frame
    assert len(page.find("script")) == 1  # ours, inline
    assert "default-src 'none'" in page.find("meta", http_equiv="Content-Security-Policy")[0].attrs["content"]
    assert not re.search(r"url\(|@import", html)


def test_every_finding_once_with_its_attributes(report_dir: Path) -> None:
    document = load_findings(report_dir / "findings.json")
    rows = {row.attrs["data-fingerprint"]: row for row in finding_rows(parse((report_dir / "report.html").read_text()))}
    assert len(finding_rows(parse((report_dir / "report.html").read_text()))) == len(document.findings)
    assert set(rows) == {f.fingerprint for f in document.findings}
    for finding in document.findings:
        attrs = rows[finding.fingerprint].attrs
        assert attrs["data-provider"] == finding.provider
        assert attrs["data-severity"] == finding.severity.value
        assert attrs["data-kind"] == finding.kind.value
        assert attrs["data-operation"] == finding.operation
        assert attrs["data-baselined"] == ("true" if finding.baselined else "false")


def test_overview_counts_equal_findings_json(report_dir: Path) -> None:
    document = load_findings(report_dir / "findings.json")
    counts = overview_counts(parse((report_dir / "report.html").read_text()))
    providers = {f.provider for f in document.findings} | set(document.run.providers)
    assert set(counts) == providers | {""}
    for provider in providers:
        assert counts[provider] == severity_counts(f for f in document.findings if f.provider == provider)
    assert counts[""] == severity_counts(document.findings)
    assert counts[""]["breaking"] == document.summary.breaking
    assert counts[""]["baselined"] == document.summary.baselined


def test_documentation_links_only_for_http_urls(report_dir: Path, document: FindingsDocument) -> None:
    page = parse((report_dir / "report.html").read_text())
    hrefs = [e.attrs["href"] for e in page.find("a")]
    assert not [h for h in hrefs if h.lower().startswith("javascript:")]
    for finding in document.findings:
        if finding.doc_ref.startswith("https://"):
            assert finding.doc_ref in hrefs


def test_hostile_text_is_escaped(report_dir: Path) -> None:
    html = (report_dir / "report.html").read_text()
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(" in html
