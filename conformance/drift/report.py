"""Changes → `drift` findings: one per provider, operation and pointer, as fingerprints require.

Changes that share a pointer (a status that vanished and the one that replaced it, both at '') make
one finding whose message lists them in one sentence, the most severe first; its severity and
`check` are those of the most severe change (by level, then as found), and its evidence the
interaction that shows it. A change whose check is turned off (level `none`) is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from conformance.core.kinds import Basis, Kind
from conformance.drift.changes import Change, Location
from conformance.drift.grading import DEFAULT_GRADING, Grading
from conformance.findings.model import Evidence, Finding, Source, make_finding


def _unique(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(t for t in texts if t))


def to_findings(
    changes: Iterable[Change],
    *,
    source: Source,
    requests: Mapping[Location, dict[str, Any]] | None = None,
    grading: Grading = DEFAULT_GRADING,
) -> list[Finding]:
    groups: dict[tuple[str, str, str], list[Change]] = {}
    for change in changes:
        if grading.severity(change.rule) is not None:
            groups.setdefault((change.provider, change.operation, change.pointer), []).append(change)
    return [_finding(group, source, requests or {}, grading) for group in groups.values()]


def _finding(
    group: list[Change], source: Source, requests: Mapping[Location, dict[str, Any]], grading: Grading
) -> Finding:
    ordered = sorted(group, key=lambda c: -grading.level(c.rule))  # stable: keeps discovery order
    lead = ordered[0]
    message = f"{lead.operation} {'; '.join(_unique(c.clause for c in ordered))}."
    return make_finding(
        provider=lead.provider,
        operation=lead.operation,
        method=lead.method,
        path=lead.path,
        kind=Kind.DRIFT,
        severity=grading.severity(lead.rule),
        pointer=lead.pointer,
        expected="; ".join(_unique(c.old for c in ordered)),
        observed="; ".join(_unique(c.new for c in ordered)),
        message=message,
        source=source,
        doc_ref=lead.doc_ref,
        evidence=_evidence(lead, requests),
        check=lead.rule,
        basis=Basis.OBSERVED,  # the provider's (or the spec's) own earlier behaviour
    )


def _evidence(change: Change, requests: Mapping[Location, dict[str, Any]]) -> Evidence:
    where = change.location
    if where is None:
        return Evidence(status=change.status)
    request = requests.get(where)
    curl = None
    if request is not None:
        from conformance.cassettes.evidence import curl_command  # cassette drift only: spec drift stays light

        # Cassettes are scrubbed when written: nothing secret is left to redact.
        curl = curl_command(
            str(request.get("method", "GET")),
            str(request.get("uri", "")),
            request.get("headers") or {},
            request.get("body"),
            secrets=(),
        )
    return Evidence(cassette=where.cassette, interaction=where.interaction, status=where.status, curl=curl)
