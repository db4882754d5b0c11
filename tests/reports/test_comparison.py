"""The cross-vendor comparison: lifecycle coverage from the specs, verdicts from the findings, field map."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.core.kinds import Severity
from conformance.document import field_map
from conformance.document.model import FindingsDocument
from conformance.providers import all_providers
from conformance.reports import comparison
from tests.reports import sample
from tests.reports.html_dom import parse

FIELD_MAPS = {name: found for name, p in all_providers().items() if (found := p.field_map()) is not None}


def _expected_result(document: FindingsDocument, provider: str, op_ids: tuple[str, ...]) -> str:
    if not op_ids:
        return "not offered"
    failing = [
        f
        for f in document.findings
        if f.provider == provider and f.operation in op_ids and f.severity is Severity.BREAKING and not f.baselined
    ]
    return "failed" if failing else "passed"


def test_lifecycle_says_who_documents_what_and_what_passed(document: FindingsDocument) -> None:
    built = comparison.build(document)
    for row in built.lifecycle:
        for provider, cell in row.cells.items():
            op_ids = FIELD_MAPS[provider].operations.get(row.key, ())
            assert cell.result == _expected_result(document, provider, op_ids), (row.key, provider)
            spec = all_providers()[provider].spec
            assert [(op.operation_id, op.provenance) for op in cell.operations] == [
                (op_id, spec.operations[op_id].provenance.status) for op_id in op_ids
            ]
    results = {(row.key, p): cell.result for row in built.lifecycle for p, cell in row.cells.items()}
    assert results[("retrieve", "wooshpay")] == "failed"  # missing_field; the type_mismatch is baselined
    assert results[("list", "wooshpay")] == "passed"  # only a non-breaking finding
    assert results[("create", "lynkwell")] == "not offered"


def test_a_documentation_run_verdicts_nothing(document: FindingsDocument) -> None:
    audit = sample.document(list(document.findings), target="documentation")
    results = {c.result for row in comparison.build(audit).lifecycle for c in row.cells.values()}
    assert results == {"not run", "not offered"}


def test_field_map_reads_types_formats_and_values_from_the_specs(document: FindingsDocument) -> None:
    fields = {row.key: row.cells for row in comparison.build(document).fields}
    assert fields["created"]["wooshpay"].representation == "integer"
    assert fields["created"]["useepay"].format == "date-time"
    assert fields["status"]["lynkwell"].enum == ("DRAFT", "OPEN", "PAID", "UNCOLLECTIBLE", "VOID")
    assert fields["pdf_url"]["useepay"].path == ""
    assert fields["total"]["useepay"].inferred  # the spec's x-inferred note travels with the field


def test_curated_map_matches_the_specs() -> None:
    providers = all_providers()
    assert set(FIELD_MAPS) == set(providers), "every provider needs a field_map entry"
    steps = {step for step, _ in field_map.LIFECYCLE}
    concepts = {concept for concept, _ in field_map.CONCEPTS}
    statuses = {status for status, _ in field_map.STATUSES}
    for name, mapping in FIELD_MAPS.items():
        spec = providers[name].spec
        assert set(mapping.operations) <= steps
        assert {op for ops in mapping.operations.values() for op in ops} <= set(spec.operations)
        assert set(mapping.fields) == concepts
        assert set(mapping.statuses) <= statuses
    built = comparison.build(sample.document([]))
    for row in built.fields:
        for provider, cell in row.cells.items():
            assert cell.found or not cell.path, f"{provider} {cell.path} is not in its invoice schema"
    assert all(not values for values in built.unmapped_statuses.values()), built.unmapped_statuses


@pytest.mark.parametrize("name", ["comparison.md", "comparison.html"])
def test_reports_name_the_differences(report_dir: Path, name: str) -> None:
    text = (report_dir / name).read_text()
    assert "Differences a team integrating more than one provider must handle" in text
    for topic in ("Lifecycle", "Status values", "Created at", "Total amount", "Authentication"):
        assert topic in text


def test_html_cells_carry_the_results(document: FindingsDocument, report_dir: Path) -> None:
    page = parse((report_dir / "comparison.html").read_text())
    built = {row.key: row.cells for row in comparison.build(document).lifecycle}
    step = None
    seen = 0
    for element in page.elements:
        if element.tag == "tr" and "data-step" in element.attrs:
            step = element.attrs["data-step"]
        elif element.tag == "td" and "data-result" in element.attrs and step:
            assert element.attrs["data-result"] == built[step][element.attrs["data-provider"]].result
            seen += 1
    assert seen == len(field_map.LIFECYCLE) * len(FIELD_MAPS)
