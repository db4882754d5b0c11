"""A promise: one thing the pages say a server does (a write is stored, a filter filters, pages
partition, a bound is enforced), declared in a spec (`x-behaviour`) or derived from it.

Probes are generated from promises; the `behaviour` coverage metric is promises probed / declared.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.core.kinds import Basis


@dataclass(frozen=True)
class Promise:
    operation_id: str  # the operation whose behaviour is promised (the one a finding names)
    kind: str  # persistence | encoding | amount | filter | pagination | constraint
    name: str  # unique within (operation_id, kind): e.g. "reads RetrieveInvoice", "customer", "max limit"
    basis: Basis
    provenance: str  # the page URL the promise is transcribed from ("" when derived from the spec itself)
    inference: str = ""  # why, when basis is inferred

    @property
    def key(self) -> str:
        return f"{self.operation_id} {self.kind}: {self.name}"
