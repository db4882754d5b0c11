"""What the documentation says about a finding: provenance and recorded defects, from findings.json's context.

The context was read from the provider's spec when the run happened. A findings file without one, or a
provider it does not describe, has no such notes: the finding's own `doc_ref` stands alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.core import pointers
from conformance.core.kinds import Kind
from conformance.document.context import DocDefect, DocSource, Provenance, ProviderContext
from conformance.document.model import FindingsDocument
from conformance.findings.model import Finding


@dataclass(frozen=True)
class DocNote:
    spec_title: str | None = None
    spec_version: str | None = None
    provenance: Provenance | None = None
    defects: tuple[DocDefect, ...] = ()

    @property
    def sources(self) -> tuple[DocSource, ...]:
        return self.provenance.sources if self.provenance else ()


def doc_note(document: FindingsDocument, finding: Finding) -> DocNote:
    known = provider_context(document, finding.provider)
    if known is None or known.spec is None:
        return DocNote()
    op = known.operations.get(finding.operation)
    return DocNote(
        spec_title=known.spec.title,
        spec_version=known.spec.version or None,
        provenance=op.provenance if op else None,
        defects=_relevant_defects(known.defects, finding),
    )


def _relevant_defects(defects: tuple[DocDefect, ...], finding: Finding) -> tuple[DocDefect, ...]:
    tokens = pointers.split(finding.pointer)
    if finding.kind is Kind.DOC_DEFECT:
        named = tokens[1] if len(tokens) > 1 and tokens[0] == "x-doc-defects" else None
        return tuple(d for d in defects if d.id == named)
    if finding.kind is Kind.DOC_EXAMPLE_MISMATCH:
        example = tokens[2] if len(tokens) > 2 and tokens[:2] == ["components", "examples"] else None
        return tuple(d for d in defects if example in d.examples)
    # For what the API did: every known contradiction in the docs of that operation.
    return tuple(d for d in defects if finding.operation and finding.operation in d.operations)


def provider_context(document: FindingsDocument, provider: str) -> ProviderContext | None:
    """What the run knew of the provider, or None (an older findings file, a provider it did not know)."""
    return document.context.provider(provider) if document.context is not None else None


def provider_title(document: FindingsDocument, provider: str) -> str:
    known = provider_context(document, provider)
    return known.title if known else provider
