"""What the documentation says about a finding, from the provider's spec: provenance and recorded defects.

Reports may be rendered from a findings file of another version or of a provider this installation does
not know; then there is no spec context and the finding's own `doc_ref` stands alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance import pointers
from conformance.errors import UsageError
from conformance.findings import Finding, Kind
from conformance.providers import all_providers
from conformance.specs import DocDefect, DocSource, Provenance, Spec


@dataclass(frozen=True)
class DocNote:
    spec_title: str | None = None
    spec_version: str | None = None
    provenance: Provenance | None = None
    defects: tuple[DocDefect, ...] = ()

    @property
    def sources(self) -> tuple[DocSource, ...]:
        return self.provenance.sources if self.provenance else ()


def doc_note(finding: Finding) -> DocNote:
    spec = spec_for(finding.provider)
    if spec is None:
        return DocNote()
    op = spec.operations.get(finding.operation)
    return DocNote(
        spec_title=spec.title,
        spec_version=str(spec.document.get("info", {}).get("version", "")) or None,
        provenance=op.provenance if op else None,
        defects=_relevant_defects(spec, finding),
    )


def _relevant_defects(spec: Spec, finding: Finding) -> tuple[DocDefect, ...]:
    tokens = pointers.split(finding.pointer)
    if finding.kind is Kind.DOC_DEFECT:
        named = tokens[1] if len(tokens) > 1 and tokens[0] == "x-doc-defects" else None
        return tuple(d for d in spec.defects if d.id == named)
    if finding.kind is Kind.DOC_EXAMPLE_MISMATCH:
        example = tokens[2] if len(tokens) > 2 and tokens[:2] == ["components", "examples"] else None
        return tuple(d for d in spec.defects if example in d.examples)
    # For what the API did: every known contradiction in the docs of that operation.
    return tuple(d for d in spec.defects if finding.operation and finding.operation in d.operations)


def spec_for(provider: str) -> Spec | None:
    """The provider's spec (parsed once per process by load_spec), or None when it cannot be had."""
    found = all_providers().get(provider)
    if found is None:
        return None
    try:
        return found.spec
    except UsageError:
        return None  # a broken spec is reported by the commands that run it, not by a re-render
