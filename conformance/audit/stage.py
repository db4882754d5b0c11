"""The documentation audit: each spec against its own documented examples and recorded defects."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.core import pointers
from conformance.core.kinds import Kind
from conformance.findings.model import Finding, Source, finding_on, make_finding
from conformance.providers.base import Provider
from conformance.spec.specs import DocDefect, ExampleUse, Spec
from conformance.spec.validation import violations
from conformance.targets.stage import StageResult


def audit_spec(spec: Spec) -> list[Finding]:
    return [*_example_findings(spec), *_defect_findings(spec)]


def _example_findings(spec: Spec) -> Iterator[Finding]:
    defect_of = {name: d for d in spec.defects for name in d.examples}
    for use in spec.example_uses():
        defect = defect_of.get(use.name)
        for violation in violations(spec.validator(use.schema_pointer), use.value):
            yield finding_on(
                use.operation,
                kind=Kind.DOC_EXAMPLE_MISMATCH,
                pointer=use.example_pointer + violation.pointer,
                expected=violation.expected,
                observed=violation.observed,
                message=_example_message(use, violation.pointer, violation.kind, defect),
                source=Source.DOCUMENTATION,
                doc_ref=use.source,
                # A page's example against the spec's inference says the inference, not the page, may be wrong.
                basis=violation.basis,
                inference=violation.inference,
            )


def _example_message(use: ExampleUse, pointer: str, kind: Kind, defect: DocDefect | None) -> str:
    field = pointer or "the example"
    explained = f" (documentation defect {defect.id})" if defect else " (no documentation defect names this yet)"
    return (
        f"The documented example {use.name} for {use.operation.operation_id} ({use.location}) "
        f"does not match the documented schema at {field}: {kind.value.replace('_', ' ')}{explained}."
    )


def _defect_findings(spec: Spec) -> Iterator[Finding]:
    for defect in spec.defects:
        operation = spec.operations.get(defect.operations[0]) if defect.operations else None
        also = f" Also concerns {', '.join(defect.operations[1:])}." if len(defect.operations) > 1 else ""
        yield make_finding(
            provider=spec.provider,
            operation=operation.operation_id if operation else "",
            method=operation.method if operation else "",
            path=operation.path if operation else "",
            kind=Kind.DOC_DEFECT,
            pointer=pointers.join("x-doc-defects", defect.id),
            expected=defect.reading,
            observed=defect.docs_say,
            message=f"{defect.title}.{also}".replace("..", "."),
            source=Source.DOCUMENTATION,
            doc_ref=defect.where[0] if defect.where else (operation.doc_ref if operation else ""),
        )


def unexplained_example_failures(spec: Spec) -> list[str]:
    """Names of examples that fail validation but no defect names: a spec bug, not a finding."""
    named = {name for d in spec.defects for name in d.examples}
    return sorted(
        {
            use.name
            for use in spec.example_uses()
            if use.name not in named and violations(spec.validator(use.schema_pointer), use.value)
        }
    )


def audit_stage(providers: list[Provider]) -> StageResult:
    result = StageResult()
    for provider in providers:
        spec = provider.spec
        result.findings.extend(audit_spec(spec))
        result.operations.update((provider.name, op) for op in spec.operations)
    return result
