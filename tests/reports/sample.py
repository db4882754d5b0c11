"""A findings document with known content: every severity, several kinds, operations and providers,
a baselined finding, documentation defects, an unknown provider and hostile text."""

from __future__ import annotations

from dataclasses import replace

from conformance.core.kinds import Kind, Severity
from conformance.document.model import FindingsDocument, RunInfo, Summary
from conformance.findings.model import Evidence, Finding, Source, make_finding, sort_findings
from conformance.findings.root_causes import group
from conformance.providers import all_providers
from conformance.run import report_context

PROVIDERS = ("lynkwell", "useepay", "wooshpay")
HOSTILE = '<script>alert("x")</script> | `a|b` [link](javascript:alert(1)) **bold** # heading'
CURL = "curl -X GET 'http://127.0.0.1:9/v1/invoices/in_1' -H 'Authorization: REDACTED'"


def _finding(provider: str, operation: str, kind: Kind, pointer: str, **extra: object) -> Finding:
    method, path = _OPERATIONS.get((provider, operation), ("", ""))
    values: dict[str, object] = {
        "provider": provider,
        "operation": operation,
        "method": method,
        "path": path,
        "kind": kind,
        "pointer": pointer,
        "expected": f"the documented {kind.value} contract",
        "observed": f"something else at {pointer or 'the response'}",
        "message": f"{operation or 'The documentation'} shows {kind.value.replace('_', ' ')} at {pointer or 'the response'}.",
        "source": Source.REPLAY,
        "doc_ref": f"https://docs.example.test/{provider}/{operation or 'index'}",
        "evidence": Evidence(
            cassette=f"cassettes/{provider}/engine/cassette.yaml", interaction=2, status=200, curl=CURL
        ),
    }
    count = int(extra.pop("count", 1))  # type: ignore[call-overload]
    values.update(extra)
    return replace(make_finding(**values), count=count)  # type: ignore[arg-type]


_OPERATIONS = {
    ("wooshpay", "retrieveInvoice"): ("GET", "/v1/invoices/{id}"),
    ("wooshpay", "listInvoices"): ("GET", "/v1/invoices"),
    ("wooshpay", "createInvoice"): ("POST", "/v1/invoices"),
    ("wooshpay", "deleteInvoice"): ("DELETE", "/v1/invoices/{id}"),
    ("useepay", "payInvoice"): ("POST", "/api/v1/invoices/{id}/pay"),
    ("useepay", "createInvoice"): ("POST", "/api/v1/invoices/create"),
    ("useepay", "retrieveInvoice"): ("GET", "/api/v1/invoices/{id}"),
    ("lynkwell", "getInvoice"): ("GET", "/billing/v1/invoices/{invoiceId}"),
    ("acme", "getBill"): ("GET", "/bills/{id}"),
}

# Findings that a baseline accepts, by (provider, operation, kind, pointer).
BASELINED = {
    ("wooshpay", "retrieveInvoice", Kind.TYPE_MISMATCH, "/amount_due"),
    ("wooshpay", "", Kind.DOC_DEFECT, "/x-doc-defects/WP-TIMESTAMPS-AS-STRINGS"),
}


def findings() -> list[Finding]:
    found = [
        _finding("wooshpay", "retrieveInvoice", Kind.MISSING_FIELD, "/id", count=3),
        _finding("wooshpay", "retrieveInvoice", Kind.TYPE_MISMATCH, "/amount_due"),
        _finding("wooshpay", "listInvoices", Kind.UNDOCUMENTED_FIELD, "/data/0/rounding_rule"),
        _finding(
            "wooshpay",
            "createInvoice",
            Kind.SERVER_ERROR,
            "",
            evidence=Evidence(
                status=500,
                steps=({"request": {"method": "POST", "uri": "/v1/invoices"}, "response": {"status": 500}},),
            ),
        ),
        _finding("wooshpay", "deleteInvoice", Kind.USE_AFTER_FREE, "", message=HOSTILE, observed=HOSTILE),
        _finding(
            "useepay",
            "payInvoice",
            Kind.STATE_TRANSITION,
            "/status",
            observed='"payment_failed" after a successful pay',
        ),
        _finding("useepay", "createInvoice", Kind.NEGATIVE_DATA_ACCEPTED, "", source=Source.LIVE),
        _finding("useepay", "retrieveInvoice", Kind.UNDOCUMENTED_STATUS, "", severity=Severity.NON_BREAKING),
        _finding(
            "useepay",
            "createInvoice",
            Kind.DOC_DEFECT,
            "/x-doc-defects/UP-CURRENCY-MISMATCH",
            source=Source.DOCUMENTATION,
            evidence=Evidence(),
        ),
        _finding(
            "lynkwell",
            "getInvoice",
            Kind.ENUM_VIOLATION,
            "/status",
            observed='"SETTLED"',
            doc_ref="javascript:alert(1)",
        ),
        _finding(
            "lynkwell",
            "getInvoice",
            Kind.DOC_EXAMPLE_MISMATCH,
            "/components/examples/InvoiceFromGetInvoicePage/value/totalPaymentAttempts",
            source=Source.DOCUMENTATION,
            doc_ref="003_baca34d73528eadd.txt",
            evidence=Evidence(),
        ),
        _finding(
            "wooshpay",
            "",
            Kind.DOC_DEFECT,
            "/x-doc-defects/WP-TIMESTAMPS-AS-STRINGS",
            source=Source.DOCUMENTATION,
            evidence=Evidence(),
        ),
        # A provider this installation does not know: reports must still render it.
        _finding("acme", "getBill", Kind.NULLABILITY, "/total"),
    ]
    return sort_findings(replace(f, baselined=(f.provider, f.operation, f.kind, f.pointer) in BASELINED) for f in found)


def document(items: list[Finding] | None = None, *, target: str = "replay") -> FindingsDocument:
    """As a run writes it: root causes grouped and the report context read from the shipped specs."""
    items = findings() if items is None else items
    providers = all_providers()
    return FindingsDocument(
        tool_version="0.1.0",
        run=RunInfo(
            target=target,
            providers=PROVIDERS,
            base_urls={"wooshpay": "http://127.0.0.1:9"},
            seed=0,
            started_at="2026-11-21T12:00:00Z",
            finished_at="2026-11-21T12:00:42Z",
        ),
        summary=Summary.of(items, operations=30, requests=120),
        findings=tuple(items),
        root_causes=group(items, lambda name: providers[name].spec if name in providers else None),
        context=report_context.build(providers),
    )


def many(n: int) -> FindingsDocument:
    """n distinct findings over the real providers and operations, for timing the renderers."""
    base = [f for f in findings() if f.provider != "acme"]
    return document([replace(base[i % len(base)], pointer=f"/items/{i}") for i in range(n)])
