"""Root causes: findings sharing a cause become one discrepancy, and only those do.

End to end on WooshPay's double with several Invoice fields removed; the grouping itself on findings
crafted over the real spec (hypothesis picks the fields, operations and array indices).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.core.kinds import Kind
from conformance.document.baseline import Baseline, update_baseline
from conformance.document.model import FindingsDocument, load_findings
from conformance.findings.model import Evidence, Finding, Source, finding_on
from conformance.findings.root_causes import group
from conformance.providers import get_provider
from conformance.reports.causes_view import cause_views
from conformance.run import pipeline
from conformance.spec.specs import Spec

SPEC = get_provider("wooshpay").spec
# Operations whose 2xx body is (or lists) the Invoice component, and where it sits in the body.
INVOICE_AT = {
    "retrieveInvoice": "",
    "createInvoice": "",
    "finalizeInvoice": "",
    "voidInvoice": "",
    "payInvoice": "",
    "listInvoices": "/data/{i}",
}
INVOICE_FIELDS = sorted(SPEC.document["components"]["schemas"]["Invoice"]["required"])
FAST = settings(max_examples=15, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))


def _spec_of(name: str) -> Spec | None:
    return SPEC if name == "wooshpay" else None


def _finding(operation: str, kind: Kind, pointer: str, status: int = 200) -> Finding:
    return finding_on(
        SPEC.operations[operation],
        kind=kind,
        pointer=pointer,
        expected="x",
        observed="y",
        message=f"{operation} {kind.value} {pointer}",
        source=Source.LIVE,
        evidence=Evidence(status=status),
    )


# -- end to end ---------------------------------------------------------------------------------------


def test_vendor_report_opens_with_one_root_cause_for_the_object(
    faulty_run: tuple[Path, FindingsDocument, tuple[str, ...]],
) -> None:
    directory, document, removed = faulty_run
    missing = [f for f in document.findings if f.kind is Kind.MISSING_FIELD]
    assert {f.pointer.rsplit("/", 1)[-1] for f in missing} == set(removed)
    assert len({f.operation for f in missing}) > 3, "the fault must show on several operations"

    # One cause per object: the fault strips the same keys from other objects too (a Subscription's
    # `customer`), and those are causes of their own, never merged into the Invoice's.
    causes = [c for c in document.root_causes if c.kind is Kind.MISSING_FIELD]
    assert len({c.component for c in causes}) == len(causes), [c.title for c in causes]
    (cause,) = [c for c in causes if c.component == "Invoice"]
    assert causes[0] == cause  # the widest first
    missing = [f for f in missing if f.fingerprint in set(cause.members)]
    assert sorted(cause.pointers) == sorted(f"/{name}" for name in removed)
    assert sorted(cause.members) == sorted(f.fingerprint for f in missing)  # member count = per-operation findings
    assert set(cause.operations) == {f.operation for f in missing}

    text = (directory / "wooshpay.md").read_text()
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections[0] == "## Root causes"
    first_row = next(line for line in text.splitlines() if line.startswith("| R1 |"))
    assert "`Invoice`" in first_row
    assert f"| {len(missing)} (" in first_row
    for name in removed:
        assert f"`/{name}`" in first_row
    # findings.json carries the grouping, and reads back.
    assert load_findings(directory / "findings.json").root_causes == document.root_causes


def test_junit_and_baselines_stay_per_finding(faulty_run: tuple[Path, FindingsDocument, tuple[str, ...]]) -> None:
    directory, document, _ = faulty_run
    missing = [f for f in document.findings if f.kind is Kind.MISSING_FIELD]
    failures = ET.parse(directory / "junit.xml").getroot().iter("failure")
    assert sum(1 for f in failures if f.get("type") == "missing_field") == len(missing)

    def invoice_view(document: FindingsDocument):  # type: ignore[no-untyped-def]
        (view,) = [v for v in cause_views(document) if v.cause.component == "Invoice"]
        return view

    accepted = update_baseline(Baseline(), document, reason="vendor ticket 1").baseline
    assert pipeline.exit_code(accepted.apply_to_document(document), accepted) == 0
    assert invoice_view(accepted.apply_to_document(document)).baselined

    members = set(invoice_view(document).cause.members)
    dropped = next(e for e in accepted.entries if e.fingerprint in members)
    one_left = Baseline(entries=[e for e in accepted.entries if e is not dropped])
    partly = one_left.apply_to_document(document)
    assert pipeline.exit_code(partly, one_left) == 1
    view = invoice_view(partly)
    assert view.live == 1
    assert not view.baselined


# -- the grouping -------------------------------------------------------------------------------------


@FAST
@given(
    fields=st.lists(st.sampled_from(INVOICE_FIELDS), min_size=1, max_size=6, unique=True),
    operations=st.lists(st.sampled_from(sorted(INVOICE_AT)), min_size=1, unique=True),
    index=st.sampled_from(["0", "3", "*"]),
)
def test_one_component_missing_fields_are_one_cause(fields: list[str], operations: list[str], index: str) -> None:
    findings = [
        _finding(op, Kind.MISSING_FIELD, INVOICE_AT[op].format(i=index) + "/" + name)
        for op in operations
        for name in fields
    ]
    (cause,) = group(findings, _spec_of)
    assert (cause.category, cause.component) == ("schema_component", "Invoice")
    assert sorted(cause.pointers) == sorted(f"/{n}" for n in fields)
    assert sorted(cause.members) == sorted(f.fingerprint for f in findings)
    assert sorted(cause.operations) == sorted(operations)


@FAST
@given(
    field=st.sampled_from(["email", "name", "id"]),
    operations=st.lists(st.sampled_from(sorted(INVOICE_AT)), min_size=1, unique=True),
)
def test_other_components_and_other_kinds_stay_apart(field: str, operations: list[str]) -> None:
    on_invoice = [
        _finding(op, Kind.MISSING_FIELD, INVOICE_AT[op].format(i="0") + "/customer_" + field) for op in operations
    ]
    on_customer = _finding("retrieveCustomer", Kind.MISSING_FIELD, "/" + field)
    retyped = [
        _finding(op, Kind.TYPE_MISMATCH, INVOICE_AT[op].format(i="0") + "/customer_" + field) for op in operations
    ]
    line_item = _finding("retrieveInvoice", Kind.MISSING_FIELD, "/lines/data/0/" + field)
    causes = group([*on_invoice, on_customer, *retyped, line_item], _spec_of)
    by_component = {(c.kind, c.component): c for c in causes}
    assert len(causes) == 4
    assert len(by_component[(Kind.MISSING_FIELD, "Invoice")].members) == len(operations)
    assert by_component[(Kind.MISSING_FIELD, "Customer")].members == (on_customer.fingerprint,)
    assert by_component[(Kind.MISSING_FIELD, "InvoiceLineItem")].pointers == ("/" + field,)
    assert len(by_component[(Kind.TYPE_MISMATCH, "Invoice")].members) == len(operations)


def test_error_shape_auth_and_status_group_across_operations() -> None:
    operations = ["retrieveInvoice", "finalizeInvoice", "voidInvoice"]
    errors = [_finding(op, Kind.MISSING_FIELD, "/error/code", status=404) for op in operations]
    auth = [_finding(op, Kind.AUTH_NOT_ENFORCED, "") for op in operations]
    status = [_finding(op, Kind.UNDOCUMENTED_STATUS, "", status=202) for op in operations]
    crashes = [_finding(op, Kind.SERVER_ERROR, "", status=500) for op in operations]
    causes = group([*errors, *auth, *status, *crashes], _spec_of)
    categories = sorted(c.category for c in causes)
    assert categories == ["auth", "error_shape", "single", "single", "single", "status"]
    (shape,) = [c for c in causes if c.category == "error_shape"]
    assert shape.component == "ErrorDetail"
    assert shape.reach == 3
    assert all(len(c.members) == 3 for c in causes if c.category != "single")


def test_ordered_by_severity_then_reach() -> None:
    wide = [
        _finding(op, Kind.UNDOCUMENTED_FIELD, "/extra") for op in ("retrieveInvoice", "createInvoice", "payInvoice")
    ]
    narrow = [_finding("retrieveInvoice", Kind.MISSING_FIELD, "/footer")]
    wider = [_finding(op, Kind.NULLABILITY, "/created") for op in ("retrieveInvoice", "createInvoice")]
    order: Callable[[list[Finding]], list[Kind]] = lambda fs: [c.kind for c in group(fs, _spec_of)]  # noqa: E731
    assert order([*wide, *narrow, *wider]) == [Kind.NULLABILITY, Kind.MISSING_FIELD, Kind.UNDOCUMENTED_FIELD]


def test_documentation_findings_are_not_api_root_causes() -> None:
    doc = _finding("retrieveInvoice", Kind.DOC_DEFECT, "/x-doc-defects/X")
    assert group([doc], _spec_of) == ()
