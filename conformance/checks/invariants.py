"""Business invariants of invoices: documented facts turned into checks on response bodies.

Provider-neutral. A provider declares where its objects carry each fact (`InvoiceFacts`, in its
workflow module under conformance.workflows) and every check answers `Breach`es whose pointers are
relative to the object checked; the workflow layer turns them into findings with the request
sequence as evidence. A check skips a field that is absent or of the wrong type: the strict schema
check already reports that, and one cause should make one finding.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from conformance.checks.json_values import MISSING, instant, number, value_at, values_at
from conformance.core import pointers
from conformance.core.kinds import Basis, Kind
from conformance.spec.validation import show


@dataclass(frozen=True)
class Breach:
    kind: Kind
    pointer: str  # relative to the object checked
    expected: str
    observed: str
    message: str
    doc_ref: str
    check: str = "invariant"  # which invariant: part of the finding's fingerprint
    # What the expectation rests on: a page that states it (doc_ref), or the spec's inference and why.
    basis: Basis = Basis.DOCUMENTED
    inference: str = ""


# -- facts a provider declares ----------------------------------------------------------------------


@dataclass(frozen=True)
class LineArithmetic:
    """Each line's amount is its unit amount times its quantity."""

    lines: str  # pointer to the array of lines inside the invoice
    doc_ref: str
    amount: str = "amount"
    unit_amount: str = "unit_amount"
    quantity: str = "quantity"
    # Why the spec infers this fact ('' when a page states it): its breaches are then basis inferred.
    inferred: str = ""


@dataclass(frozen=True)
class LinesTotal:
    """A total of the invoice is the sum of its lines' amounts."""

    total: str  # pointer to the total
    lines: str  # pointer to the array of lines
    line_amount: str  # field of a line summed into the total
    doc_ref: str
    # Pointer to a flag that is true when only the first lines are embedded (then the sum is unknown).
    truncated: str | None = None
    # Why the spec infers this fact ('' when a page states it): its breaches are then basis inferred.
    inferred: str = ""


@dataclass(frozen=True)
class Balance:
    """What remains to pay is what is due less what was paid; a paid invoice was paid in full."""

    due: str
    paid: str
    remaining: str | None
    status: str
    paid_statuses: frozenset[str]
    doc_ref: str
    # Why the spec infers this fact ('' when a page states it): its breaches are then basis inferred.
    inferred: str = ""


@dataclass(frozen=True)
class Lifecycle:
    """The statuses an invoice may move to from each status (every known status is a key)."""

    status: str
    transitions: Mapping[str, frozenset[str]]
    doc_ref: str
    # status -> why the moves out of it rest on inference (a rule leaving it is marked inferred); absent: documented.
    inferred_moves: Mapping[str, str] = field(default_factory=dict)

    @property
    def statuses(self) -> frozenset[str]:
        return frozenset(self.transitions)

    def moves_inferred(self, state: str) -> str:
        return self.inferred_moves.get(state, "")


@dataclass(frozen=True)
class Timeline:
    """Timestamps: none before creation, pairs in order, transition times set when (and once) reached."""

    created: str
    doc_ref: str
    not_before_created: tuple[str, ...] = ()
    ordered: tuple[tuple[str, str], ...] = ()  # (earlier, later)
    status: str | None = None
    set_in_status: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    unset_in_status: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Why the spec infers this fact ('' when a page states it): its breaches are then basis inferred.
    inferred: str = ""

    @property
    def transition_times(self) -> tuple[str, ...]:
        return tuple(sorted({p for pointers_ in self.set_in_status.values() for p in pointers_}))


@dataclass(frozen=True)
class Format:
    """How the values at `pointer` are documented: an id prefix, a pattern (currency codes), integer minor units.

    The pointer may hold `*` tokens that match every array index or object key.
    """

    pointer: str
    doc_ref: str
    prefix: str | None = None
    pattern: str | None = None
    what: str = "value"  # what the pattern describes, for the message
    integer_amount: bool = False
    # Why the spec infers this fact ('' when a page states it): its breaches are then basis inferred.
    inferred: str = ""


@dataclass(frozen=True)
class InvoiceFacts:
    arithmetic: LineArithmetic | None = None
    totals: tuple[LinesTotal, ...] = ()
    balance: Balance | None = None
    lifecycle: Lifecycle | None = None
    timeline: Timeline | None = None
    formats: tuple[Format, ...] = ()


def _same(a: int | float, b: int | float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


# -- checks on one invoice --------------------------------------------------------------------------


def invoice_breaches(invoice: Any, facts: InvoiceFacts) -> list[Breach]:
    """Every invariant one invoice object can break on its own."""
    if not isinstance(invoice, dict):
        return []
    found: list[Breach] = []
    if facts.arithmetic:
        found += _on_basis(line_arithmetic(invoice, facts.arithmetic), facts.arithmetic.inferred)
    for total in facts.totals:
        found += _on_basis(lines_total(invoice, total), total.inferred)
    if facts.balance:
        found += _on_basis(balance(invoice, facts.balance), facts.balance.inferred)
    if facts.timeline:
        found += _on_basis(timeline(invoice, facts.timeline), facts.timeline.inferred)
    for entry in facts.formats:
        found += _on_basis(formats(invoice, entry), entry.inferred)
    return found


def _on_basis(breaches: list[Breach], inferred: str) -> list[Breach]:
    """The breaches of a fact the provider declares inferred rest on that inference."""
    if not inferred:
        return breaches
    return [replace(b, basis=Basis.INFERRED, inference=inferred) for b in breaches]


def line_arithmetic(invoice: Any, facts: LineArithmetic) -> list[Breach]:
    found = []
    for at, line in values_at(invoice, facts.lines + "/*"):
        amount = number(value_at(line, pointers.join(facts.amount)))
        unit = number(value_at(line, pointers.join(facts.unit_amount)))
        quantity = number(value_at(line, pointers.join(facts.quantity)))
        if amount is None or unit is None or quantity is None or _same(amount, unit * quantity):
            continue
        found.append(
            Breach(
                Kind.INVARIANT_VIOLATION,
                at + pointers.join(facts.amount),
                f"{facts.unit_amount} x {facts.quantity} = {unit} x {quantity} = {unit * quantity}",
                show(amount),
                f"Line {at} has {facts.amount} {amount}, not {facts.unit_amount} x {facts.quantity} = {unit * quantity}.",
                facts.doc_ref,
                check="invariant.line_amount",
            )
        )
    return found


def lines_total(invoice: Any, facts: LinesTotal) -> list[Breach]:
    if facts.truncated is not None and value_at(invoice, facts.truncated) is not False:
        return []  # only the first lines are embedded: their sum says nothing about the total
    total = number(value_at(invoice, facts.total))
    lines = value_at(invoice, facts.lines)
    if total is None or not isinstance(lines, list):
        return []
    amounts = [number(value_at(line, pointers.join(facts.line_amount))) for line in lines]
    if any(a is None for a in amounts):
        return []
    expected = sum(a for a in amounts if a is not None)
    if _same(total, expected):
        return []
    return [
        Breach(
            Kind.INVARIANT_VIOLATION,
            facts.total,
            f"the sum of {facts.lines}/*/{facts.line_amount} = {expected}",
            show(total),
            f"{facts.total.lstrip('/')} is {total} but the {len(amounts)} lines sum to {expected}.",
            facts.doc_ref,
            check="invariant.totals",
        )
    ]


def balance(invoice: Any, facts: Balance) -> list[Breach]:
    due, paid = number(value_at(invoice, facts.due)), number(value_at(invoice, facts.paid))
    if due is None or paid is None:
        return []
    found = []
    remaining = number(value_at(invoice, facts.remaining)) if facts.remaining else None
    if remaining is not None and facts.remaining and not _same(remaining, due - paid):
        found.append(
            Breach(
                Kind.INVARIANT_VIOLATION,
                facts.remaining,
                f"{facts.due.lstrip('/')} - {facts.paid.lstrip('/')} = {due - paid}",
                show(remaining),
                f"{facts.remaining.lstrip('/')} is {remaining}, not {due} due - {paid} paid = {due - paid}.",
                facts.doc_ref,
                check="invariant.balance",
            )
        )
    status = value_at(invoice, facts.status)
    if status in facts.paid_statuses and not _same(paid, due):
        found.append(
            Breach(
                Kind.INVARIANT_VIOLATION,
                facts.paid,
                f"{facts.paid.lstrip('/')} = {facts.due.lstrip('/')} = {due} on a {status} invoice",
                show(paid),
                f"The invoice is {status} but {facts.paid.lstrip('/')} is {paid} of {due} due.",
                facts.doc_ref,
                check="invariant.paid_in_full",
            )
        )
    return found


def timeline(invoice: Any, facts: Timeline) -> list[Breach]:
    found = []
    created = instant(value_at(invoice, facts.created))
    if created is not None:
        for pointer in facts.not_before_created:
            moment = instant(value_at(invoice, pointer))
            if moment is not None and moment < created:
                found.append(
                    _order_breach(invoice, facts, facts.created, pointer, f"{pointer.lstrip('/')} precedes creation")
                )
    for earlier, later in facts.ordered:
        first, second = instant(value_at(invoice, earlier)), instant(value_at(invoice, later))
        if first is not None and second is not None and second < first:
            found.append(
                _order_breach(invoice, facts, earlier, later, f"{later.lstrip('/')} precedes {earlier.lstrip('/')}")
            )
    status = value_at(invoice, facts.status) if facts.status else MISSING
    if isinstance(status, str):
        for pointer in facts.set_in_status.get(status, ()):
            if value_at(invoice, pointer) is None:
                found.append(
                    Breach(
                        Kind.STATE_TRANSITION,
                        pointer,
                        f"{pointer.lstrip('/')} set once the invoice is {status}",
                        "null",
                        f"The invoice is {status} but {pointer.lstrip('/')} is not set.",
                        facts.doc_ref,
                        check="lifecycle.timestamp_set",
                    )
                )
        for pointer in facts.unset_in_status.get(status, ()):
            value = value_at(invoice, pointer)
            if value is not MISSING and value is not None:
                found.append(
                    Breach(
                        Kind.STATE_TRANSITION,
                        pointer,
                        f"{pointer.lstrip('/')} null while the invoice is {status}",
                        show(value),
                        f"The invoice is {status} but {pointer.lstrip('/')} is already set.",
                        facts.doc_ref,
                        check="lifecycle.timestamp_unset",
                    )
                )
    return found


def _order_breach(invoice: Any, facts: Timeline, earlier: str, later: str, what: str) -> Breach:
    return Breach(
        Kind.INVARIANT_VIOLATION,
        later,
        f"{later.lstrip('/')} not before {earlier.lstrip('/')} ({show(value_at(invoice, earlier))})",
        show(value_at(invoice, later)),
        f"{what}: {show(value_at(invoice, later))} < {show(value_at(invoice, earlier))}.",
        facts.doc_ref,
        check="invariant.timestamp_order",
    )


def formats(invoice: Any, facts: Format) -> list[Breach]:
    found = []
    for at, value in values_at(invoice, facts.pointer):
        name = at.lstrip("/")
        if facts.prefix is not None and isinstance(value, str) and not value.startswith(facts.prefix):
            found.append(
                Breach(
                    Kind.INVARIANT_VIOLATION,
                    at,
                    f"an id starting with {facts.prefix!r}",
                    show(value),
                    f"{name} {value!r} lacks the documented prefix {facts.prefix!r}.",
                    facts.doc_ref,
                    check="format.id_prefix",
                )
            )
        if facts.pattern is not None and isinstance(value, str) and not re.search(facts.pattern, value):
            found.append(
                Breach(
                    Kind.INVARIANT_VIOLATION,
                    at,
                    f"a {facts.what} matching {facts.pattern}",
                    show(value),
                    f"{name} {value!r} is not a {facts.what} as documented ({facts.pattern}).",
                    facts.doc_ref,
                    check="format.pattern",
                )
            )
        # 1500.0 validates as a JSON Schema integer but reads like a decimal major-unit amount.
        if facts.integer_amount and isinstance(value, float):
            found.append(
                Breach(
                    Kind.INVARIANT_VIOLATION,
                    at,
                    "an integer amount in minor units",
                    show(value),
                    f"{name} is {value}, a decimal; amounts are documented as integer minor units.",
                    facts.doc_ref,
                    check="format.integer_amount",
                )
            )
    return found


# -- checks across two observations of one invoice -------------------------------------------------


def transition(before: Any, after: Any, facts: Lifecycle) -> Breach | None:
    """A status change the lifecycle does not allow (unknown statuses are the schema check's)."""
    if before == after or before not in facts.transitions or after not in facts.transitions:
        return None
    allowed = facts.transitions[before]
    if after in allowed:
        return None
    inferred = facts.moves_inferred(before)
    return Breach(
        Kind.STATE_TRANSITION,
        facts.status,
        f"from {before}: {' or '.join(sorted(allowed)) or 'no other status (final)'}",
        show(after),
        f"The invoice went from {before} to {after}, a transition its lifecycle does not allow.",
        facts.doc_ref,
        check="lifecycle.transition",
        basis=Basis.INFERRED if inferred else Basis.DOCUMENTED,
        inference=inferred,
    )


def timeline_changes(before: Any, after: Any, facts: Timeline) -> list[Breach]:
    """A transition time, once set, never changes."""
    found = []
    for pointer in facts.transition_times:
        old, new = value_at(before, pointer), value_at(after, pointer)
        if old in (None, MISSING) or new is MISSING or old == new:
            continue
        found.append(
            Breach(
                Kind.STATE_TRANSITION,
                pointer,
                f"{pointer.lstrip('/')} unchanged once set ({show(old)})",
                show(new),
                f"{pointer.lstrip('/')} changed from {show(old)} to {show(new)} after it was set.",
                facts.doc_ref,
                check="lifecycle.timestamp_unchanged",
            )
        )
    return found


def echo(written: Mapping[str, Any], read: Any, *, doc_ref: str, what: str = "the object") -> list[Breach]:
    """Fields read back differ from what was written (absent ones included).

    Only what was written is compared, at every depth: a key the server adds to an object that was
    written (an undocumented field, a proxy's trace) is not a difference here but the schema check's
    `undocumented_field`, reported there once. The pointer is the deepest place that differs.
    """
    found = []
    for pointer, value, got in _differences(written, read, ""):
        name = pointer.lstrip("/")
        observed = "absent" if got is MISSING else show(got)
        found.append(
            Breach(
                Kind.INVARIANT_VIOLATION,
                pointer,
                show(value),
                observed,
                f"{what} has {name} {observed}, not {show(value)} as written.",
                doc_ref,
                check="invariant.read_after_write",
            )
        )
    return found


def _differences(written: Mapping[str, Any], read: Any, at: str) -> list[tuple[str, Any, Any]]:
    """(pointer, written value, value read) of every written key read back otherwise."""
    found: list[tuple[str, Any, Any]] = []
    for name, value in written.items():
        pointer = at + pointers.join(name)
        got = read.get(name, MISSING) if isinstance(read, dict) else MISSING
        if isinstance(value, dict) and isinstance(got, dict):
            found += _differences(value, got, pointer)
        elif isinstance(value, list) and isinstance(got, list) and len(value) == len(got):
            # Items in order, each compared as written (an object item may carry added keys too).
            for index, (item, read_item) in enumerate(zip(value, got, strict=True)):
                found += _differences({str(index): item}, {str(index): read_item}, pointer)
        elif got is MISSING or not _same_json(value, got):
            found.append((pointer, value, got))
    return found


def _same_json(written: Any, read: Any) -> bool:
    """Equal and of the same JSON type (112 is not 112.0, 1 is not true)."""
    return type(read) is type(written) and read == written
