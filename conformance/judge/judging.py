"""Judging users' recordings with the replay's own judge (conformance.replay.engine).

Each exchange that reaches a provider operation goes through the replay's per-exchange judgement
(server error, documented status, content type, headers, strict schema), exactly as a re-judged
cassette of the suite, with an empty recording note: a user's recording says nothing about what a
request was meant to be, so the judgements that need that meaning (invalid data accepted, valid data
refused) and the verdicts of stateful checks are not made. Then the invariants of single invoice
objects that the workflows check (totals, balance, arithmetic, timeline, formats), from the
provider's own workflow facts.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.cassettes.evidence import curl_command
from conformance.cassettes.store import display_path
from conformance.checks.invariants import invoice_breaches
from conformance.checks.json_values import MISSING, value_at
from conformance.findings.model import Evidence, Finding, Source, finding_on
from conformance.judge import secrets as recording_secrets
from conformance.judge.recordings import Recorded
from conformance.judge.routing import Origin, route
from conformance.providers.base import Provider
from conformance.replay.engine import _Exchange, _exchange, _Judge  # the replay's judge, reused as is
from conformance.sandbox.faults import FAULT_HEADER
from conformance.spec.specs import Operation


@dataclass(frozen=True)
class Unmatched:
    """An exchange with a provider's host whose method and path no documented operation has."""

    provider: str
    method: str
    path: str
    file: str
    position: int


@dataclass
class JudgeOutcome:
    findings: list[Finding] = field(default_factory=list)
    requests: int = 0
    operations: set[tuple[str, str]] = field(default_factory=set)
    unmatched: list[Unmatched] = field(default_factory=list)
    ignored_hosts: Counter[str] = field(default_factory=Counter)
    token_requests: int = 0
    providers_seen: set[str] = field(default_factory=set)
    expected_by_fault: set[str] = field(default_factory=set)  # faults a double marked its answers with
    first_ignored: str = ""  # where the first exchange of no provider went (scheme, host, port, path)


def judge_recordings(recorded: list[Recorded], known: list[Origin], *, root: Path) -> JudgeOutcome:
    outcome = JudgeOutcome()
    secrets = recording_secrets.collect(r.interaction for r in recorded)
    judges: dict[tuple[str, str], _Judge] = {}
    for item in recorded:
        interaction = recording_secrets.scrub(item.interaction, secrets)
        request = interaction["request"]
        where = route(str(request["uri"]), str(request["method"]), known)
        label = display_path(item.file, root)
        if where.provider is None:
            outcome.ignored_hosts[_host(str(request["uri"]))] += 1
            outcome.first_ignored = outcome.first_ignored or _where(str(request["uri"]))
            continue
        outcome.providers_seen.add(where.provider.name)
        if where.token_request:
            outcome.token_requests += 1
            continue
        if where.operation is None:
            outcome.unmatched.append(
                Unmatched(where.provider.name, str(request["method"]), where.path, label, item.position)
            )
            continue
        key = (where.provider.name, label)
        judge = judges.get(key)
        if judge is None:
            judge = judges[key] = _Judge(where.provider, where.provider.spec, label)
        exchange = _exchange(item.position, interaction, where.prefix)
        outcome.requests += 1
        outcome.operations.add((where.provider.name, where.operation.operation_id))
        before = len(judge.findings)
        judge.case(where.operation, exchange, {})
        taken = {f.pointer for f in judge.findings[before:]}
        found = [*judge.findings[before:], *_invariants(where.provider, where.operation, exchange, taken, label)]
        fault = _fault_mark(exchange.headers)
        if fault:
            found = [replace(f, expected_by_fault=fault) for f in found]
            outcome.expected_by_fault.update(f.strip() for f in fault.split(","))
        outcome.findings.extend(found)
    return outcome


def _invariants(
    provider: Provider, operation: Operation, exchange: _Exchange, taken: set[str], label: str
) -> list[Finding]:
    """The single-object invariants the workflows check, on an invoice this exchange returned."""
    workflows = provider.workflows()
    base = workflows.invoice_at.get(operation.operation_id) if workflows else None
    if workflows is None or base is None or not 200 <= exchange.status < 300:
        return []
    invoice = value_at(_json(exchange.text), base)
    if invoice is MISSING or not isinstance(invoice, dict):
        return []
    found = []
    for breach in invoice_breaches(invoice, workflows.invoices):
        pointer = base + breach.pointer
        if pointer in taken:  # one cause, one finding: the schema check already spoke about this place
            continue
        taken.add(pointer)
        found.append(
            finding_on(
                operation,
                kind=breach.kind,
                pointer=pointer,
                expected=breach.expected,
                observed=breach.observed,
                message=breach.message,
                source=Source.REPLAY,
                doc_ref=breach.doc_ref,
                evidence=_evidence(exchange, label),
                basis=breach.basis,
                inference=breach.inference,
            )
        )
    return found


def _evidence(exchange: _Exchange, label: str) -> Evidence:
    request = exchange.request
    curl = curl_command(exchange.method, exchange.uri, request.get("headers") or {}, request.get("body"), [])
    return Evidence(cassette=label, interaction=exchange.position, status=exchange.status, curl=curl)


def _json(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return MISSING


def _host(uri: str) -> str:
    parts = urlsplit(uri)
    # Host and port only: userinfo can hold credentials.
    return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else uri.split("/")[0]


def _fault_mark(headers: Any) -> str:
    """The faults a double names on an answer it gave under them (conformance.sandbox.faults)."""
    for name, values in (headers or {}).items():
        if str(name).lower() == FAULT_HEADER.lower():
            value = values[0] if isinstance(values, list) and values else values
            return str(value or "").strip()
    return ""


def _where(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{_host(uri)}{parts.path}" if parts.hostname else _host(uri)
