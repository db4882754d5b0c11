"""People count a cassette's interactions from 1: every report says "interaction N" so, while
findings.json keeps its 0-based `interaction` (interfaces.md)."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.document.model import FindingsDocument


def test_reports_count_from_one_and_findings_json_from_zero(report_dir: Path, document: FindingsDocument) -> None:
    finding = next(f for f in document.findings if f.evidence.cassette and f.evidence.interaction is not None)
    assert finding.evidence.interaction is not None
    people = finding.evidence.interaction + 1
    data = json.loads((report_dir / "findings.json").read_text())
    assert {f["evidence"]["interaction"] for f in data["findings"] if f["fingerprint"] == finding.fingerprint} == {
        finding.evidence.interaction
    }
    markdown = (report_dir / f"{finding.provider}.md").read_text()
    assert f"interaction {people};" in markdown
    assert f"interaction {people - 1};" not in markdown
    assert f"interaction {people};" in (report_dir / "junit.xml").read_text()
    assert f"interaction {people}" in (report_dir / "report.html").read_text()
