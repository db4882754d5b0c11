"""One provider through the schemathesis engine: examples, coverage, fuzzing and stateful phases.

Every request/response the engine records is judged twice: by schemathesis's built-in checks
(server errors, status codes, content types, auth, negative/positive data, use after free...) and
by our strict response validation, which names each schema violation precisely and reports
undocumented fields. Both become findings; de-duplication happens in the pipeline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import requests
import schemathesis
from schemathesis.engine import StopReason, events
from schemathesis.engine.recorder import ScenarioRecorder
from vcr.errors import CannotOverwriteExistingCassetteException

from conformance.cassettes.evidence import TESTCASE_HEADER, CassettePositions, SentRequests, curl_command, request_key
from conformance.cassettes.scrub import COOKIE_HEADERS
from conformance.cassettes.store import ENGINE_SUITE, record_command
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
from conformance.checks.expectations import NEGATIVE_EXPECTED, status_in
from conformance.checks.generated_values import beyond_documented_range, integral
from conformance.checks.json_values import MISSING, unlabelled_json
from conformance.checks.references import References
from conformance.checks.refusals import judge_refusal, refusals_of
from conformance.checks.request_conformance import Constraint, body_value, path_values, wire_constraints
from conformance.checks.response_schema import (
    NOT_JSON_CHECK,
    documented_statuses,
    response_violations,
    status_inference,
)
from conformance.core import secrets
from conformance.core.errors import ConformanceError, TargetUnreachable, UsageError, first_line, interruption, signalled
from conformance.core.kinds import Basis, Kind, Severity
from conformance.coverage.exchanges import Exchange, from_schemathesis
from conformance.engine import form_encoding
from conformance.engine.determinism import seed_only_generation
from conformance.engine.intent import IntentRecorder
from conformance.engine.selection import narrowed
from conformance.engine.settings import Settings, schemathesis_config
from conformance.findings import target_findings
from conformance.findings.model import Evidence, Finding, Source
from conformance.http import budget, transport
from conformance.http.auth import ProviderAuth
from conformance.http.ratelimit import RateLimitPolicy, RetryAfterAuth, rate_limit_finding
from conformance.providers.base import Provider
from conformance.spec.specs import Operation, Spec

form_encoding.install()


@dataclass
class EngineResult:
    findings: list[Finding] = field(default_factory=list)
    requests: int = 0
    responses: int = 0
    transport_errors: int = 0
    operations: set[str] = field(default_factory=set)
    # (operationId, response body) of every successful call, for cleaning up a live sandbox.
    created: list[tuple[str, Any]] = field(default_factory=list)
    # Every answered request, for contract coverage.
    exchanges: list[Exchange] = field(default_factory=list)


@dataclass
class _Pending:
    """A finding waiting for its evidence's cassette position, known only once the cassette is final."""

    finding: Finding
    key: tuple[str, str, str] | None
    occurrence: int = 0  # how many identical requests were sent before it (CassettePositions.nth)


@dataclass
class EngineRun:
    provider: Provider
    spec: Spec
    base_url: str
    auth: ProviderAuth | None
    settings: Settings
    source: Source
    secrets: list[str]
    cassette: Path | None = None
    safe_methods_only: bool = False
    unserved: tuple[str, ...] = ()  # operations the target cannot answer (a double behind its spec)
    # Recording only: notes what each recorded request was meant to be, for the default replay.
    intents: IntentRecorder | None = None
    _pending: list[_Pending] = field(default_factory=list)
    _result: EngineResult = field(default_factory=EngineResult)
    _first_success: dict[str, Any] = field(default_factory=dict)
    _sent: SentRequests = field(default_factory=SentRequests)
    # Objects holding values the server accepted from requests the suite sent as invalid.
    _tainted: TaintedObjects = field(default_factory=TaintedObjects)
    # Made from the settings unless given (tests give one that records its waits).
    rate_limit: RateLimitPolicy | None = None
    _references: References = field(init=False)

    def __post_init__(self) -> None:
        self._references = References.of(self.spec)

    def execute(self) -> EngineResult:
        if self.rate_limit is None:
            self.rate_limit = RateLimitPolicy(
                max_wait=self.settings.max_retry_after, honour_waits=self.source is not Source.REPLAY
            )
        schema = self._load_schema()
        guard = transport.current()
        with self._sent.recording():
            stop_reason, interrupted, stopped = self._run(schema, guard)
            if interrupted or signalled():
                raise interruption()  # signalled: schemathesis can swallow the KeyboardInterrupt without an event
            if stopped is not None:
                raise stopped
            if guard is not None and guard.tripped:
                raise TargetUnreachable(
                    f"{self.provider.title} at {self.base_url} failed at transport level {transport.TRIP_AFTER} "
                    f"times in a row ({guard.last_error}); check the URL, the network and --request-timeout, then "
                    "run again."
                )
            self._probe_auth()
        self._report_rate_limiting()
        if self.intents is not None:
            self.intents.finish()
        if stop_reason is StopReason.SERVER_UNAVAILABLE or (
            not self._result.responses and (self._result.requests or self._result.transport_errors)
        ):
            raise TargetUnreachable(
                f"{self.provider.title} at {self.base_url} gave no usable answer (every request failed at transport "
                "level), so there is no verdict; check the URL and the network, then run again."
            )
        return self._result

    def _run(
        self, schema: Any, guard: transport.Guard | None
    ) -> tuple[StopReason | None, bool, ConformanceError | None]:
        """The schemathesis engine's events: why it stopped, whether it was interrupted, and our own stop."""
        stop_reason: StopReason | None = None
        interrupted = False
        stopped: ConformanceError | None = None
        stream = schemathesis.engine.from_schema(schema).execute()
        for event in stream:
            if isinstance(event, events.ScenarioFinished):
                self._on_scenario(event.recorder)
                if budget.spent_out():
                    stream.stop()  # the budget is spent: the run keeps what it found (conformance.http.budget)
            elif isinstance(event, events.NonFatalError):
                cause = _root_cause(event.value)
                if isinstance(cause, budget.BudgetSpent):
                    stream.stop()  # a request the budget refused was never sent: no finding
                    continue
                if isinstance(cause, ConformanceError):
                    # Our own auth said why it cannot go on (a token endpoint that refuses or redirects).
                    stopped = stopped or cause
                    stream.stop()
                    continue
                self._on_error(event.value, event.label)
                if guard is not None and guard.tripped:
                    stream.stop()  # the target is given up on: no more requests
            elif isinstance(event, events.Interrupted) and signalled():
                interrupted = True  # schemathesis swallows Ctrl-C/SIGTERM; the run must not finish as if whole
            elif isinstance(event, events.FatalError):
                raise TargetUnreachable(
                    f"{self.provider.title} run stopped: {first_line(event.exception)}; "
                    f"check that {self.base_url} is reachable."
                )
            elif isinstance(event, events.EngineFinished):
                stop_reason = getattr(event, "stop_reason", None)
        return stop_reason, interrupted, stopped

    def finish(self, index: CassettePositions | None) -> list[Finding]:
        """The findings, with cassette and interaction filled in once the cassette is on disk."""
        done = []
        for pending in self._pending:
            finding = pending.finding
            if index is not None and pending.key is not None:
                interaction = index.nth(pending.key, pending.occurrence)
                evidence = replace(finding.evidence, cassette=index.label, interaction=interaction)
                finding = replace(finding, evidence=evidence)
            done.append(finding)
        return done

    # -- schema ---------------------------------------------------------------------------------

    def _load_schema(self) -> Any:
        seed_only_generation()
        config = schemathesis_config(self.settings, self.base_url, refusals_of(self.spec).codes)
        try:
            schema: schemathesis.BaseSchema = schemathesis.openapi.from_path(str(self.spec.path), config=config)
        except Exception as exc:  # schemathesis raises several loader errors; all mean the same to a user
            raise UsageError(f"schemathesis cannot load {self.spec.path} ({first_line(exc)}); fix the spec.") from None
        schema = narrowed(schema, self.settings.operations, list(self.spec.operations))
        if self.unserved:
            schema = schema.exclude(operation_id=list(self.unserved))
        if self.safe_methods_only:
            schema = schema.include(method="GET")
        # Every request goes through this auth, which also waits out 429s (conformance.http.ratelimit).
        schema.auth.set_from_requests(RetryAfterAuth(self.auth, self.rate_limit or RateLimitPolicy()))
        auth, references, spec = self.auth, self._references, self.spec

        def map_case(context: Any, case: Any) -> Any:
            """Whole numbers go out as JSON integers (5, not 5.0); references name objects the run has seen."""
            for part in ("body", "query", "path_parameters"):
                value = getattr(case, part, None)
                if isinstance(value, dict | list | float):
                    setattr(case, part, integral(value))
            operation = spec.operation_at(case.operation.method, case.operation.path)
            if operation is not None:
                query, body = references.fill(operation.operation_id, case.query, case.body)
                if query is not case.query:
                    case.query = query
                if body is not case.body:
                    case.body = body
            return case

        def before_add_examples(context: Any, examples: list[Any]) -> None:
            examples[:] = [map_case(context, case) for case in examples]

        def after_call(context: Any, case: Any, response: Any) -> None:
            if auth is not None:
                auth.observe(response.request.headers, response.status_code)
            operation = spec.operation_at(case.operation.method, case.operation.path)
            if operation is not None:
                references.observe(operation.operation_id, response.status_code, _json_or_none(response.content))

        schema.hook(map_case)
        schema.hook(before_add_examples)
        schema.hook(after_call)
        return schema

    # -- events -----------------------------------------------------------------------------------

    def _on_scenario(self, recorder: ScenarioRecorder) -> None:
        for case_id, node in recorder.cases.items():
            case = node.value
            operation = self.spec.operation_at(case.operation.method, case.operation.path)
            if operation is None:
                continue
            interaction = recorder.interactions.get(case_id)
            if interaction is None and budget.spent_out():
                continue  # never sent: the budget refused it, and the operation is not exercised by it
            self._result.operations.add(operation.operation_id)
            if interaction is not None and _rate_limited(interaction):
                # The run stopped waiting: the rate limiting is one finding, not one per answer.
                self._result.requests += 1
                continue
            accepted: list[Constraint] | None = None
            if interaction is not None:
                self._result.requests += 1
                if interaction.response is not None:
                    self._result.responses += 1
                    exchange = from_schemathesis(interaction, operation.operation_id)
                    if exchange is not None:
                        self._result.exchanges.append(exchange)
                    accepted = self._accepted_invalid(operation, case, interaction)
                    self._judge_response(operation, interaction)
                    self._tainted.done()
            checks = recorder.checks.get(case_id, [])
            for check in checks:
                if check.failure_info is not None and check.name not in ("response_schema_conformance",):
                    self._on_check_failure(operation, check.name, check.failure_info.failure, interaction, accepted)
            if self.intents is not None:
                self.intents.case(case_id, case, operation.operation_id, interaction, checks)

    def _accepted_invalid(self, operation: Operation, case: Any, interaction: Any) -> list[Constraint] | None:
        """The constraints a request generated as invalid breaks on the wire, when the server accepted it
        (its objects then carry the invalid values); None when it was not such a request or cannot be told."""
        meta = case._meta  # reading `case.meta` would revalidate the case
        if meta is None or not meta.generation.mode.is_negative:
            return None
        if status_in(interaction.response.status_code, NEGATIVE_EXPECTED):
            return None
        request = interaction.request
        constraints = wire_constraints(self.spec, operation, request.uri, request.headers, request.body)
        if constraints:
            self._tainted.accept(
                constraints,
                body_value(request.body),
                path_values(operation, request.uri),
                _json_or_none(interaction.response.content),
            )
        return constraints

    def _judge_response(self, operation: Operation, interaction: Any) -> None:
        response = interaction.response
        if 200 <= response.status_code < 300:
            self._first_success.setdefault(operation.operation_id, interaction)
        if 200 <= response.status_code < 300 and operation.method == "POST":
            body = _json_or_none(response.content)
            self._result.created.append((operation.operation_id, body))
        content_type = (response.headers.get("content-type") or response.headers.get("Content-Type") or [""])[0]
        if not response.content:
            return
        try:
            # A wrong label is reported by the content-type check; the body is judged all the same.
            body = json.loads(response.content) if "json" in content_type.lower() else unlabelled_json(response.content)
            if body is MISSING:
                return
        except ValueError as exc:
            if 200 <= response.status_code < 300:
                self._add(
                    operation,
                    kind=Kind.CONTENT_TYPE,
                    pointer="",
                    expected=f"a JSON body, as its Content-Type {content_type} says",
                    observed=f"not JSON ({exc.msg} at {exc.pos}): {_preview(response.content)}"
                    if isinstance(exc, json.JSONDecodeError)
                    else f"not JSON: {_preview(response.content)}",
                    message=f"The {response.status_code} response of {operation.operation_id} is labelled "
                    f"{content_type} but its body is not JSON.",
                    interaction=interaction,
                    check=NOT_JSON_CHECK,
                )
            return
        for violation in response_violations(self.spec, operation, response.status_code, body) or []:
            if self._tainted.excused(body, violation):
                continue  # a value the server accepted from invalid input: reported as negative_data_accepted
            self._add(
                operation,
                kind=violation.kind,
                pointer=violation.pointer,
                expected=violation.expected,
                observed=violation.observed,
                message=violation_message(operation, response.status_code, violation),
                interaction=interaction,
                check=violation.check,
                instance_pointer=violation.instance_pointer,
                basis=violation.basis,
                inference=violation.inference,
            )

    def _on_check_failure(
        self,
        operation: Operation,
        check: str,
        failure: Any,
        interaction: Any,
        accepted: list[Constraint] | None = None,
    ) -> None:
        if check in WIRE_JUDGED_CHECKS and interaction is not None and self._valid_on_the_wire(operation, interaction):
            return
        if (
            check == "positive_data_acceptance"
            and interaction is not None
            and self._artefact_refused(operation, interaction)
        ):
            return
        status = interaction.response.status_code if interaction is not None and interaction.response else None
        if check == "negative_data_rejection" and accepted:
            self._add(operation, **accepted_invalid(operation, status, accepted[0]), interaction=interaction)
            return
        if check == "positive_data_acceptance" and status is not None:
            content = interaction.response.content
            rejection = judge_refusal(self.spec, operation, status, _json_or_none(content), _preview(content))
            if rejection is not None:
                self._add(operation, **refused_valid(rejection), interaction=interaction)
            return
        title = str(getattr(failure, "title", check))
        detail = first_line(getattr(failure, "message", "")) or title
        # A status outside the documented ones is inferred when every documented one of its class is.
        inferred = (
            status_inference(self.spec, operation, status)
            if kind_of(check) is Kind.UNDOCUMENTED_STATUS and status
            else ""
        )
        self._add(
            operation,
            kind=kind_of(check),
            pointer="",
            expected=expected_for(check, failure, documented_statuses(self.spec, operation)),
            observed=f"HTTP {status}: {detail}" if status else detail,
            message=check_message(operation.operation_id, check, title, status),
            interaction=interaction,
            severity_check=check,
            check=f"schemathesis.{check}",
            basis=Basis.INFERRED if inferred else Basis.DOCUMENTED,
            inference=inferred,
        )

    def _report_rate_limiting(self) -> None:
        finding = (
            rate_limit_finding(self.spec, self.provider.title, self.rate_limit, self.source)
            if self.rate_limit
            else None
        )
        if finding is not None:
            self._result.findings.append(finding)

    def _valid_on_the_wire(self, operation: Operation, interaction: Any) -> bool:
        """A negative case whose request reached the server valid (auth restored what a mutation removed)."""
        request = interaction.request
        return wire_constraints(self.spec, operation, request.uri, request.headers, request.body) == []

    def _artefact_refused(self, operation: Operation, interaction: Any) -> bool:
        """A 4xx to a request carrying what the suite made up, not what a client sends: a number beyond any
        bound its pages document, or a reference to an object the run never saw. A refusal, not a defect."""
        request, response = interaction.request, interaction.response
        if response is None or not 400 <= response.status_code < 500:
            return False
        return bool(
            beyond_documented_range(self.spec, operation, request.uri, request.headers, request.body)
            or self._references.made_up(self.spec, operation, request.uri, request.headers, request.body)
        )

    def _on_error(self, error: BaseException, label: str) -> None:
        cause = _root_cause(error)
        if isinstance(cause, CannotOverwriteExistingCassetteException):
            request = getattr(cause, "failed_request", None)
            method = request.method if request is not None else ""
            where = f"{request.method} {request.path}" if request is not None else label
            # Probes with undocumented methods (TRACE...) belong to the operation the scenario tested.
            operation = (request and self.spec.operation_at(request.method, request.path)) or _operation_for_label(
                self.spec, label
            )
            self._result.findings.append(
                target_findings.stale_cassette(
                    provider=self.provider.name,
                    operation=operation,
                    label=label,
                    method=method,
                    where=where,
                    requester="the suite",
                    message=(
                        f"The cassette has no answer for {where}: the spec or the suite changed since it was "
                        f"recorded; re-record with `{record_command(self.provider.name, ENGINE_SUITE)}`."
                    ),
                    source=self.source,
                    cassette=str(self.cassette) if self.cassette else None,
                )
            )
            return
        self._result.transport_errors += 1
        operation = _operation_for_label(self.spec, label)
        self._result.findings.append(
            target_findings.transport_error(
                provider=self.provider.name,
                operation=operation,
                label=label,
                cause=cause,
                message=f"Requests to {label} failed at transport level ({type(cause).__name__}).",
                source=self.source,
            )
        )

    def _probe_auth(self) -> None:
        """Resend one successful request per operation without credentials: it must be refused.

        schemathesis's ignored_auth check covers HTTP and API-key schemes; an OAuth2 bearer token is
        invisible to it, so this probe covers every scheme alike (duplicates merge by fingerprint).
        """
        for operation_id, interaction in sorted(self._first_success.items()):
            request = interaction.request
            headers = {
                name: values[0] if isinstance(values, list) else values
                for name, values in request.headers.items()
                if name.lower() not in secrets.credential_headers() | COOKIE_HEADERS
            }
            before = len(self.intents) if self.intents is not None else 0
            try:
                response = requests.request(
                    request.method,
                    request.uri,
                    headers=headers,
                    data=request.body,
                    timeout=self.settings.request_timeout,
                    allow_redirects=False,
                )
            except (requests.RequestException, CannotOverwriteExistingCassetteException):
                continue
            except budget.BudgetSpent:
                break
            finally:
                if self.intents is not None:
                    self.intents.auth_probe(operation_id, before)
            if 200 <= response.status_code < 300:
                operation = self.spec.operations[operation_id]
                self._add(
                    operation,
                    kind=Kind.AUTH_NOT_ENFORCED,
                    pointer="",
                    expected="401 or 403 without credentials",
                    observed=f"HTTP {response.status_code} without credentials",
                    message=f"{operation_id} answered {response.status_code} to a request without credentials.",
                    interaction=interaction,
                )

    # -- findings ---------------------------------------------------------------------------------

    def _add(
        self,
        operation: Operation,
        *,
        kind: Kind,
        pointer: str,
        expected: str,
        observed: str,
        message: str,
        interaction: Any,
        severity_check: str | None = None,
        check: str | None = None,
        instance_pointer: str | None = None,
        basis: Basis = Basis.DOCUMENTED,
        inference: str = "",
        severity: Severity | None = None,
    ) -> None:
        key = None
        occurrence = 0
        curl = None
        status = None
        if interaction is not None:
            request = interaction.request
            key = request_key(request.method, request.uri, request.body)
            occurrence = self._sent.occurrence(key, _header(request.headers, TESTCASE_HEADER))
            curl = curl_command(request.method, request.uri, request.headers, request.body, self.secrets)
            status = interaction.response.status_code if interaction.response is not None else None
        finding = judged_finding(
            operation,
            kind=kind,
            pointer=pointer,
            expected=expected,
            observed=observed,
            message=message,
            source=self.source,
            evidence=Evidence(status=status, curl=curl),
            severity_check=severity_check,
            check=check,
            instance_pointer=instance_pointer,
            basis=basis,
            inference=inference,
            severity=severity,
        )
        self._pending.append(_Pending(finding=finding, key=key, occurrence=occurrence))


def _header(headers: Any, name: str) -> str | None:
    for key, value in dict(headers or {}).items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list) and value else value)
    return None


def _preview(content: bytes, limit: int = 80) -> str:
    text = " ".join(content.decode("utf-8", "replace").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rate_limited(interaction: Any) -> bool:
    return interaction.response is not None and interaction.response.status_code == 429


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


def _root_cause(error: BaseException) -> BaseException:
    seen = set()
    while id(error) not in seen:
        seen.add(id(error))
        nxt = error.__cause__ or error.__context__
        if isinstance(error, CannotOverwriteExistingCassetteException) or nxt is None:
            return error
        error = nxt
    return error


def _operation_for_label(spec: Spec, label: str) -> Operation | None:
    method, _, path = label.partition(" ")
    return spec.operation_at(method, path) if path else None
