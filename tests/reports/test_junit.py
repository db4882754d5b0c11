"""junit.xml: valid Ant/Jenkins JUnit; failures are exactly the breaking findings outside the baseline."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import xmlschema
from junitparser import Failure, JUnitXml, Skipped

from conformance.core.kinds import Kind
from conformance.document.model import FindingsDocument
from conformance.providers import all_providers
from conformance.reports import junit
from tests.reports import sample
from tests.reports.expect import DOC_KINDS, failing

XSD = Path(__file__).with_name("junit.xsd")


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(XSD)


def _cases(path: Path) -> list:  # type: ignore[type-arg]
    return [case for suite in JUnitXml.fromfile(str(path)) for case in suite]


def test_validates_against_the_junit_schema(report_dir: Path, schema: xmlschema.XMLSchema) -> None:
    schema.validate(report_dir / "junit.xml")


def test_failures_are_the_breaking_findings_outside_the_baseline(document: FindingsDocument, report_dir: Path) -> None:
    xml = JUnitXml.fromfile(str(report_dir / "junit.xml"))
    expected = failing(document.findings)
    assert xml.failures == len(expected) == document.summary.breaking == 6
    assert xml.errors == 0
    assert xml.skipped == document.summary.baselined == 2
    by_case = {(f"{f.provider}.{f.operation}", f"{f.kind.value} {f.pointer}".strip()): f for f in expected}
    failed = [c for c in _cases(report_dir / "junit.xml") if any(isinstance(r, Failure) for r in c.result)]
    assert {(c.classname, c.name) for c in failed} == set(by_case)
    for case in failed:
        (failure,) = case.result
        assert failure.message == by_case[(case.classname, case.name)].message
        assert by_case[(case.classname, case.name)].fingerprint in failure.text


def test_a_testcase_per_provider_operation_and_checked_kind(document: FindingsDocument, report_dir: Path) -> None:
    cases = _cases(report_dir / "junit.xml")
    names = Counter((c.classname, c.name) for c in cases)
    assert max(names.values()) == 1, "testcase names are unique within their class"
    checked = [k for k in Kind if k is not Kind.DRIFT]  # a replay run checks every kind but drift
    expected = 0
    for provider in sorted({*document.run.providers, *(f.provider for f in document.findings)}):
        spec_ops = list(all_providers()[provider].spec.operations) if provider in all_providers() else []
        own = [f for f in document.findings if f.provider == provider]
        for operation in spec_ops + sorted({f.operation for f in own} - set(spec_ops)):
            for kind in checked:
                here = [f for f in own if f.operation == operation and f.kind is kind]
                expected += len(here) if here else (0 if operation == "" else 1)
                if not here and operation:
                    assert names[(f"{provider}.{operation}", kind.value)] == 1
    assert len(cases) == expected


def test_non_breaking_and_info_findings_pass_with_their_details(document: FindingsDocument, report_dir: Path) -> None:
    by_name = {(c.classname, c.name): c for c in _cases(report_dir / "junit.xml")}
    for finding in document.findings:
        case = by_name[
            (f"{finding.provider}.{finding.operation or '(spec)'}", f"{finding.kind.value} {finding.pointer}".strip())
        ]
        if finding.baselined:
            assert any(isinstance(r, Skipped) for r in case.result)
        elif not finding.breaking:
            assert not case.result
            assert finding.fingerprint in (case.system_out or "")


def test_documentation_run_checks_only_documentation_kinds(schema: xmlschema.XMLSchema, tmp_path: Path) -> None:
    doc_only = [f for f in sample.findings() if f.kind in DOC_KINDS]
    document = sample.document(doc_only, target="documentation")
    path = tmp_path / "junit.xml"
    path.write_text(junit.render(document))
    schema.validate(path)
    assert {c.name.split()[0] for c in _cases(path)} == {k.value for k in DOC_KINDS}


def test_characters_xml_cannot_carry_are_replaced(schema: xmlschema.XMLSchema, tmp_path: Path) -> None:
    broken = [f.__class__(**{**f.__dict__, "message": "bad \x00\x1b byte"}) for f in sample.findings()[:1]]
    path = tmp_path / "junit.xml"
    path.write_text(junit.render(sample.document(broken)))
    schema.validate(path)
