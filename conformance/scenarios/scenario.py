"""The step language of workflow scenarios, and what every step checks.

A scenario is a plain function over a `ScenarioRun`: `call` a step that must succeed, `attempt` one
whose outcome the scenario judges (the lifecycle probe), expect a deleted object to be `gone`, and state what must hold
(`expect_status`, `expect_echo`). Every response is also judged on its own (documented status,
strict schema) and every invoice in it against the provider's invariants, including the legality
of its status change since it was last seen. Violations become findings whose evidence is the whole
sequence so far.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from conformance.checks.accepted_input import TaintedObjects
from conformance.checks.fast_schema import schema_violations
from conformance.checks.invariants import Breach, InvoiceFacts, echo, invoice_breaches, timeline_changes, transition
from conformance.checks.json_values import MISSING, value_at
from conformance.checks.lifecycle import lifecycle_of, with_lifecycle
from conformance.checks.request_conformance import Constraint
from conformance.checks.response_schema import (
    NOT_JSON_CHECK,
    documented_statuses,
    response_violations,
    status_inference,
    violation_message,
)
from conformance.core.kinds import Basis, Kind
from conformance.findings.model import Evidence, Finding, Source, finding_on, normalise_pointer
from conformance.scenarios.client import Exchange, WorkflowClient
from conformance.scenarios.evidence import curl, steps
from conformance.spec.schema_paths import allows_null, documented_response_pointer, json_schema_pointer, response_schema
from conformance.spec.specs import Spec
from conformance.spec.validation import show

# id(spec) -> (spec, the declared facts, the facts completed from its lifecycle)
_FACTS: dict[int, tuple[Spec, InvoiceFacts, InvoiceFacts]] = {}


class ScenarioAborted(Exception):
    """The scenario cannot go on; whatever made it stop is already a finding."""


class ScenarioNotJudged(ScenarioAborted):
    """The scenario cannot go on and nothing is wrong: a value it would follow is null where the documentation
    allows null. Its later steps are not judged, and that is said with the reason, never as a finding."""


@dataclass(frozen=True)
class Scenario:
    name: str  # also the cassette's file name: cassettes/<provider>/workflows/<name>.yaml
    summary: str
    run: Callable[[ScenarioRun], None]
    # Only GETs: safe against a production host (--allow-production).
    read_only: bool = False


@dataclass(frozen=True)
class ProviderWorkflows:
    """A provider's scenarios and the documented facts they check."""

    provider: str
    invoices: InvoiceFacts
    # operationId -> pointer of the invoice object in its 2xx response body ("" for the body itself).
    invoice_at: Mapping[str, str]
    scenarios: tuple[Scenario, ...]

    def scenario(self, name: str) -> Scenario:
        return next(s for s in self.scenarios if s.name == name)


@dataclass(frozen=True)
class Reported:
    finding: Finding
    step: int  # index of the exchange the finding is about


@dataclass
class ScenarioRun:
    workflows: ProviderWorkflows
    scenario: Scenario
    spec: Spec
    client: WorkflowClient
    source: Source
    secrets: list[str]
    reported: list[Reported] = field(default_factory=list)
    stop_reason: str | None = None  # set when the scenario could not go on
    not_judged: str | None = None  # set when it could not go on on a documented answer (no finding)
    lifecycle: dict[str, Any] | None = None  # the lifecycle probe's coverage table, when it ran
    probed: set[str] = field(default_factory=set)  # keys of the behaviour promises a probe reached a verdict on
    # object id -> fingerprint of the behaviour finding that broke it: later findings about it are its consequences
    _broken: dict[str, str] = field(default_factory=dict)
    _last_seen: dict[str, Any] = field(default_factory=dict)  # invoice id -> the invoice as last seen
    _pointers_reported: dict[int, set[str]] = field(default_factory=dict)  # step -> pointers with a finding
    # The invalid values a probe sent on purpose and the server accepted: their echoes are not judged.
    _tainted: TaintedObjects = field(default_factory=TaintedObjects)
    # False: the shape of a listed object this scenario did not make is not judged. A walk over a whole list
    # meets what others made, the run's own accepted invalid input included (the engine reports that).
    judges_foreign_items: bool = True
    _made: set[str] = field(default_factory=set)  # ids of the objects this scenario's creates answered

    @property
    def facts(self) -> InvoiceFacts:
        """The provider's invoice facts with the legal transitions and timestamps of its spec's x-lifecycle."""
        spec = self.spec
        cached = _FACTS.get(id(spec))
        if cached is None or cached[0] is not spec or cached[1] is not self.workflows.invoices:
            cached = _FACTS[id(spec)] = (
                spec,
                self.workflows.invoices,
                with_lifecycle(self.workflows.invoices, lifecycle_of(spec)),
            )
        return cached[2]

    # -- steps ----------------------------------------------------------------------------------

    def call(
        self,
        operation_id: str,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Exchange:
        """A step the documentation says succeeds.

        If it does not, that is a finding; the scenario goes on with what came back when the body is
        still the documented object (an undocumented status with a usable body), and stops otherwise.
        """
        exchange = self._send(operation_id, path, query, json)
        if exchange.ok:
            return exchange
        server = exchange.status >= 500
        self._add(
            exchange,
            Kind.SERVER_ERROR if server else Kind.POSITIVE_DATA_REJECTED,
            "",
            "a 2xx answer",
            f"HTTP {exchange.status}: {_short(exchange.text)}",
            f"{operation_id} answered {exchange.status} to a valid request in a documented sequence.",
            check="workflow.step_succeeds",
        )
        if self._usable(exchange):
            return exchange
        raise ScenarioAborted(f"{operation_id} answered {exchange.status} without the documented object")

    def refused(
        self,
        operation_id: str,
        *,
        why: str,
        doc_ref: str = "",
        path: Mapping[str, str] | None = None,
        json: Any = None,
    ) -> Exchange:
        """An action on an object outside the invoice lifecycle (whose refusals the lifecycle probe
        derives) that its state forbids (`why`): it must be refused with a 4xx."""
        exchange = self._send(operation_id, path, None, json, judge_lifecycle=False)
        if exchange.ok:
            self._add(
                exchange,
                Kind.STATE_TRANSITION,
                "",
                f"a 4xx refusal: {why}",
                f"HTTP {exchange.status}: the action was carried out",
                f"{operation_id} succeeded although {why}.",
                doc_ref,
                check="state.refused",
            )
        elif exchange.status >= 500:
            self._server_error(exchange)
        return exchange

    def gone(self, operation_id: str, *, path: Mapping[str, str], doc_ref: str = "") -> Exchange:
        """A read of a deleted object: it must answer 404."""
        exchange = self._send(operation_id, path, None, None)
        if exchange.ok:
            self._add(
                exchange,
                Kind.USE_AFTER_FREE,
                "",
                "404 for a deleted object",
                f"HTTP {exchange.status} with the object",
                f"{operation_id} still returns an object that was deleted.",
                doc_ref,
                check="lifecycle.gone",
            )
        elif exchange.status >= 500:
            self._server_error(exchange)
        return exchange

    def attempt(
        self,
        operation_id: str,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        form: bool = False,
        invalid: Sequence[Constraint] = (),
    ) -> Exchange:
        """A step whose outcome the caller judges (the lifecycle and behaviour probes): judged on its own,
        never aborting. `form`: the body form-encoded. `invalid`: the constraints the body breaks on purpose;
        accepted, the caller reports that, and the values echoed (in this answer and in later answers about
        the objects it made or changed) are not judged as the server's defects."""
        return self._send(operation_id, path, query, json, judge_lifecycle=False, form=form, invalid=invalid)

    # -- what must hold -------------------------------------------------------------------------

    def expect_status(self, exchange: Exchange, status: str) -> None:
        """The invoice in this response is in the documented resulting status."""
        lifecycle = self.facts.lifecycle
        base = self.workflows.invoice_at.get(exchange.operation.operation_id)
        if lifecycle is None or base is None:
            return
        actual = value_at(exchange.body, base + lifecycle.status)
        if actual == status or actual not in lifecycle.statuses:
            return  # an undocumented status is the schema check's enum_violation
        self._add(
            exchange,
            Kind.STATE_TRANSITION,
            base + lifecycle.status,
            status,
            show(actual),
            f"After {exchange.operation.operation_id} the invoice is {actual}, not {status}.",
            lifecycle.doc_ref,
            check="lifecycle.resulting_status",
        )

    def expect_echo(
        self, exchange: Exchange, written: Mapping[str, Any], *, doc_ref: str, base: str = "", what: str = ""
    ) -> None:
        """The object at `base` of this response holds the fields as written."""
        described = what or f"The {exchange.operation.operation_id} response"
        read = value_at(exchange.body, base)
        breaches = echo(written, read, doc_ref=doc_ref, what=described)
        first = len(self.reported)
        for breach in breaches:
            self.report(exchange, breach, base=base)
        if len(self.reported) > first and isinstance(read, dict) and isinstance(read.get("id"), str):
            self.broken(read["id"], first)  # what later steps do with this object follows from what it did not keep

    def expect(self, exchange: Exchange, holds: bool, breach: Breach) -> None:
        """A scenario-specific fact about this response."""
        if not holds:
            self.report(exchange, breach)

    def need(self, exchange: Exchange, pointer: str) -> str:
        """A string the next steps depend on (an id); without it the scenario cannot go on."""
        value = value_at(exchange.body, pointer)
        if isinstance(value, str) and value:
            return value
        if value is None and self._null_documented(exchange, pointer):
            raise ScenarioNotJudged(
                f"{exchange.operation.operation_id} answered {pointer} null, which its documentation allows, "
                "so the scenario had nothing to follow"
            )
        # Said once per place: the schema check may already have reported it missing or retyped.
        self._add(
            exchange,
            Kind.TYPE_MISMATCH if value is not MISSING and value is not None else Kind.MISSING_FIELD,
            pointer,
            "a non-empty string the next steps use",
            "absent" if value is MISSING else show(value),
            f"{exchange.operation.operation_id} gave no usable {pointer}, which the next steps need.",
            check="workflow.needed_value",
        )
        raise ScenarioAborted(f"{exchange.operation.operation_id} gave no {pointer}")

    def value(self, exchange: Exchange, pointer: str) -> Any:
        found = value_at(exchange.body, pointer)
        return None if found is MISSING else found

    def report(self, exchange: Exchange, breach: Breach, *, base: str = "", through: Exchange | None = None) -> None:
        """A breach seen in `exchange`; the evidence runs to `through` when later steps prove it."""
        self._add(
            exchange,
            breach.kind,
            base + breach.pointer,
            breach.expected,
            breach.observed,
            breach.message,
            breach.doc_ref,
            through=through,
            check=breach.check,
            basis=breach.basis,
            inference=breach.inference,
        )

    def broken(self, object_id: str | None, since: int = -1) -> None:
        """The finding at `since` (the last one by default) broke a promise about `object_id`: later findings on
        steps that send it (in the URL or the body) are its consequences, grouped under it
        (findings/root_causes), not causes of their own."""
        if object_id and self.reported and object_id not in self._broken:
            self._broken[object_id] = self.reported[since].finding.fingerprint

    def _cause_of(self, exchange: Exchange) -> str:
        if not self._broken:
            return ""
        sent = exchange.url + (exchange.request_body or b"").decode("utf-8", "replace")
        return next((cause for object_id, cause in self._broken.items() if object_id in sent), "")

    def stopped(self, reason: str, *, judged: bool = True) -> None:
        """The scenario cannot go on: say so on the findings of the last step, and which steps were not reached.

        `judged=False`: the answer it stopped on was documented; the rest of the scenario is not judged."""
        done = len(self.client.exchanges)
        last = self.client.exchanges[-1].operation.operation_id if done else "its first step"
        later = "its later steps were not reached" + ("" if judged else " and are not judged")
        self.stop_reason = f"workflow {self.scenario.name} stopped after step {done} ({last}): {reason}; {later}"
        if not judged:
            self.not_judged = self.stop_reason
        for index, reported in enumerate(self.reported):
            if reported.step == done - 1:
                finding = reported.finding
                self.reported[index] = Reported(
                    replace(
                        finding,
                        message=f"{finding.message} The scenario stopped here; its later steps were not reached.",
                    ),
                    reported.step,
                )

    # -- internals ------------------------------------------------------------------------------

    def _null_documented(self, exchange: Exchange, pointer: str) -> bool:
        schema = response_schema(self.spec, exchange.operation, exchange.status)
        return schema is not None and allows_null(self.spec, schema, pointer)

    def _usable(self, exchange: Exchange) -> bool:
        """Whether a refused step's body is still the documented success object, so later steps can use it."""
        if exchange.body is None or exchange.status >= 500:
            return False
        success = [s for s in documented_statuses(self.spec, exchange.operation) if s.startswith("2")]
        status = int(success[0]) if success and success[0].isdigit() else 200
        problems = response_violations(self.spec, exchange.operation, status, exchange.body, strict=False)
        return problems is not None and not any(v.kind in _UNUSABLE for v in problems)

    def _send(
        self,
        operation_id: str,
        path: Mapping[str, str] | None,
        query: Mapping[str, Any] | None,
        json: Any,
        *,
        judge_lifecycle: bool = True,
        form: bool = False,
        invalid: Sequence[Constraint] = (),
    ) -> Exchange:
        exchange = self.client.call(operation_id, path=path, query=query, json_body=json, form_body=form)
        if invalid and exchange.ok:
            self._tainted.accept(list(invalid), json, dict(path) if path else None, exchange.body)
        if exchange.ok and exchange.operation.method == "POST" and isinstance(exchange.body, dict):
            made = exchange.body.get("id", exchange.body.get("data"))
            made = made.get("id") if isinstance(made, dict) else made
            if isinstance(made, str):
                self._made.add(made)
        self._judge_shape(exchange)
        if exchange.ok:
            self._judge_invoice(exchange, judge_lifecycle)
        self._tainted.done()
        return exchange

    def _in_foreign_item(self, body: Any, instance_pointer: str) -> bool:
        """Whether the pointer lies inside a listed object (an array element with an id) this scenario did not make."""
        if self.judges_foreign_items or not instance_pointer:
            return False
        node, foreign = body, False
        for token in instance_pointer.lstrip("/").split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
                if isinstance(node, dict) and isinstance(node.get("id"), str):
                    foreign = node["id"] not in self._made
            elif isinstance(node, dict) and token in node:
                node = node[token]
            else:
                break
        return foreign

    def _judge_shape(self, exchange: Exchange) -> None:
        """The documented status, content type and strict schema, as for any single response."""
        operation = exchange.operation
        response = documented_response_pointer(self.spec, operation, exchange.status)
        if response is None:
            documented = sorted(self.spec.resolve(operation.pointer).get("responses") or {})
            inferred = status_inference(self.spec, operation, exchange.status)
            self._add(
                exchange,
                Kind.UNDOCUMENTED_STATUS,
                "",
                "a documented status: " + ", ".join(documented),
                f"HTTP {exchange.status}",
                f"{operation.operation_id} answered {exchange.status}, a status its documentation does not list"
                + (f" (the listed ones are the spec's inference: {inferred})." if inferred else "."),
                basis=Basis.INFERRED if inferred else Basis.DOCUMENTED,
                inference=inferred,
            )
            return
        if json_schema_pointer(self.spec, response) is None:
            return
        if "json" not in exchange.content_type.lower():
            self._add(
                exchange,
                Kind.CONTENT_TYPE,
                "",
                "a documented content type: application/json",
                exchange.content_type or "no Content-Type",
                f"{operation.operation_id} labelled its {exchange.status} answer {exchange.content_type or 'nothing'}.",
            )
        if exchange.ok and exchange.json_error is not None:
            self._add(
                exchange,
                Kind.CONTENT_TYPE,
                "",
                f"a JSON body, as its Content-Type {exchange.content_type} says",
                f"{exchange.json_error}: {_short(exchange.text, 80)}",
                f"The {exchange.status} response of {operation.operation_id} is labelled {exchange.content_type} "
                "but its body is not JSON.",
                check=NOT_JSON_CHECK,
            )
        if exchange.body is None:
            return
        for violation in schema_violations(self.spec, operation, exchange.status, exchange.body) or []:
            if self._tainted.excused(exchange.body, violation):
                continue  # a value a probe sent as invalid, echoed: the probe reports the acceptance
            if self._in_foreign_item(exchange.body, violation.instance_pointer):
                continue
            self._add(
                exchange,
                violation.kind,
                violation.pointer,
                violation.expected,
                violation.observed,
                violation_message(operation, exchange.status, violation),
                check=violation.check,
                instance_pointer=violation.instance_pointer,
                basis=violation.basis,
                inference=violation.inference,
            )

    def _judge_invoice(self, exchange: Exchange, judge_lifecycle: bool) -> None:
        base = self.workflows.invoice_at.get(exchange.operation.operation_id)
        invoice = value_at(exchange.body, base) if base is not None else MISSING
        if base is None or not isinstance(invoice, dict):
            return
        for breach in invoice_breaches(invoice, self.facts):
            if not self._tainted.echoed(exchange.body, base + breach.pointer):
                self.report(exchange, breach, base=base)
        invoice_id = invoice.get("id")
        if not isinstance(invoice_id, str):
            return
        before = self._last_seen.get(invoice_id)
        # A refused step that went through is already a state_transition finding of its own.
        if before is not None and judge_lifecycle:
            for breach in self._changes(before, invoice):
                self.report(exchange, breach, base=base)
        self._last_seen[invoice_id] = invoice

    def _changes(self, before: Any, after: Any) -> list[Breach]:
        """What may not happen between two observations of one invoice."""
        lifecycle, timeline = self.facts.lifecycle, self.facts.timeline
        found = timeline_changes(before, after, timeline) if timeline else []
        if lifecycle is not None:
            moved = transition(value_at(before, lifecycle.status), value_at(after, lifecycle.status), lifecycle)
            found = ([moved] if moved else []) + found
        return found

    def _server_error(self, exchange: Exchange) -> None:
        self._add(
            exchange,
            Kind.SERVER_ERROR,
            "",
            "no 5xx for any request",
            f"HTTP {exchange.status}: {_short(exchange.text)}",
            f"{exchange.operation.operation_id} answered {exchange.status}.",
        )

    def _add(
        self,
        exchange: Exchange,
        kind: Kind,
        pointer: str,
        expected: str,
        observed: str,
        message: str,
        doc_ref: str = "",
        *,
        through: Exchange | None = None,
        check: str | None = None,
        instance_pointer: str | None = None,
        basis: Basis = Basis.DOCUMENTED,
        inference: str = "",
    ) -> None:
        # One finding per place in a response: an invariant does not repeat what the schema check said.
        taken = self._pointers_reported.setdefault(exchange.index, set())
        if normalise_pointer(pointer) in taken:
            return
        taken.add(normalise_pointer(pointer))
        operation = exchange.operation
        finding = finding_on(
            operation,
            kind=kind,
            pointer=pointer,
            expected=expected,
            observed=observed,
            message=f"{message} (workflow {self.scenario.name}, step {exchange.index + 1})",
            source=self.source,
            doc_ref=doc_ref,
            evidence=Evidence(
                status=exchange.status,
                curl=curl(exchange, self.secrets),
                steps=steps(
                    self.client.exchanges[: max(exchange.index, through.index if through else 0) + 1], self.secrets
                ),
                instance_pointer=instance_pointer if instance_pointer and instance_pointer != pointer else None,
            ),
            check=check,
            basis=basis,
            inference=inference,
        )
        cause = self._cause_of(exchange)
        if cause and cause != finding.fingerprint:
            finding = replace(finding, caused_by=cause)
        self.reported.append(Reported(finding, exchange.index))


# What makes a body unusable by the next steps: the object is not there as documented.
_UNUSABLE = frozenset({Kind.MISSING_FIELD, Kind.TYPE_MISMATCH, Kind.NULLABILITY, Kind.SCHEMA_VIOLATION})


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
