"""A provider's invoice lifecycle, read from the `x-lifecycle` extension of its spec.

The one place a lifecycle is written down: the doubles' guards, the transition and timestamp
invariants, the exhaustive probe and the rule-flipping faults all derive from what this module reads.
A declaration that does not hold together is a UsageError (exit 2) naming what to fix.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, cast

from referencing.exceptions import Unresolvable

from conformance.checks.invariants import InvoiceFacts
from conformance.checks.invariants import Lifecycle as LifecycleFacts
from conformance.core.errors import UsageError
from conformance.spec.specs import Spec
from conformance.spec.webhooks import Grounds

EXTENSION = "x-lifecycle"
PROVENANCE_KINDS = ("documented", "inferred")


@dataclass(frozen=True)
class RuleProvenance(Grounds):
    """A lifecycle rule's grounds (status, url, reason; its basis and inference), and how a finding cites them."""

    def describe(self) -> str:
        """One clause for a finding: where the rule comes from."""
        if self.status == "documented":
            return f"documented at {self.url}"
        return f"inferred: {self.reason}" + (f" ({self.url})" if self.url else "")

    def to_json(self) -> dict[str, str]:
        return {"status": self.status, "url": self.url, "reason": self.reason}


@dataclass(frozen=True)
class Rule:
    """An action (an operationId) or an event no operation performs, and where it may happen."""

    key: str  # operationId for actions, the event's name for events
    name: str  # short name used by faults: accept:NAME@STATE
    allowed_from: tuple[str, ...]
    to: tuple[str, ...]  # empty: the status does not change
    sets: Mapping[str, tuple[str, ...]]  # resulting state -> transition timestamps set on reaching it
    provenance: RuleProvenance
    may_stay: bool = False  # a failed attempt leaves the status as it was
    deletes: bool = False  # the invoice is gone afterwards

    def allows(self, state: str) -> bool:
        return state in self.allowed_from

    def outcomes_from(self, state: str) -> tuple[str, ...]:
        """The statuses the invoice may be in after this rule applied in `state`."""
        if self.deletes:
            return ()
        if not self.to:
            return (state,)
        return (*self.to, state) if self.may_stay and state not in self.to else self.to


@dataclass(frozen=True)
class Lifecycle:
    provider: str
    status: str  # pointer of the status inside the invoice object
    doc_ref: str
    states: tuple[str, ...]
    refused_with: tuple[int, ...]  # the documented 4xx statuses a forbidden action answers
    created: Rule  # how a new invoice comes to exist (allowed_from empty)
    actions: Mapping[str, Rule]  # operationId -> rule
    events: Mapping[str, Rule] = field(default_factory=dict)  # transitions no documented operation performs
    # What the refusal status rests on: documented (a page states it), inferred (the spec's reading) or
    # unstated (no page names one: any 4xx in the error shape is a refusal, refused_with is only what doubles send).
    refused_basis: str = "documented"
    refused_reason: str = ""

    # -- lookups ---------------------------------------------------------------------------------

    def action(self, name: str) -> Rule:
        """The action by operationId or short name."""
        for rule in self.actions.values():
            if name in (rule.key, rule.name):
                return rule
        raise KeyError(name)

    def event(self, name: str) -> Rule:
        return self.events[name]

    def rules(self) -> Iterator[Rule]:
        yield self.created
        yield from self.actions.values()
        yield from self.events.values()

    def cells(self) -> Iterator[tuple[str, Rule]]:
        """Every (state, action) pair: each is one rule that can be flipped."""
        for state in self.states:
            for rule in self.actions.values():
                yield state, rule

    # -- derived facts ---------------------------------------------------------------------------

    def moves_inferred(self, state: str) -> str:
        """Why the moves out of `state` rest on inference ('' when every rule that leaves it is documented)."""
        for rule in (*self.actions.values(), *self.events.values()):
            if state in rule.allowed_from and rule.provenance.status == "inferred":
                return f"{rule.name}: {rule.provenance.inference}"
        return ""

    @cached_property
    def transitions(self) -> dict[str, frozenset[str]]:
        """state -> the other states it may move to, through any action or event."""
        moves: dict[str, set[str]] = {state: set() for state in self.states}
        for rule in (*self.actions.values(), *self.events.values()):
            for state in rule.allowed_from:
                moves[state].update(s for s in rule.outcomes_from(state) if s != state)
        return {state: frozenset(targets) for state, targets in moves.items()}

    @cached_property
    def reachable(self) -> frozenset[str]:
        """States a new invoice can be brought to through the documented operations (actions, not events)."""
        found = set(self.created.to)
        grew = True
        while grew:
            before = len(found)
            for rule in self.actions.values():
                for state in [s for s in rule.allowed_from if s in found]:
                    found.update(rule.outcomes_from(state))
            grew = len(found) > before
        return frozenset(found)

    @cached_property
    def transition_times(self) -> tuple[str, ...]:
        return tuple(sorted({p for rule in self.rules() for times in rule.sets.values() for p in times}))

    @cached_property
    def _times_by_state(self) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
        """(always set, possibly set) transition timestamps per state, over every way into it."""
        always: dict[str, frozenset[str] | None] = {state: None for state in self.states}
        possible: dict[str, frozenset[str]] = {state: frozenset() for state in self.states}
        for _ in range(len(self.states) + 2):  # a fixpoint: each round can only extend paths by one rule
            incoming: dict[str, list[frozenset[str]]] = {state: [] for state in self.states}
            reach: dict[str, set[str]] = {state: set() for state in self.states}
            for state in self.created.to:
                incoming[state].append(frozenset(self.created.sets.get(state, ())))
                reach[state].update(self.created.sets.get(state, ()))
            for rule in (*self.actions.values(), *self.events.values()):
                for origin in rule.allowed_from:
                    known = always[origin]
                    if known is None:
                        continue
                    for state in rule.outcomes_from(origin):
                        incoming[state].append(known | frozenset(rule.sets.get(state, ())))
                        reach[state].update(possible[origin] | set(rule.sets.get(state, ())))
            always = {s: frozenset.intersection(*incoming[s]) if incoming[s] else None for s in self.states}
            possible = {s: frozenset(reach[s]) for s in self.states}
        return {s: v or frozenset() for s, v in always.items()}, possible

    def set_in(self, state: str) -> tuple[str, ...]:
        """Transition timestamps set whenever the invoice is in `state`."""
        return tuple(sorted(self._times_by_state[0][state]))

    def unset_in(self, state: str) -> tuple[str, ...]:
        """Transition timestamps that cannot be set yet in `state`."""
        return tuple(sorted(set(self.transition_times) - self._times_by_state[1][state]))

    def ordered_times(self) -> tuple[tuple[str, str], ...]:
        """(earlier, later): a timestamp set by a rule is never before one already set in its origin."""
        pairs: set[tuple[str, str]] = set()
        for rule in (*self.actions.values(), *self.events.values()):
            for origin in rule.allowed_from:
                for times in rule.sets.values():
                    pairs.update(
                        (earlier, later) for earlier in self.set_in(origin) for later in times if earlier != later
                    )
        return tuple(sorted(pairs))

    def to_json(self) -> dict[str, Any]:
        return {
            "states": list(self.states),
            "refused_with": list(self.refused_with),
            "refused_basis": self.refused_basis,
            "actions": {
                rule.key: {
                    "name": rule.name,
                    "allowed_from": list(rule.allowed_from),
                    "to": list(rule.to),
                    "provenance": rule.provenance.to_json(),
                }
                for rule in self.actions.values()
            },
        }


# -- reading and validating the declaration -------------------------------------------------------


def lifecycle_of(spec: Spec) -> Lifecycle | None:
    """The spec's lifecycle, or None when it declares none. Parsed once per Spec object."""
    cached = spec.__dict__.get("_lifecycle", _UNSET)
    if cached is _UNSET:
        raw = spec.document.get(EXTENSION)
        cached = None if raw is None else parse(spec, raw)
        spec.__dict__["_lifecycle"] = cached
    return cast("Lifecycle | None", cached)


def require_lifecycle(spec: Spec) -> Lifecycle:
    found = lifecycle_of(spec)
    if found is None:
        raise UsageError(f"{spec.path}: no {EXTENSION} is declared; add the provider's invoice lifecycle there.")
    return found


_UNSET = object()


class _Reader:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec

    def fail(self, where: str, problem: str) -> UsageError:
        return UsageError(f"{self.spec.path}: {EXTENSION}{where} {problem}; fix the declaration.")

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a mapping")
        return value

    def names(self, value: Any, where: str, known: tuple[str, ...] | None = None) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(where, "must be a list of names")
        if len(set(value)) != len(value):
            raise self.fail(where, "lists a name twice")
        if known is not None:
            unknown = [v for v in value if v not in known]
            if unknown:
                raise self.fail(where, f"names {unknown[0]!r}, which is not one of the states {list(known)}")
        return tuple(value)

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "must be a non-empty string")
        return value

    def provenance(self, value: Any, where: str) -> RuleProvenance:
        raw = self.mapping(value, where)
        status = raw.get("status")
        if status not in PROVENANCE_KINDS:
            raise self.fail(f"{where}.status", f"must be one of {list(PROVENANCE_KINDS)}")
        url = str(raw.get("url") or "")
        if url and not url.startswith(("https://", "http://")):
            raise self.fail(f"{where}.url", "must be the documentation page's URL")
        if status == "documented" and not url:
            raise self.fail(where, "is documented but names no url")
        reason = str(raw.get("reason") or "")
        if status == "inferred" and not reason.strip():
            raise self.fail(where, "is inferred but gives no reason")
        return RuleProvenance(status=status, url=url, reason=reason)

    def rule(self, key: str, value: Any, where: str, states: tuple[str, ...], *, created: bool = False) -> Rule:
        raw = self.mapping(value, where)
        unknown = sorted(set(raw) - {"name", "from", "to", "sets", "provenance", "may_stay", "deletes", "by"})
        if unknown:
            raise self.fail(f"{where}.{unknown[0]}", "is not a field of a rule (name, from, to, sets, provenance)")
        allowed = () if created else self.names(raw.get("from"), f"{where}.from", states)
        if not created and not allowed:
            raise self.fail(f"{where}.from", "must name at least one state")
        to = self.names(raw.get("to", []), f"{where}.to", states)
        deletes = bool(raw.get("deletes", False))
        if created and not to:
            raise self.fail(f"{where}.to", "must name the state a new invoice is in")
        if deletes and to:
            raise self.fail(where, "deletes the invoice, so it leads to no state: drop `to`")
        sets_raw = self.mapping(raw.get("sets", {}), f"{where}.sets")
        sets: dict[str, tuple[str, ...]] = {}
        for state, times in sets_raw.items():
            if state not in to:
                raise self.fail(f"{where}.sets.{state}", f"is not a state this rule leads to ({list(to)})")
            sets[state] = self.names(times, f"{where}.sets.{state}")
            bad = [t for t in sets[state] if not t.startswith("/")]
            if bad:
                raise self.fail(f"{where}.sets.{state}", f"holds {bad[0]!r}, which is not a JSON pointer")
        name = str(raw.get("name") or key)
        return Rule(
            key=key,
            name=name,
            allowed_from=allowed,
            to=to,
            sets=sets,
            provenance=self.provenance(raw.get("provenance"), f"{where}.provenance"),
            may_stay=bool(raw.get("may_stay", False)),
            deletes=deletes,
        )


REFUSED_BASES = ("documented", "inferred", "unstated")


def parse(spec: Spec, value: Any) -> Lifecycle:
    reader = _Reader(spec)
    raw = reader.mapping(value, "")
    status = reader.text(raw.get("status"), ".status")
    if not status.startswith("/"):
        raise reader.fail(".status", "must be a JSON pointer into the invoice object, e.g. /status")
    states = reader.names(raw.get("states"), ".states")
    if not states:
        raise reader.fail(".states", "must list the invoice statuses")
    enum_at = reader.text(raw.get("enum"), ".enum")
    try:
        enum = spec.resolve(enum_at.removeprefix("#"))
    except (KeyError, IndexError, ValueError, TypeError, Unresolvable):
        raise reader.fail(".enum", f"points at {enum_at}, which the spec does not hold") from None
    if not isinstance(enum, list) or sorted(map(str, enum)) != sorted(states):
        raise reader.fail(".states", f"must be the status enum at {enum_at} ({enum}), in any order")
    refused = raw.get("refused_with")
    if not isinstance(refused, list) or not refused or not all(isinstance(s, int) and 400 <= s < 500 for s in refused):
        raise reader.fail(".refused_with", "must list the 4xx statuses a forbidden action answers")
    refused_basis = str(raw.get("refused_basis") or "documented")
    if refused_basis not in REFUSED_BASES:
        raise reader.fail(".refused_basis", f"must be one of {', '.join(REFUSED_BASES)}")
    created_raw = reader.mapping(raw.get("created"), ".created")
    created_by = reader.text(created_raw.get("by"), ".created.by")
    if created_by not in spec.operations:
        raise reader.fail(".created.by", f"names {created_by!r}, which is no operationId of the spec")
    created = reader.rule(created_by, created_raw, ".created", states, created=True)
    actions: dict[str, Rule] = {}
    for key, rule_raw in reader.mapping(raw.get("actions"), ".actions").items():
        if key not in spec.operations:
            raise reader.fail(f".actions.{key}", "is no operationId of the spec")
        rule = reader.rule(key, rule_raw, f".actions.{key}", states)
        documented = {str(code) for code in (spec.resolve(spec.operations[key].pointer).get("responses") or {})}
        if not any(str(code) in documented for code in refused):
            raise reader.fail(f".actions.{key}", f"is refused with {refused}, none of which its responses document")
        actions[key] = rule
    if not actions:
        raise reader.fail(".actions", "must declare at least one action")
    short = [rule.name for rule in actions.values()]
    if len(set(short)) != len(short):
        raise reader.fail(".actions", "gives two actions the same name")
    events = {
        key: reader.rule(key, rule_raw, f".events.{key}", states)
        for key, rule_raw in reader.mapping(raw.get("events", {}), ".events").items()
    }
    return Lifecycle(
        provider=spec.provider,
        status=status,
        doc_ref=str(raw.get("doc_ref") or ""),
        states=states,
        refused_with=tuple(refused),
        refused_basis=refused_basis,
        refused_reason=" ".join(str(raw.get("refused_reason") or "").split()),
        created=created,
        actions=actions,
        events=events,
    )


# -- the invariants a lifecycle implies ----------------------------------------------------------


def with_lifecycle(facts: InvoiceFacts, lifecycle: Lifecycle | None) -> InvoiceFacts:
    """A provider's invoice facts completed by its lifecycle: the legal transitions, and the transition
    timestamps (set when reached and only then, never before creation, in the order rules set them)."""
    if lifecycle is None:
        return facts
    base = facts.timeline
    timeline = None
    if base is not None:
        times = lifecycle.transition_times
        timeline = replace(
            base,
            not_before_created=(*base.not_before_created, *(t for t in times if t not in base.not_before_created)),
            ordered=(*base.ordered, *(p for p in lifecycle.ordered_times() if p not in base.ordered)),
            status=lifecycle.status if times else base.status,
            set_in_status={s: lifecycle.set_in(s) for s in lifecycle.states if lifecycle.set_in(s)},
            unset_in_status={s: lifecycle.unset_in(s) for s in lifecycle.states if lifecycle.unset_in(s)},
        )
    transitions = LifecycleFacts(
        status=lifecycle.status,
        transitions=lifecycle.transitions,
        doc_ref=lifecycle.doc_ref,
        inferred_moves={s: why for s in lifecycle.states if (why := lifecycle.moves_inferred(s))},
    )
    return replace(facts, lifecycle=transitions, timeline=timeline)
