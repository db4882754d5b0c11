"""Refusals of schema-valid requests (unknown reference, state conflict, business rule), as the pages allow them.

A provider's spec declares, at its top level, the statuses its pages allow for refusing a request that
is valid for the schema, each with its basis, and where its error body carries the error code:

    x-refusals:
      source: https://docs-v2.useepay.com/5341652m0
      error_code: /code                  # JSON pointer to the error code in an error body
      statuses:
        "400": {basis: documented, reason: 'Errors page: "... or failed another validation test"'}
        "404": {basis: inferred, reason: 'an unknown id answering 404 is the spec's reading'}
      unlisted: >-                       # optional: the pages list no statuses at all
        No page lists an error status: a 4xx in the error shape is a refusal, not a rejection of valid data.

A valid request refused with a declared status passes. Refused with another 4xx, it is
`positive_data_rejected`, identified by the refusal (status and error code): breaking, unless the pages
list no statuses (`unlisted`), where a 4xx in the spec's error shape is a refusal reported non-breaking
with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.checks.response_schema import response_violations
from conformance.core import pointers
from conformance.core.errors import UsageError
from conformance.core.kinds import Basis, Kind, Severity
from conformance.spec.specs import Operation, Spec

KEY = "x-refusals"


@dataclass(frozen=True)
class Allowed:
    status: int
    basis: Basis
    reason: str


@dataclass(frozen=True)
class Refusals:
    statuses: tuple[Allowed, ...] = ()
    error_code: str = ""
    unlisted: str = ""  # why any 4xx in the error shape is a refusal ('' when the pages list statuses)
    source: str = ""

    @property
    def codes(self) -> tuple[int, ...]:
        return tuple(a.status for a in self.statuses)

    def allowed(self, status: int) -> Allowed | None:
        return next((a for a in self.statuses if a.status == status), None)

    def error_code_of(self, body: Any) -> str:
        """The error code an error body carries at the declared pointer ('' when none)."""
        node = body
        for token in pointers.split(self.error_code) if self.error_code else []:
            node = node.get(token) if isinstance(node, dict) else None
        return str(node) if isinstance(node, str | int) and not isinstance(node, bool) else ""


_CACHE: dict[int, tuple[Spec, Refusals]] = {}


def refusals_of(spec: Spec) -> Refusals:
    """The spec's declared refusals (none declared: no status beyond schemathesis's defaults is a refusal)."""
    cached = _CACHE.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    found = _parse(spec, spec.document.get(KEY))
    _CACHE[id(spec)] = (spec, found)
    return found


def _parse(spec: Spec, raw: Any) -> Refusals:
    if raw is None:
        return Refusals()

    def fail(what: str) -> UsageError:
        return UsageError(f"{spec.path}: {KEY}{what}; docs/refusals.md shows the format.")

    if not isinstance(raw, dict):
        raise fail(" must be a mapping")
    statuses = []
    for status, entry in (raw.get("statuses") or {}).items():
        if not str(status).isdigit() or not 400 <= int(status) < 500:
            raise fail(f".statuses: {status!r} is not a 4xx status")
        entry = entry if isinstance(entry, dict) else {}
        try:
            basis = Basis(str(entry.get("basis", "")))
        except ValueError:
            raise fail(f".statuses.{status}.basis must be documented or inferred") from None
        statuses.append(Allowed(int(status), basis, " ".join(str(entry.get("reason") or "").split())))
    code = str(raw.get("error_code") or "")
    if code and not code.startswith("/"):
        raise fail(".error_code must be a JSON pointer into the error body, e.g. /error/code")
    return Refusals(
        statuses=tuple(sorted(statuses, key=lambda a: a.status)),
        error_code=code,
        unlisted=" ".join(str(raw.get("unlisted") or "").split()),
        source=str(raw.get("source") or ""),
    )


@dataclass(frozen=True)
class Rejection:
    """What `positive_data_rejected` says of one refused valid request."""

    kind: Kind
    pointer: str
    expected: str
    observed: str
    message: str
    check: str
    severity: Severity | None
    basis: Basis
    inference: str


def judge_refusal(spec: Spec, operation: Operation, status: int, body: Any, detail: str) -> Rejection | None:
    """A schema-valid request answered with a 4xx outside schemathesis's accepted list: None when the status
    is one the pages allow for a refusal, else the finding, identified by status and error code."""
    refusals = refusals_of(spec)
    if not 400 <= status < 500 or refusals.allowed(status) is not None:
        return None
    code = refusals.error_code_of(body)
    allowed = ", ".join(str(s) for s in refusals.codes) or "none listed"
    refusal = f"{status} {code}".strip()
    observed = f"HTTP {status}: {detail}"
    check = f"refusal.{status}" + (f".{code}" if code else "")
    if refusals.unlisted and _in_error_shape(spec, operation, status, body):
        return Rejection(
            Kind.POSITIVE_DATA_REJECTED,
            "",
            f"a 2xx for valid input, or a refusal ({refusals.unlisted})",
            observed,
            f"{operation.operation_id} refused a schema-valid request with {refusal}; the pages list no "
            f"refusal statuses, so this 4xx in the error shape is taken as a refusal ({refusals.unlisted}).",
            check,
            severity=Severity.NON_BREAKING,
            basis=Basis.INFERRED,
            inference=refusals.unlisted,
        )
    return Rejection(
        Kind.POSITIVE_DATA_REJECTED,
        "",
        f"a 2xx for valid input, or a refusal with a status the pages allow ({allowed})",
        observed,
        f"{operation.operation_id} refused a schema-valid request with {refusal}, a status the pages do not "
        f"allow for a refusal ({allowed}).",
        check,
        severity=None,
        basis=Basis.DOCUMENTED,
        inference="",
    )


def _in_error_shape(spec: Spec, operation: Operation, status: int, body: Any) -> bool:
    """Whether `body` is the error object the spec gives the operation's 4xx answers."""
    if body is None:
        return False
    found = response_violations(spec, operation, status, body, strict=False)
    if found is None:  # an undocumented status: judge by the error schema of any documented 4xx
        responses = spec.resolve(operation.pointer).get("responses") or {}
        for key in responses:
            if str(key).startswith("4") and str(key).isdigit():
                found = response_violations(spec, operation, int(key), body, strict=False)
                if found is not None:
                    return not found
        return False
    return not found
