"""Fingerprints: one per defect (the check that fired is part of it), not one per array element."""

from __future__ import annotations

from conformance.checks.pagination import ListShape, PageSeen, walk_breaches
from conformance.core.kinds import Kind
from conformance.findings.model import Finding, Source, make_finding

SHAPE = ListShape(items="/data", has_more="/data", doc_ref="https://docs.example/list")


def _finding(pointer: str, check: str | None = None, kind: Kind = Kind.INVARIANT_VIOLATION) -> Finding:
    return make_finding(
        provider="wooshpay",
        operation="listInvoices",
        method="GET",
        path="/v1/invoices",
        kind=kind,
        pointer=pointer,
        expected="x",
        observed="y",
        message="m",
        source=Source.LIVE,
        doc_ref="",
        check=check,
    )


def test_two_defects_at_one_pointer_have_two_fingerprints() -> None:
    # Pages whose flag and items sit at the same pointer: a repeat and a lie about has-more.
    pages = [PageSeen(ids=("a", "b"), has_more=True), PageSeen(ids=("b",), has_more=True), PageSeen((), None)]
    breaches = [b.breach for b in walk_breaches(pages, SHAPE, complete=True)]
    checks = {b.check for b in breaches}
    assert checks == {"pagination.repeat", "pagination.has_more_last_page"}
    lie = next(b for b in breaches if b.check == "pagination.has_more_last_page")
    repeat = _finding(lie.pointer, "pagination.repeat")
    assert _finding(lie.pointer, lie.check).fingerprint != repeat.fingerprint


def test_the_same_defect_on_other_elements_has_one_fingerprint() -> None:
    first, second = (
        _finding("/lines/data/0/amount", "invariant.line_amount"),
        _finding("/lines/data/3/amount", "invariant.line_amount"),
    )
    assert first.fingerprint == second.fingerprint
    assert first.pointer == second.pointer == "/lines/data/*/amount"
    assert (first.evidence.instance_pointer, second.evidence.instance_pointer) == (
        "/lines/data/0/amount",
        "/lines/data/3/amount",
    )


def test_every_finding_names_its_check_and_it_survives_json() -> None:
    finding = _finding("/status", kind=Kind.ENUM_VIOLATION)
    assert finding.check == "schema.strict"
    data = finding.to_json()
    assert list(data)[:2] == ["fingerprint", "check"]
    assert Finding.from_json(data) == finding
    assert Finding.from_json(data).fingerprint == data["fingerprint"]


def test_documented_statuses_are_written_as_the_spec_writes_them() -> None:
    from conformance.checks.response_schema import documented_statuses
    from conformance.providers import get_provider

    spec = get_provider("wooshpay").spec
    statuses = documented_statuses(spec, spec.operations["listInvoices"])
    assert "5XX" in statuses
    assert not any(s.isdigit() and s.startswith("5") for s in statuses)
