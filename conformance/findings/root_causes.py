"""Root causes: findings that share one cause, grouped into the one discrepancy a vendor has to fix.

The same missing field of `#/components/schemas/Invoice` shows once per operation returning an invoice;
it is one fact ("the Invoice object lacks `/account_country`"). Three kinds of shared cause are grouped:
the same schema component violated the same way across operations (a 2xx body: `schema_component`;
an error body: `error_shape`), the same auth problem on every operation (`auth`), and the same
protocol-level deviation everywhere (`status`, `content_type`), plus the suite's own stale cassettes
and transport failures. Everything else is a root cause of its own. Each group keeps its members'
fingerprints, so baselines and JUnit keep working per finding; the component and the pointers within
it are recorded on the group, so a report rendered later needs no spec. A webhook payload's finding
(`webhook invoice.paid`) is located in its event's schema, so the same defect of the invoice an event
carries groups across events (and with the API's answers that carry the same object).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from conformance.findings.model import Finding
from conformance.findings.root_cause_model import SCHEMA_KINDS as SCHEMA_KINDS
from conformance.findings.root_cause_model import RootCause as RootCause
from conformance.findings.root_cause_model import group_findings
from conformance.spec.schema_paths import locate, response_schema
from conformance.spec.specs import Spec
from conformance.spec.webhooks import pseudo_operation, webhooks_of


def group(findings: Iterable[Finding], spec_of: Callable[[str], Spec | None]) -> tuple[RootCause, ...]:
    """Every API finding in exactly one root cause, most severe and widest-reaching first."""
    schemas: dict[tuple[str, str, int | None], str | None] = {}

    def component_of(finding: Finding) -> tuple[str, str] | None:
        spec = spec_of(finding.provider)
        operation = spec.operations.get(finding.operation) if spec else None
        status = finding.evidence.status
        where = (finding.provider, finding.operation, status)
        if where not in schemas:
            if spec is not None and finding.operation.startswith(WEBHOOK_PREFIX):
                schemas[where] = _event_schema(spec, finding.operation.removeprefix(WEBHOOK_PREFIX))
            else:
                schemas[where] = response_schema(spec, operation, status) if spec and operation else None
        schema = schemas[where]
        if spec is None or schema is None:
            return None
        location = locate(spec, schema, finding.pointer)
        return None if location.component is None else (location.component, location.within)

    return group_findings(findings, component_of)


WEBHOOK_PREFIX = pseudo_operation("")


def _event_schema(spec: Spec, event_name: str) -> str | None:
    """The schema of an event's payload (its first body: every content type carries the same event)."""
    event = webhooks_of(spec).event(event_name)
    return event.bodies[0].schema_pointer if event else None
