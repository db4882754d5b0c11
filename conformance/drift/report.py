"""Changes → `drift` findings: one per provider, operation and pointer, as fingerprints require.

Changes that share a pointer (a status that vanished and the one that replaced it, both at '') make
one finding whose message lists them in one sentence, breaking ones first; its severity is the
worst of theirs and its evidence the interaction that shows the worst one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from conformance.drift.changes import Change, Location
from conformance.engine.evidence import curl_command
from conformance.findings import Evidence, Finding, Kind, Severity, Source, make_finding


def _unique(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(t for t in texts if t))


def to_findings(
    changes: Iterable[Change], *, source: Source, requests: Mapping[Location, dict[str, Any]] | None = None
) -> list[Finding]:
    groups: dict[tuple[str, str, str], list[Change]] = {}
    for change in changes:
        groups.setdefault((change.provider, change.operation, change.pointer), []).append(change)
    return [_finding(group, source, requests or {}) for group in groups.values()]


def _finding(group: list[Change], source: Source, requests: Mapping[Location, dict[str, Any]]) -> Finding:
    ordered = sorted(group, key=lambda c: c.severity is not Severity.BREAKING)  # stable: keeps discovery order
    lead = ordered[0]
    message = f"{lead.operation} {'; '.join(_unique(c.clause for c in ordered))}."
    return make_finding(
        provider=lead.provider,
        operation=lead.operation,
        method=lead.method,
        path=lead.path,
        kind=Kind.DRIFT,
        severity=lead.severity,
        pointer=lead.pointer,
        expected="; ".join(_unique(c.old for c in ordered)),
        observed="; ".join(_unique(c.new for c in ordered)),
        message=message,
        source=source,
        doc_ref=lead.doc_ref,
        evidence=_evidence(lead, requests),
    )


def _evidence(change: Change, requests: Mapping[Location, dict[str, Any]]) -> Evidence:
    where = change.location
    if where is None:
        return Evidence(status=change.status)
    request = requests.get(where)
    curl = None
    if request is not None:
        # Cassettes are scrubbed when written: nothing secret is left to redact.
        curl = curl_command(
            str(request.get("method", "GET")),
            str(request.get("uri", "")),
            request.get("headers") or {},
            request.get("body"),
            secrets=(),
        )
    return Evidence(cassette=where.cassette, interaction=where.interaction, status=where.status, curl=curl)
