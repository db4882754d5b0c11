"""The engine's cassette re-judged: every recorded exchange against its operation in the current spec.

For each interaction: its operation (method and path template; an undeclared-method probe keeps the
operation it probed), then every response-side judgement the live run makes: server error,
documented status, content type, headers, strict schema (undocumented fields included), an
unauthenticated probe answered 2xx, and the request's recorded meaning against its status (an
invalid request accepted, a valid one refused). Checks that need state or extra requests (use after
free, resource availability, ignored auth, undeclared methods, missing headers) carry the verdict
the recording reached. Interactions the current spec has no operation for are one finding per
operation or path, so a spec edit shows exactly what the recordings no longer cover.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from conformance.cassettes import store
from conformance.cassettes.evidence import curl_command
from conformance.checks.accepted_input import TaintedObjects
from conformance.checks.check_failures import (
    WIRE_JUDGED_CHECKS,
    accepted_invalid,
    check_message,
    expected_for,
    judged_finding,
    kind_of,
    refused_valid,
    violation_message,
)
from conformance.checks.expectations import NEGATIVE_EXPECTED, NOT_A_SERVER_ERROR_EXPECTED, positive_expected, status_in
from conformance.checks.fast_schema import schema_violations
from conformance.checks.generated_values import beyond_documented_range
from conformance.checks.json_values import MISSING, unlabelled_json
from conformance.checks.references import References
from conformance.checks.refusals import judge_refusal, refusals_of
from conformance.checks.request_conformance import Constraint, body_value, path_values, wire_constraints
from conformance.checks.response_schema import NOT_JSON_CHECK, status_inference
from conformance.core.errors import first_line
from conformance.core.kinds import Basis, Kind, Severity
from conformance.coverage.exchanges import Exchange, from_cassette
from conformance.findings.model import Evidence, Finding, Source, make_finding
from conformance.providers.base import Provider
from conformance.replay import http_checks
from conformance.spec.specs import HTTP_METHODS, Operation, Spec


@dataclass
class ReplayOutcome:
    base_url: str
    findings: list[Finding] = field(default_factory=list)
    requests: int = 0
    operations: set[str] = field(default_factory=set)
    exchanges: list[Exchange] = field(default_factory=list)  # every judged exchange, for contract coverage


@dataclass(frozen=True)
class _Exchange:
    position: int
    method: str
    uri: str
    path: str
    request: dict[str, Any]
    status: int
    headers: dict[str, list[str]]
    text: str | bytes

    @property
    def content_type(self) -> str | None:
        for name, values in self.headers.items():
            if name.lower() == "content-type" and values:
                return str(values[0] if isinstance(values, list) else values)
        return None


def judge_cassette(provider: Provider, spec: Spec, cassette: store.LoadedCassette, *, label: str) -> ReplayOutcome:
    judge = _Judge(provider, spec, label)
    recorded = recorded_cases(spec, cassette)
    outcome = ReplayOutcome(base_url=recorded.base_url)
    for case in recorded.cases:  # the objects the recorded run saw, as the live run knew them when judging
        judge.references.observe(case.operation.operation_id, case.exchange.status, _json_or_none(case.exchange.text))
    for case in recorded.cases:
        if case.role == "auth_probe":
            judge.auth_probe(case.operation, case.exchange)
            continue
        outcome.requests += 1
        outcome.operations.add(case.operation.operation_id)
        outcome.exchanges.append(replace(from_cassette(case.interaction), operation=case.operation.operation_id))
        judge.case(case.operation, case.exchange, case.note)
    outcome.findings = judge.findings + _unmapped_findings(
        provider, spec, recorded.unmapped, recorded.first_unmapped, label
    )
    return outcome


@dataclass(frozen=True)
class _Case:
    operation: Operation
    exchange: _Exchange
    interaction: dict[str, Any]
    note: dict[str, Any]
    role: str | None


@dataclass
class RecordedCases:
    """A cassette's interactions sorted out: the judged cases, and what the spec has no operation for."""

    base_url: str
    cases: list[_Case] = field(default_factory=list)
    unmapped: Counter[tuple[str, str, str | None]] = field(default_factory=Counter)
    first_unmapped: dict[tuple[str, str, str | None], int] = field(default_factory=dict)

    @property
    def judged(self) -> list[_Case]:
        """The cases a run counts as requests (auth probes are extra requests of a case)."""
        return [case for case in self.cases if case.role != "auth_probe"]


def recorded_cases(spec: Spec, cassette: store.LoadedCassette) -> RecordedCases:
    """One sorting for the replay and the recording's own summary, so both count the same requests."""
    base_url = str(cassette.metadata.get("base_url") or "")
    prefix = urlsplit(base_url).path.rstrip("/")
    recorded = RecordedCases(base_url=base_url)
    for position, interaction in enumerate(cassette.interactions):
        note = interaction.get(store.INTENT_KEY)
        role = note.get("role") if isinstance(note, dict) else None
        if role in ("setup", "check_request") or (note is None and not _generated(interaction["request"])):
            continue  # without notes (older recordings), a request schemathesis did not generate is setup
        exchange = _exchange(position, interaction, prefix)
        recorded_op = note.get("operation") if isinstance(note, dict) else None
        operation = spec.operation_at(exchange.method, exchange.path)
        if operation is None and recorded_op in spec.operations:
            operation = spec.operations[recorded_op]  # an undeclared-method probe of this operation
        if operation is None and note is None and _known_path(spec, exchange.path):
            continue  # an undeclared-method probe of an older recording: which operation it probed is unknown
        if operation is None:
            key = (exchange.method, exchange.path, recorded_op)
            recorded.unmapped[key] += 1
            recorded.first_unmapped.setdefault(key, position)
            continue
        recorded.cases.append(_Case(operation, exchange, interaction, note if isinstance(note, dict) else {}, role))
    return recorded


def _known_path(spec: Spec, path: str) -> bool:
    return any(spec.operation_at(method, path) is not None for method in HTTP_METHODS)


def _generated(request: dict[str, Any]) -> bool:
    return any(name.lower() == "x-schemathesis-testcaseid" for name in request.get("headers") or {})


def _exchange(position: int, interaction: dict[str, Any], prefix: str) -> _Exchange:
    request = interaction["request"]
    response = interaction["response"]
    path = urlsplit(str(request.get("uri", ""))).path
    if prefix and path.startswith(prefix):
        path = path[len(prefix) :] or "/"
    body = response.get("body")
    text = body.get("string", "") if isinstance(body, dict) else (body or "")
    status = response.get("status")
    return _Exchange(
        position=position,
        method=str(request.get("method", "")).upper(),
        uri=str(request.get("uri", "")),
        path=path,
        request=request,
        status=int(status.get("code", 0) if isinstance(status, dict) else status or 0),
        headers=response.get("headers") or {},
        text=text or "",
    )


class _Judge:
    def __init__(self, provider: Provider, spec: Spec, label: str) -> None:
        self.provider = provider
        self.spec = spec
        self.label = label
        self.positive = positive_expected(refusals_of(spec).codes)
        self.references = References.of(spec)
        self.findings: list[Finding] = []
        self.tainted = TaintedObjects()

    def case(self, operation: Operation, exchange: _Exchange, note: dict[str, Any]) -> None:
        status = exchange.status
        meant = note.get("meant")
        if not status_in(status, NOT_A_SERVER_ERROR_EXPECTED) and not note.get("content_type_probe"):
            self._check(operation, exchange, http_checks.Failed("not_a_server_error", "Server error", "", ""))
        if meant != "shape_probe":
            for failed in (
                http_checks.status_failure(self.spec, operation, status),
                http_checks.content_type_failure(self.spec, operation, status, exchange.content_type),
                http_checks.header_failure(self.spec, operation, status, exchange.headers),
            ):
                if failed is not None:
                    self._check(operation, exchange, failed)
        accepted = self._accepted_invalid(operation, exchange, note)
        if meant == "invalid" and accepted:
            self._add(operation, exchange, **accepted_invalid(operation, status, accepted[0]))
        elif (
            meant == "invalid"
            and accepted is None
            and not status_in(status, NEGATIVE_EXPECTED)
            and not self._valid_on_the_wire(operation, exchange)
        ):
            detail = "Invalid data should have been rejected"
            title = "Schema-violating request accepted"
            self._check(operation, exchange, http_checks.Failed("negative_data_rejection", title, detail, ""))
        elif (
            meant == "valid"
            and not status_in(status, self.positive)
            and not self._artefact_refused(operation, exchange)
        ):
            rejection = judge_refusal(self.spec, operation, status, _json(exchange.text), _short(exchange.text))
            if rejection is not None:
                self._add(operation, exchange, **refused_valid(rejection))
        for name, verdict in sorted((note.get("recorded_verdicts") or {}).items()):
            if name in WIRE_JUDGED_CHECKS and self._valid_on_the_wire(operation, exchange):
                continue
            title = str(verdict.get("title") or name)
            detail = first_line(str(verdict.get("message") or "")) or title
            self._check(operation, exchange, http_checks.Failed(name, title, detail, ""))
        self._schema(operation, exchange)
        self.tainted.done()

    def _accepted_invalid(
        self, operation: Operation, exchange: _Exchange, note: dict[str, Any]
    ) -> list[Constraint] | None:
        """As the live engine: the constraints an accepted request generated as invalid breaks on the wire."""
        if note.get("mode") != "negative" or status_in(exchange.status, NEGATIVE_EXPECTED):
            return None
        request = exchange.request
        body = request.get("body")
        constraints = wire_constraints(self.spec, operation, exchange.uri, request.get("headers") or {}, body)
        if constraints:
            self.tainted.accept(
                constraints, body_value(body), path_values(operation, exchange.uri), _json(exchange.text)
            )
        return constraints

    def auth_probe(self, operation: Operation, exchange: _Exchange) -> None:
        """A successful request resent without credentials: it must be refused."""
        if 200 <= exchange.status < 300:
            self._add(
                operation,
                exchange,
                kind=Kind.AUTH_NOT_ENFORCED,
                pointer="",
                expected="401 or 403 without credentials",
                observed=f"HTTP {exchange.status} without credentials",
                message=f"{operation.operation_id} answered {exchange.status} to a request without credentials.",
            )

    def _artefact_refused(self, operation: Operation, exchange: _Exchange) -> bool:
        """A 4xx to a request carrying a number beyond any bound its pages document: a refusal, not a defect."""
        request = exchange.request
        headers = request.get("headers") or {}
        body = request.get("body")
        return 400 <= exchange.status < 500 and bool(
            beyond_documented_range(self.spec, operation, exchange.uri, headers, body)
            or self.references.made_up(self.spec, operation, exchange.uri, headers, body)
        )

    def _valid_on_the_wire(self, operation: Operation, exchange: _Exchange) -> bool:
        """A negative case whose request reached the server valid (auth restored what a mutation removed)."""
        request = exchange.request
        return (
            wire_constraints(self.spec, operation, exchange.uri, request.get("headers") or {}, request.get("body"))
            == []
        )

    def _schema(self, operation: Operation, exchange: _Exchange) -> None:
        content_type = exchange.content_type or ""
        if not exchange.text:
            return
        try:
            # A wrong label is reported by the content-type check; the body is judged all the same.
            body = json.loads(exchange.text) if "json" in content_type.lower() else unlabelled_json(exchange.text)
            if body is MISSING:
                return
        except ValueError as exc:
            if 200 <= exchange.status < 300:
                text = exchange.text if isinstance(exchange.text, str) else exchange.text.decode("utf-8", "replace")
                preview = " ".join(text.split())[:80]
                self._add(
                    operation,
                    exchange,
                    kind=Kind.CONTENT_TYPE,
                    pointer="",
                    expected=f"a JSON body, as its Content-Type {content_type} says",
                    observed=f"not JSON ({exc}): {preview}",
                    message=f"The {exchange.status} response of {operation.operation_id} is labelled "
                    f"{content_type} but its body is not JSON.",
                    check=NOT_JSON_CHECK,
                )
            return
        for violation in schema_violations(self.spec, operation, exchange.status, body) or []:
            if self.tainted.excused(body, violation):
                continue  # a value the server accepted from invalid input: reported as negative_data_accepted
            self._add(
                operation,
                exchange,
                kind=violation.kind,
                pointer=violation.pointer,
                expected=violation.expected,
                observed=violation.observed,
                message=violation_message(operation, exchange.status, violation),
                check=violation.check,
                instance_pointer=violation.instance_pointer,
                basis=violation.basis,
                inference=violation.inference,
            )

    def _check(self, operation: Operation, exchange: _Exchange, failed: http_checks.Failed) -> None:
        detail = failed.detail or failed.title
        status_kind = kind_of(failed.check) is Kind.UNDOCUMENTED_STATUS
        inferred = status_inference(self.spec, operation, exchange.status) if status_kind else ""
        self._add(
            operation,
            exchange,
            kind=kind_of(failed.check),
            pointer="",
            expected=failed.expected or expected_for(failed.check, None),
            observed=f"HTTP {exchange.status}: {detail}",
            message=check_message(operation.operation_id, failed.check, failed.title, exchange.status),
            severity_check=failed.check,
            check=f"schemathesis.{failed.check}",
            basis=Basis.INFERRED if inferred else Basis.DOCUMENTED,
            inference=inferred,
        )

    def _add(
        self,
        operation: Operation,
        exchange: _Exchange,
        *,
        kind: Kind,
        pointer: str,
        expected: str,
        observed: str,
        message: str,
        severity_check: str | None = None,
        check: str | None = None,
        instance_pointer: str | None = None,
        basis: Basis = Basis.DOCUMENTED,
        inference: str = "",
        severity: Severity | None = None,
    ) -> None:
        request = exchange.request
        curl = curl_command(exchange.method, exchange.uri, request.get("headers") or {}, request.get("body"), [])
        self.findings.append(
            judged_finding(
                operation,
                kind=kind,
                pointer=pointer,
                expected=expected,
                observed=observed,
                message=message,
                source=Source.REPLAY,
                evidence=Evidence(
                    cassette=self.label, interaction=exchange.position, status=exchange.status, curl=curl
                ),
                severity_check=severity_check,
                check=check,
                instance_pointer=instance_pointer,
                basis=basis,
                inference=inference,
                severity=severity,
            )
        )


def _short(text: str | bytes, limit: int = 80) -> str:
    shown = " ".join((text if isinstance(text, str) else text.decode("utf-8", "replace")).split())
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _json(text: str | bytes) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _unmapped_findings(
    provider: Provider,
    spec: Spec,
    unmapped: Counter[tuple[str, str, str | None]],
    first: dict[tuple[str, str, str | None], int],
    label: str,
) -> list[Finding]:
    """One finding per operation (or path) the recordings exercise and the current spec lacks."""
    findings = []
    for (method, path, recorded_op), count in sorted(unmapped.items(), key=lambda item: first[item[0]]):
        what = f"{recorded_op} ({method} {path})" if recorded_op else f"{method} {path}"
        findings.append(
            make_finding(
                provider=provider.name,
                operation=recorded_op or f"{method} {path}",
                method=method,
                path=path,
                kind=Kind.STALE_CASSETTE,
                pointer="",
                expected="an operation of the current spec for every recorded exchange",
                observed=f"{count} recorded exchange(s) of {what} match no operation of {spec.path.name}",
                message=(
                    f"The recordings exercise {what}, which the current spec does not describe, so those exchanges "
                    f"were not judged; restore the operation or re-record with "
                    f"`{store.record_command(provider.name)}`."
                ),
                source=Source.REPLAY,
                doc_ref="",
                evidence=Evidence(cassette=label, interaction=first[(method, path, recorded_op)]),
            )
        )
    return findings


def _json_or_none(text: str | bytes) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
