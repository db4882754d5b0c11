"""reports/junit.xml in the Ant/Jenkins JUnit format CI systems read (testsuites/testsuite/testcase).

One testsuite per provider; a testcase per provider x operation x kind the run checks, classname
`provider.operation`. A (provider, operation, kind) with findings has one testcase per finding instead,
named `kind pointer`, so the failure count is exactly the breaking findings outside the baseline:
those fail, baselined ones are skipped, non-breaking and info ones pass with the finding in system-out.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from conformance.core.kinds import Kind, Severity
from conformance.document.model import API_TARGETS, FindingsDocument
from conformance.findings.model import Finding
from conformance.reports.doc_context import provider_context
from conformance.reports.model import DOC_KINDS, NO_OPERATION, findings_of, operation_label, providers_of

FILE_NAME = "junit.xml"
SUITES_NAME = "invoice-conformance"
AUDIT_TARGET = "documentation"  # what `conformance audit` writes as the run's target
# The engine judges every kind but drift, which only `conformance drift` reports.
ENGINE_KINDS = tuple(k for k in Kind if k not in DOC_KINDS and k is not Kind.DRIFT)
AUDIT_KINDS = tuple(k for k in Kind if k in DOC_KINDS)
# XML 1.0 cannot carry these at all, not even escaped; a vendor's binary body must not corrupt the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def checked_kinds(document: FindingsDocument) -> list[Kind]:
    """The kinds this run judged: the audit's, plus the engine's for a run against a target."""
    by_target = AUDIT_KINDS + ENGINE_KINDS if document.run.target in API_TARGETS else AUDIT_KINDS
    if document.run.target not in (*API_TARGETS, AUDIT_TARGET):
        by_target = ()  # e.g. drift: only what it reported
    present = {f.kind for f in document.findings}
    return [k for k in Kind if k in by_target or k in present]


def render(document: FindingsDocument) -> str:
    kinds = checked_kinds(document)
    root = ET.Element("testsuites", name=SUITES_NAME)
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for provider in providers_of(document):
        suite = _suite(document, provider, kinds)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", "0")
    root.set("skipped", str(totals["skipped"]))
    root.set("time", _duration(document))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def reports(document: FindingsDocument) -> dict[str, str]:
    return {FILE_NAME: render(document)}


def _suite(document: FindingsDocument, provider: str, kinds: list[Kind]) -> ET.Element:
    suite = ET.Element("testsuite", name=provider, id=provider, package=SUITES_NAME)
    properties = ET.SubElement(suite, "properties")
    run = document.run
    for name, value in (
        ("target", run.target_of(provider)),
        ("requested_target", run.target),
        ("seed", str(run.seed)),
        ("base_url", run.base_urls.get(provider, "")),
        ("tool_version", document.tool_version),
    ):
        ET.SubElement(properties, "property", name=name, value=_clean(value))
    for coverage in document.coverage:
        if coverage.provider != provider:
            continue
        for metric in coverage.metrics:  # as the reports show them: "n/a" when the run did not measure it
            ET.SubElement(properties, "property", name=f"coverage.{metric.name}", value=_clean(metric.shown))
    cases = list(_cases(document, provider, kinds))
    for case in cases:
        suite.append(case)
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(c.find("failure") is not None for c in cases)))
    suite.set("errors", "0")
    suite.set("skipped", str(sum(c.find("skipped") is not None for c in cases)))
    suite.set("time", "0")
    timestamp = _timestamp(run.started_at)
    if timestamp:
        suite.set("timestamp", timestamp)
    return suite


def _cases(document: FindingsDocument, provider: str, kinds: list[Kind]) -> Iterator[ET.Element]:
    found: dict[tuple[str, Kind], list[Finding]] = defaultdict(list)
    for finding in findings_of(document, provider):
        found[(operation_label(finding), finding.kind)].append(finding)
    for operation in _operations(document, provider, found):
        for kind in kinds:
            findings = found.get((operation, kind), [])
            if findings:
                yield from (_finding_case(provider, operation, f) for f in findings)
            elif operation != NO_OPERATION:  # the documentation as a whole has only its findings' testcases
                yield _case(provider, operation, kind.value)


def _operations(document: FindingsDocument, provider: str, found: dict[tuple[str, Kind], list[Finding]]) -> list[str]:
    known = provider_context(document, provider) if provider in document.run.providers else None
    documented = list(known.operations) if known else []
    seen = sorted({op for op, _ in found} - set(documented))
    return documented + seen


def _finding_case(provider: str, operation: str, finding: Finding) -> ET.Element:
    name = f"{finding.kind.value} {finding.pointer}" if finding.pointer else finding.kind.value
    case = _case(provider, operation, name)
    details = _details(finding)
    if finding.baselined:
        ET.SubElement(case, "skipped", message=_clean(f"baselined (accepted discrepancy): {finding.message}"))
        ET.SubElement(case, "system-out").text = details
    elif finding.expected_by_fault:
        why = f"expected under the double's fault {finding.expected_by_fault}: {finding.message}"
        ET.SubElement(case, "skipped", message=_clean(why))
        ET.SubElement(case, "system-out").text = details
    elif finding.severity is Severity.BREAKING:
        failure = ET.SubElement(case, "failure", type=finding.kind.value, message=_clean(finding.message))
        failure.text = details
    else:
        ET.SubElement(case, "system-out").text = details
    return case


def _case(provider: str, operation: str, name: str) -> ET.Element:
    return ET.Element("testcase", classname=f"{provider}.{operation}", name=_clean(name), time="0")


def _details(finding: Finding) -> str:
    e = finding.evidence
    lines = [
        f"{finding.severity.value}: {finding.message}",
        f"operation: {finding.method} {finding.path} ({finding.operation or 'documentation as a whole'})",
        f"pointer: {finding.pointer or '(whole response)'}",
        f"basis: {finding.basis.value}" + (f" ({finding.inference})" if finding.inference else ""),
        *([f"graded: {finding.graded}"] if finding.graded else []),
        f"expected: {finding.expected}",
        f"observed: {finding.observed}",
        f"documentation: {finding.doc_ref or '-'}",
        f"source: {finding.source.value}; seen {finding.count} time(s); fingerprint {finding.fingerprint}",
    ]
    if e.cassette:
        # findings.json counts interactions from 0; people count them from 1.
        where = f" interaction {e.interaction + 1}" if e.interaction is not None else ""
        lines.append(f"cassette: {e.cassette}{where}; HTTP status {e.status}")
    if e.curl:
        lines.append(f"reproduce: {e.curl}")
    return _clean("\n".join(lines))


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _timestamp(rfc3339: str) -> str:
    """Ant's timestamp is ISO 8601 without a zone; findings carry UTC."""
    try:
        return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return ""


def _duration(document: FindingsDocument) -> str:
    try:
        start = datetime.fromisoformat(document.run.started_at.replace("Z", "+00:00"))
        end = datetime.fromisoformat(document.run.finished_at.replace("Z", "+00:00"))
    except ValueError:
        return "0"
    return f"{max((end - start).total_seconds(), 0):.3f}"
