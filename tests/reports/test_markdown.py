"""Vendor reports: one Markdown file per provider with exactly that provider's findings."""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt

from conformance.document.model import FindingsDocument
from tests.reports.expect import DOC_KINDS, severity_counts


def _providers(document: FindingsDocument) -> list[str]:
    return sorted({*document.run.providers, *(f.provider for f in document.findings)})


def test_one_report_per_provider_with_exactly_its_findings(document: FindingsDocument, report_dir: Path) -> None:
    every = {f.fingerprint for f in document.findings}
    for provider in _providers(document):
        text = (report_dir / f"{provider}.md").read_text()
        own = [f for f in document.findings if f.provider == provider]
        shown = set(re.findall(r"\| Fingerprint \| `([0-9a-f]+)` \|", text))
        assert shown == {f.fingerprint for f in own}
        assert not (set(re.findall(r"[0-9a-f]{20}", text)) & (every - shown))
        assert len(re.findall(r"^### \d+\. ", text, re.M)) == len(own)
        blocks = text.split("\n### ")[1:]
        for finding in own:
            (block,) = [b for b in blocks if f"`{finding.fingerprint}`" in b]
            heading = block.splitlines()[0].replace("\\_", "_")
            assert f"{finding.kind.value} in {finding.operation or 'the documentation'}" in heading
            assert heading.endswith("— baselined") is finding.baselined


def test_summary_table_counts_by_severity_and_kind(document: FindingsDocument, report_dir: Path) -> None:
    for provider in _providers(document):
        text = (report_dir / f"{provider}.md").read_text()
        own = [f for f in document.findings if f.provider == provider]
        expected = severity_counts(own)
        row = re.search(r"^\| \*\*all\*\* \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$", text, re.M)
        assert row is not None
        assert [int(n) for n in row.groups()] == [
            expected["breaking"],
            expected["non_breaking"],
            expected["info"],
            expected["baselined"],
            expected["total"],
        ]
        for kind in {f.kind for f in own}:
            kind_row = re.search(rf"^\| {re.escape(kind.value)} \|((?: \d+ \|)+)$", text, re.M)
            assert kind_row is not None, kind
            assert int(kind_row.group(1).split("|")[-2]) == sum(1 for f in own if f.kind is kind)


def test_documentation_defects_have_their_own_section(document: FindingsDocument, report_dir: Path) -> None:
    for provider in _providers(document):
        text = (report_dir / f"{provider}.md").read_text()
        api, docs = text.split("\n## Documentation defects\n")
        for finding in (f for f in document.findings if f.provider == provider):
            assert finding.fingerprint in (docs if finding.kind in DOC_KINDS else api)


def test_discrepancy_carries_operation_documentation_observation_and_reproduction(
    document: FindingsDocument, report_dir: Path
) -> None:
    text = (report_dir / "wooshpay.md").read_text()
    block = text.split("in retrieveInvoice", 1)[1].split("\n### ", 1)[0]
    assert "`GET /v1/invoices/{id}` (`retrieveInvoice`)" in block
    assert "**What the documentation says** ([source](https://docs.example.test/wooshpay/retrieveInvoice))" in block
    assert "The operation is partial in the documentation: [" in block  # the spec's provenance, with its link
    assert "**What was observed:**" in block
    # findings.json's 0-based `interaction` 2 is the third interaction of the file, as people count.
    assert "cassette `cassettes/wooshpay/engine/cassette.yaml`, interaction 3; HTTP status 200" in block
    assert "seen 3 times" in block
    assert "```sh\ncurl -X GET" in block
    defect = text.split("/x-doc-defects/WP-TIMESTAMPS-AS-STRINGS`", 1)[1]
    assert "Recorded as `WP-TIMESTAMPS-AS-STRINGS`" in defect  # the spec's defect text


def test_vendor_text_cannot_inject_markup(report_dir: Path) -> None:
    render = MarkdownIt("commonmark").enable("table").render
    wooshpay = render((report_dir / "wooshpay.md").read_text())
    assert "<script" not in wooshpay
    assert "<strong>bold</strong>" not in wooshpay
    assert 'href="javascript:' not in wooshpay
    # Real tables: the root causes, the summary, and one per finding (its facts), nothing broken by vendor text.
    own = sum(1 for line in (report_dir / "wooshpay.md").read_text().splitlines() if line.startswith("### "))
    assert wooshpay.count("<table>") == 2 + own
    lynkwell = render((report_dir / "lynkwell.md").read_text())
    assert 'href="javascript:' not in lynkwell  # a doc_ref that is not http(s) is never a link
    assert "<table>" in lynkwell  # the summary is a real table
