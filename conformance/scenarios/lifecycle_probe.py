"""The exhaustive lifecycle probe: every action tried in every state the documented operations reach.

Provider-neutral: the rules come from the spec's x-lifecycle, and a provider's `ProbeDriver` says only
how to make a new invoice and how to send each action (bodies, setup such as attaching a card). States
are discovered, not listed: from a new invoice, every allowed action (in each of the driver's request
variants) is carried out on a fresh invoice driven to the state, and whatever state it leads to is
probed next. In each state reached:

- a forbidden action must be refused with a documented 4xx and leave the invoice unchanged (read back);
- an allowed action must succeed and lead to a state the rule documents, setting its transition
  timestamps (read back; a deleted invoice must answer 404).

Either failing is a breaking `state_transition` finding naming state, action and the rule's
provenance. States no documented operation reaches are recorded as such, with the reason, in the
coverage table (`ScenarioRun.lifecycle`), which findings.json carries to the reports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.checks.invariants import Breach
from conformance.checks.json_values import MISSING, value_at
from conformance.checks.lifecycle import Lifecycle, Rule, require_lifecycle
from conformance.core.kinds import Basis, Kind
from conformance.scenarios.client import Exchange
from conformance.scenarios.scenario import ScenarioAborted, ScenarioRun
from conformance.spec.validation import show as show_json

PASSED, FAILED, NOT_REACHABLE = "passed", "failed", "not_reachable"


@dataclass(frozen=True)
class Call:
    path: Mapping[str, str] | None = None
    json: Any = None


@dataclass
class Subject:
    """One invoice under probe, and what its driver needs to act on it (a customer, a profile...)."""

    id: str
    context: dict[str, Any] = field(default_factory=dict)
    seen: Any = None  # the invoice as last read back by the probe


@dataclass(frozen=True)
class ProbeDriver:
    """How to create an invoice, send an action and read an invoice back, for one provider."""

    create: Callable[[ScenarioRun, dict[str, Any]], Subject]  # (run, shared setup) -> a new invoice
    act: Callable[[ScenarioRun, Subject, str, str], Call]  # (run, invoice, operationId, variant) -> request
    read: str  # operationId that reads one invoice
    read_path: Callable[[Subject], Mapping[str, str]]
    invoice_at: str = ""  # pointer of the invoice in the read's response
    setup: Callable[[ScenarioRun], dict[str, Any]] = lambda run: {}
    # operationId -> request variants worth trying where the action is allowed (e.g. a card or none).
    variants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def variants_of(self, operation_id: str) -> tuple[str, ...]:
        return self.variants.get(operation_id, ("",))


Step = tuple[str, str]  # (operationId, variant)


@dataclass
class _Probe:
    run: ScenarioRun
    driver: ProbeDriver
    lifecycle: Lifecycle
    focus: tuple[str, str] | None  # (state, operationId): probe only this cell (and what reaches it)
    shared: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, list[Step]] = field(default_factory=dict)
    results: dict[tuple[str, str], str] = field(default_factory=dict)

    # -- driving -----------------------------------------------------------------------------------

    def new_invoice(self, state: str) -> Subject | None:
        """A fresh invoice driven to `state` along its known path; None if a step did not go as before."""
        subject = self.driver.create(self.run, self.shared)
        for operation_id, variant in self.paths[state]:
            exchange = self.send(operation_id, subject, variant)
            if not exchange.ok:
                return None
        return subject if self.status_of(self.read(subject)) == state else None

    def send(self, operation_id: str, subject: Subject, variant: str) -> Exchange:
        call = self.driver.act(self.run, subject, operation_id, variant)
        return self.run.attempt(operation_id, path=call.path, json=call.json)

    def read(self, subject: Subject) -> Exchange:
        exchange = self.run.attempt(self.driver.read, path=self.driver.read_path(subject))
        subject.seen = self.invoice(exchange)
        return exchange

    def invoice(self, exchange: Exchange) -> Any:
        return value_at(exchange.body, self.driver.invoice_at) if exchange.ok else MISSING

    def status_of(self, exchange: Exchange) -> Any:
        return value_at(self.invoice(exchange), self.lifecycle.status)

    def fail(self, exchange: Exchange, rule: Rule, what: tuple[str, str, str], **where: Any) -> None:
        """A rule broken: `what` is (expected, observed, message); `where` may give pointer, base, through, kind."""
        kind = where.pop("kind", Kind.STATE_TRANSITION)
        provenance = rule.provenance
        # x-lifecycle's per-rule provenance decides what a breach rests on, unless the check says otherwise
        # (a refusal status the pages do not state).
        basis = where.pop("basis", provenance.basis)
        inference = where.pop("inference", provenance.inference)
        breach = Breach(kind, where.pop("pointer", ""), *what, provenance.url, basis=basis, inference=inference)
        self.run.report(exchange, breach, **where)

    # -- probing -----------------------------------------------------------------------------------

    def start(self) -> None:
        self.shared = self.driver.setup(self.run)
        first = self.driver.create(self.run, self.shared)
        read = self.read(first)
        state = self.status_of(read)
        if state not in self.lifecycle.created.to:
            created = self.lifecycle.created
            self.fail(
                read,
                created,
                (
                    f"a new invoice in {' or '.join(created.to)} ({created.provenance.describe()})",
                    show(state),
                    f"A new invoice made by {created.key} is {show(state)}, not {' or '.join(created.to)}.",
                ),
                pointer=self.lifecycle.status,
                base=self.driver.invoice_at,
            )
            raise ScenarioAborted("the new invoice is in no documented state")
        self.paths[state] = []
        queue = [state]
        while queue:
            current = queue.pop(0)
            queue.extend(self.probe_state(current))
            if self.focus is not None and self.focus[0] == current:
                break  # the one cell asked for is probed

    def probe_state(self, state: str) -> list[str]:
        """Probe every action in `state`; answers the states the allowed ones led to."""
        rules = list(self.lifecycle.actions.values())
        forbidden = [r for r in rules if not r.allows(state) and self.wanted(state, r)]
        allowed = [r for r in rules if r.allows(state) and (self.wanted(state, r) or self.may_discover(state, r))]
        subject: Subject | None = None
        for rule in forbidden:
            if subject is None:
                subject = self.new_invoice(state)
                if subject is None:
                    return []
            if not self.forbidden(state, rule, subject):
                subject = None  # it changed: the next action needs a fresh invoice
        reached: list[str] = []
        for rule in allowed:
            outcomes = []
            for variant in self.driver.variants_of(rule.key):
                fresh = self.new_invoice(state)
                if fresh is None:
                    return reached
                passed, after = self.allowed(state, rule, variant, fresh)
                outcomes.append(passed)
                if passed and after is not None and after not in self.paths:
                    self.paths[after] = [*self.paths[state], (rule.key, variant)]
                    reached.append(after)
            if self.wanted(state, rule):
                self.results[(state, rule.key)] = PASSED if all(outcomes) else FAILED
        return reached

    def wanted(self, state: str, rule: Rule) -> bool:
        return self.focus is None or self.focus == (state, rule.key)

    def may_discover(self, state: str, rule: Rule) -> bool:
        """Whether trying `rule` could reach a state not yet reached on the way to the focus cell."""
        if self.focus is None:
            return True
        return self.focus[0] not in self.paths and any(s not in self.paths for s in rule.outcomes_from(state))

    def forbidden(self, state: str, rule: Rule, subject: Subject) -> bool:
        """A forbidden action: refused with a documented 4xx, nothing changed. True if the invoice is as before."""
        before = subject.seen
        exchange = self.send(rule.key, subject, self.driver.variants_of(rule.key)[0])
        where = f"a {state} invoice"
        allowed = " or ".join(rule.allowed_from)
        lifecycle = self.lifecycle
        unstated = lifecycle.refused_basis == "unstated"
        documented = "4xx" if unstated else "/".join(map(str, lifecycle.refused_with))
        if exchange.ok:
            self.results[(state, rule.key)] = FAILED
            self.fail(
                exchange,
                rule,
                (
                    f"a {documented} refusal: {rule.name} only from {allowed} ({rule.provenance.describe()})",
                    f"HTTP {exchange.status}: the action was carried out",
                    f"{rule.key} succeeded on {where}, which its lifecycle forbids ({rule.name} only from {allowed}; "
                    f"{rule.provenance.describe()}).",
                ),
            )
            return False
        if exchange.status >= 500:
            self.results[(state, rule.key)] = FAILED
            return False  # the step language already reported the server error
        after = self.read(subject)
        if not unstated and exchange.status not in lifecycle.refused_with:
            self.results[(state, rule.key)] = FAILED
            inferred = lifecycle.refused_basis == "inferred"
            why = f"; {lifecycle.refused_reason}" if lifecycle.refused_reason else ""
            self.fail(
                exchange,
                rule,
                (
                    f"a {documented} refusal, as the spec infers{why}"
                    if inferred
                    else f"a {documented} refusal, as the pages document it{why}",
                    f"HTTP {exchange.status}",
                    f"{rule.key} on {where} was refused with {exchange.status}, not the "
                    f"{'inferred' if inferred else 'documented'} {documented} ({rule.provenance.describe()}).",
                ),
                basis=Basis.INFERRED if inferred else Basis.DOCUMENTED,
                inference=lifecycle.refused_reason if inferred else "",
            )
        elif self.invoice(after) != before:
            self.results[(state, rule.key)] = FAILED
            changed = _changed(before, self.invoice(after))
            self.fail(
                exchange,
                rule,
                (
                    "the invoice unchanged after a refusal",
                    f"changed: {', '.join(changed) or 'the whole object'}",
                    f"{rule.key} on {where} was refused, yet the invoice read back changed ({', '.join(changed)}).",
                ),
                through=after,
            )
            return False
        else:
            self.results[(state, rule.key)] = PASSED
        return True

    def allowed(self, state: str, rule: Rule, variant: str, subject: Subject) -> tuple[bool, str | None]:
        """An allowed action: it succeeds and the invoice read back is in a state the rule documents."""
        exchange = self.send(rule.key, subject, variant)
        how = f" ({variant})" if variant else ""
        if not exchange.ok:
            if exchange.status < 500:
                self.fail(
                    exchange,
                    rule,
                    (
                        f"success: {rule.name} is allowed from {state} ({rule.provenance.describe()})",
                        f"HTTP {exchange.status}: {_short(exchange.text)}",
                        f"{rule.key}{how} was refused on a {state} invoice, which its lifecycle allows "
                        f"({rule.provenance.describe()}).",
                    ),
                )
            return False, None
        if rule.deletes:
            gone = self.run.attempt(self.driver.read, path=self.driver.read_path(subject))
            if gone.status != 404:
                self.fail(
                    gone,
                    rule,
                    (
                        f"404: {rule.key} deleted the invoice",
                        f"HTTP {gone.status}",
                        f"The invoice deleted by {rule.key} is still readable ({rule.provenance.describe()}).",
                    ),
                    kind=Kind.USE_AFTER_FREE,
                )
                return False, None
            return True, None
        read = self.read(subject)
        after = self.status_of(read)
        expected = rule.outcomes_from(state)
        base = self.driver.invoice_at
        if after not in expected:
            self.fail(
                read,
                rule,
                (
                    f"{' or '.join(expected)} after {rule.name} from {state} ({rule.provenance.describe()})",
                    show(after),
                    f"After {rule.key}{how} on a {state} invoice it is {show(after)}, not {' or '.join(expected)}.",
                ),
                pointer=self.lifecycle.status,
                base=base,
            )
            return False, None
        unset = [t for t in rule.sets.get(after, ()) if value_at(self.invoice(read), t) in (None, MISSING)]
        for pointer in unset:
            self.fail(
                read,
                rule,
                (
                    f"{pointer.lstrip('/')} set by {rule.name} ({rule.provenance.describe()})",
                    "null",
                    f"After {rule.key} the invoice is {after} but {pointer.lstrip('/')} is not set.",
                ),
                pointer=pointer,
                base=base,
            )
        return not unset, after

    # -- the coverage table ------------------------------------------------------------------------

    def coverage(self) -> dict[str, Any]:
        unreachable = {state: self.why_unreachable(state) for state in self.lifecycle.states if state not in self.paths}
        cells = []
        for state, rule in self.lifecycle.cells():
            if self.focus is not None and self.focus != (state, rule.key):
                continue
            result = self.results.get((state, rule.key), NOT_REACHABLE if state in unreachable else FAILED)
            cells.append(
                {
                    "state": state,
                    "action": rule.key,
                    "rule": "allowed" if rule.allows(state) else "forbidden",
                    "result": result,
                }
            )
        return {**self.lifecycle.to_json(), "cells": cells, "unreachable": unreachable}

    def why_unreachable(self, state: str) -> str:
        leading = [r for r in self.lifecycle.actions.values() if state in r.to]
        if leading:
            return f"not reached: {', '.join(r.key for r in leading)} did not lead there in this run"
        events = [r.key for r in self.lifecycle.events.values() if state in r.to]
        if events:
            return f"no documented operation leads there (only {', '.join(events)}, which the API does not expose)"
        return "no documented operation leads there"


def show(value: Any) -> str:
    """A status as read: an invoice without one (an echoing or broken server) shows as absent."""
    return "absent" if value is MISSING else show_json(value)


def probe(run: ScenarioRun, driver: ProbeDriver, *, focus: tuple[str, str] | None = None) -> None:
    """Run the probe as (part of) a scenario; the coverage table goes to `run.lifecycle`."""
    lifecycle = require_lifecycle(run.spec)
    if focus is not None:
        focus = (focus[0], lifecycle.action(focus[1]).key)
    state = _Probe(run, driver, lifecycle, focus)
    try:
        state.start()
    finally:
        run.lifecycle = state.coverage()


def scenario_run(driver: ProbeDriver) -> Callable[[ScenarioRun], None]:
    return lambda run: probe(run, driver)


def _changed(before: Any, after: Any) -> list[str]:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
