"""A change between an old and a new version of a provider's API, before it becomes a finding."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.core.kinds import Severity
from conformance.drift.rules import severity_of


@dataclass(frozen=True)
class Location:
    """Where a change can be seen: a cassette file, the index of the interaction in it, its status."""

    cassette: str
    interaction: int
    status: int


@dataclass(frozen=True)
class Change:
    rule: str  # an id of conformance.drift.rules
    provider: str
    operation: str
    method: str
    path: str
    # Cassette drift: a JSON pointer into the response body ('' for the whole response).
    # Spec drift: the same for response fields, else where in the operation the change is.
    pointer: str
    old: str
    new: str
    # What happened, as a clause: "no longer returns status 200".
    clause: str
    status: int | None = None
    location: Location | None = None
    doc_ref: str = ""

    @property
    def severity(self) -> Severity:
        return severity_of(self.rule)


@dataclass(frozen=True)
class ChangeMaker:
    """Changes of one operation: everything but what changed and where is the same."""

    provider: str
    operation: str
    method: str
    path: str
    doc_ref: str = ""

    def __call__(
        self,
        rule: str,
        pointer: str,
        old: str,
        new: str,
        clause: str,
        status: int | None = None,
        location: Location | None = None,
    ) -> Change:
        return Change(
            rule=rule,
            provider=self.provider,
            operation=self.operation,
            method=self.method,
            path=self.path,
            pointer=pointer,
            old=old,
            new=new,
            clause=clause,
            status=status,
            location=location,
            doc_ref=self.doc_ref,
        )
