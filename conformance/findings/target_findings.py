"""Findings about the target rather than the API: a cassette with no answer, a request with no answer.

The engine and the workflows both report them; this is the one place they are built, so both say the
same thing in the same shape (kind, expectation, observation, evidence).
"""

from __future__ import annotations

from conformance.core.errors import first_line
from conformance.core.kinds import Kind
from conformance.findings.model import Evidence, Finding, OperationLike, Source, make_finding


def stale_cassette(
    *,
    provider: str,
    operation: OperationLike | None,
    label: str,
    method: str,
    where: str,
    requester: str,
    message: str,
    source: Source,
    cassette: str | None,
) -> Finding:
    """`requester` sent a request (`where`) its cassette holds no answer for; `label` names the operation
    when the request matches none of the spec (`method` is then the request's)."""
    return make_finding(
        provider=provider,
        operation=operation.operation_id if operation else label,
        method=operation.method if operation else method,
        path=operation.path if operation else "",
        kind=Kind.STALE_CASSETTE,
        pointer="",
        expected=f"a recorded answer for every request {requester} makes",
        observed=f"no recorded answer for {where}",
        message=message,
        source=source,
        doc_ref=operation.doc_ref if operation else "",
        evidence=Evidence(cassette=cassette),
    )


def transport_error(
    *,
    provider: str,
    operation: OperationLike | None,
    label: str,
    cause: BaseException,
    message: str,
    source: Source,
) -> Finding:
    """A request of `operation` (or of `label`, matching none) that got no HTTP response at all."""
    return make_finding(
        provider=provider,
        operation=operation.operation_id if operation else label,
        method=operation.method if operation else "",
        path=operation.path if operation else "",
        kind=Kind.TRANSPORT_ERROR,
        pointer="",
        expected="an HTTP response",
        observed=f"{type(cause).__name__}: {first_line(cause)}",
        message=message,
        source=source,
        doc_ref=operation.doc_ref if operation else "",
    )
