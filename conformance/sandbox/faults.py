"""The fault catalogue: realistic provider changes and bugs a double can be told to show.

Each fault says what it does and what a conformance suite should report about it. Faults are
generic; what they touch in a given provider's objects comes from that double's FaultTargets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from conformance.core.errors import UsageError
from conformance.core.kinds import Kind

if TYPE_CHECKING:
    from conformance.checks.lifecycle import Lifecycle

# The response header a double names its faults in, on every answer it gives while they are on: a
# recording of a faulted double then says which of its findings the fault explains (`judge`).
FAULT_HEADER = "X-Conformance-Fault"
# What observes a behaviour fault: a probe of what the pages promise (issue 26), not a response schema.
PROBE = "behaviour probe"


@dataclass(frozen=True)
class Fault:
    name: str
    summary: str
    # What a conformance suite should report: the finding kind (None: nothing at all) and where.
    expect_kind: Kind | None
    expect: str
    # Which layer observes it: one request/response, a sequence of them (workflows, pagination), or a
    # behaviour probe (a write read back, a filter, a page walk, a documented bound).
    observed_by: str = "single request"
    # A behaviour fault exists only on the operations a double declares for it (ProviderDouble.fault_operations):
    # a double that declares none refuses it rather than serving a run that cannot show it.
    scoped: bool = False


CATALOGUE: tuple[Fault, ...] = (
    Fault(
        "field_removed",
        "A required field disappears from every invoice object.",
        Kind.MISSING_FIELD,
        "missing_field at the field's pointer on every operation returning an invoice: breaking where the required "
        "list is documented, non_breaking (basis inferred) where the spec infers it (e.g. WooshPay's Stripe list).",
    ),
    Fault(
        "fields_removed",
        "Several required fields disappear from every invoice object.",
        Kind.MISSING_FIELD,
        "missing_field for each field on every operation returning an invoice (breaking, or non_breaking where "
        "the required list is inferred); one root cause for the invoice object listing the fields.",
    ),
    Fault(
        "field_retyped",
        'An integer field of the invoice object is sent as a string (e.g. 1000 -> "1000").',
        Kind.TYPE_MISMATCH,
        "type_mismatch (breaking; non_breaking when the type is inferred) at the field's pointer.",
    ),
    Fault(
        "field_renamed",
        "A required field of the invoice object is sent under a new name.",
        Kind.MISSING_FIELD,
        "missing_field (breaking, or non_breaking where the required list is inferred) for the old name and "
        "undocumented_field (non_breaking) for the new one.",
    ),
    Fault(
        "field_added",
        "An undocumented field appears on the invoice object.",
        Kind.UNDOCUMENTED_FIELD,
        "undocumented_field (non_breaking) at the new field's pointer.",
    ),
    Fault(
        "enum_value_added",
        "The invoice status takes a value the documentation does not list.",
        Kind.ENUM_VIOLATION,
        "enum_violation (breaking; non_breaking when the values are inferred) at the status pointer.",
    ),
    Fault(
        "null_not_nullable",
        "A non-nullable invoice field is sent as null.",
        Kind.NULLABILITY,
        "nullability (breaking; non_breaking when the expectation is inferred) at the field's pointer.",
    ),
    Fault(
        "wrong_success_status",
        "Successful calls answer 202 instead of the documented status.",
        Kind.UNDOCUMENTED_STATUS,
        "undocumented_status (breaking) on every successful operation.",
    ),
    Fault(
        "wrong_content_type",
        "JSON responses are labelled text/plain.",
        Kind.CONTENT_TYPE,
        "content_type (breaking) on every operation.",
    ),
    Fault(
        "server_error",
        "Valid requests to the invoice-creating operation answer 500.",
        Kind.SERVER_ERROR,
        "server_error (breaking) on that operation.",
    ),
    Fault(
        "auth_not_enforced",
        "Requests without credentials, or with wrong ones, are served as if authenticated.",
        Kind.AUTH_NOT_ENFORCED,
        "auth_not_enforced (breaking) on the operations probed without credentials.",
    ),
    Fault(
        "rate_limited",
        "The first 3 requests answer 429 with Retry-After: 1.",
        None,
        "nothing: a client that honours Retry-After succeeds; the run is slower, not failing.",
    ),
    Fault(
        "slow_responses",
        "Every response is delayed by 1.5 seconds.",
        None,
        "nothing under a generous request timeout; transport_error under a shorter one.",
    ),
    Fault(
        "pagination_repeats",
        "Every page after the first starts with the last item of the previous page.",
        Kind.INVARIANT_VIOLATION,
        "invariant_violation (breaking) on the list operation: an object listed twice.",
        observed_by="sequence",
    ),
    Fault(
        "pagination_skips",
        "Every page after the first silently drops its first item.",
        Kind.INVARIANT_VIOLATION,
        "invariant_violation (breaking) on the list operation: an object never listed.",
        observed_by="sequence",
    ),
    Fault(
        "has_more_lies",
        "has_more/hasMore is true on the last page.",
        Kind.INVARIANT_VIOLATION,
        "invariant_violation (breaking) on the list operation: has_more true on the last page.",
        observed_by="sequence",
    ),
    Fault(
        "totals_mismatch",
        "Invoice totals are off by one minor unit from the sum of their lines.",
        Kind.INVARIANT_VIOLATION,
        "invariant_violation (breaking): totals differ from the sum of the lines.",
        observed_by="sequence",
    ),
    Fault(
        "illegal_transition_accepted",
        "Lifecycle actions the documentation forbids (void a paid invoice, pay a void one...) succeed.",
        Kind.STATE_TRANSITION,
        "state_transition (breaking) on the action that should have been refused.",
        observed_by="sequence",
    ),
    Fault(
        "deleted_still_retrievable",
        "A deleted object is still returned by retrieve.",
        Kind.USE_AFTER_FREE,
        "use_after_free (breaking) on the retrieve operation after a delete.",
        observed_by="sequence",
    ),
    Fault(
        "update_not_persisted",
        "An update answers the new values but does not store them: the next read shows the old ones.",
        Kind.INVARIANT_VIOLATION,
        "invariant_violation (breaking) on the update operation: a key written is not what the next read shows.",
        observed_by=PROBE,
        scoped=True,
    ),
    Fault(
        "quantity_ignored",
        "The quantity of an invoice item or subscription item written by a create or update is not kept: the "
        "answer or the next read shows the default or previous quantity.",
        Kind.INVARIANT_VIOLATION,
        "invariant_violation (breaking) on the create or update: the quantity read back is not the one written.",
        observed_by=PROBE,
        scoped=True,
    ),
    Fault(
        "filter_ignored",
        "A list ignores a documented filter parameter and returns every object.",
        Kind.INVARIANT_VIOLATION,
        "invariant_violation (breaking) on the list operation: an object the filter excludes is listed.",
        observed_by=PROBE,
        scoped=True,
    ),
    Fault(
        "page_base_shifted",
        "Page numbers are read with another base than documented: the first page is served twice.",
        Kind.INVARIANT_VIOLATION,
        "invariant_violation (breaking) on the list operation: a walk from the documented first page lists "
        "objects twice.",
        observed_by=PROBE,
        scoped=True,
    ),
    Fault(
        "page_skips_item",
        "A page walk loses one object between the first and the second page.",
        Kind.INVARIANT_VIOLATION,
        "invariant_violation (breaking) on the list operation: an object never listed by the walk.",
        observed_by=PROBE,
        scoped=True,
    ),
    Fault(
        "limit_unbounded",
        "The documented maximum page size is not enforced: a limit above it answers more objects than the maximum.",
        Kind.NEGATIVE_DATA_ACCEPTED,
        "negative_data_accepted on the list operation: a page size above the documented maximum is served.",
        observed_by=PROBE,
        scoped=True,
    ),
    Fault(
        "required_not_enforced",
        "A create whose documented required field is missing is accepted.",
        Kind.NEGATIVE_DATA_ACCEPTED,
        "negative_data_accepted on the create operation: the body without its required field is accepted.",
        observed_by=PROBE,
        scoped=True,
    ),
    Fault(
        "form_nested_dropped",
        "Nested form fields (metadata[k]=v) are silently dropped; the same values sent as JSON are kept.",
        Kind.INVARIANT_VIOLATION,
        "invariant_violation (breaking) on the write sent form-encoded: its metadata is not what the next read shows.",
        observed_by=PROBE,
        scoped=True,
    ),
)

# Delivery faults (issue 27): what a provider gets wrong on the wire when it posts events; judged by the
# webhook checks. Applied by the outbox (conformance.sandbox.webhooks); a double that sends no events refuses them.
EVENT_FAULTS: tuple[Fault, ...] = (
    Fault(
        "event_missing",
        "invoice.paid is never sent, though the invoice reads paid.",
        Kind.INVARIANT_VIOLATION,
        "invariant_violation (breaking where the event is documented) on `webhook invoice.paid`: a state change "
        "that declares an event produced none within the timeout.",
        observed_by="events",
    ),
    Fault(
        "event_duplicated",
        "Every event is delivered twice with the same id (at-least-once; a handler must be idempotent).",
        Kind.INVARIANT_VIOLATION,
        "invariant_violation on the event: the same event id delivered more than once for one state change.",
        observed_by="events",
    ),
    Fault(
        "events_reordered",
        "Each event waits for the next one, which overtakes it (pairs arrive newest first).",
        Kind.INVARIANT_VIOLATION,
        "invariant_violation on the later event: it arrived after one about a newer state.",
        observed_by="events",
    ),
    Fault(
        "event_early",
        "Events go out before the API reads the new state (reads show the old one until the event is answered).",
        Kind.INVARIANT_VIOLATION,
        "invariant_violation on the event: its object shows a state the API did not read at that moment.",
        observed_by="events",
    ),
    Fault(
        "event_payload_drift",
        "The event's invoice loses a required field and has an integer field sent as a string.",
        Kind.MISSING_FIELD,
        "missing_field and type_mismatch against the event's `webhooks` payload schema.",
        observed_by="events",
    ),
    Fault(
        "event_wrong_name",
        "One event is sent under an undocumented name (WooshPay invoice.payment_succeeded, UseePay invoice.open).",
        Kind.ENUM_VIOLATION,
        "enum_violation on the event name (not a documented one), and the expected event missing.",
        observed_by="events",
    ),
    Fault(
        "signature_invalid",
        "Events carry a well-formed signature that does not verify.",
        Kind.INVARIANT_VIOLATION,
        "invariant_violation from the signature check (breaking where the scheme is documented).",
        observed_by="events",
    ),
    Fault(
        "event_wrong_content_type",
        "Event bodies are labelled text/plain.",
        Kind.CONTENT_TYPE,
        "content_type on the event: not the declared media type.",
        observed_by="events",
    ),
    Fault(
        "retries_ignored",
        "An unacknowledged event is never retried.",
        Kind.INVARIANT_VIOLATION,
        "invariant_violation from the retry check: no attempt followed an unacknowledged one.",
        observed_by="events",
    ),
)

# Consumer-side faults (issue 28): deliveries that are legal or hostile, for testing a team's webhook handler.
# The suite reports nothing for them: the team's own test judges the handler.
HANDLER_FAULTS: tuple[Fault, ...] = (
    Fault(
        "deliver_twice",
        "Every event is delivered a second time, same id and body (the at-least-once promise).",
        None,
        "nothing from the suite: a handler that books twice fails its own test.",
        observed_by="handler",
    ),
    Fault(
        "deliver_reversed",
        "Each event is overtaken by the next one (no ordering guarantee).",
        None,
        "nothing from the suite: a handler that lets an older event win fails its own test.",
        observed_by="handler",
    ),
    Fault(
        "deliver_late",
        "After each event, the previous event about the same invoice is delivered again (an old event after a newer state).",
        None,
        "nothing from the suite: a handler that regresses a paid order on a late event fails its own test.",
        observed_by="handler",
    ),
    Fault(
        "signature_missing",
        "Events carry no signature header.",
        None,
        "nothing from the suite: a handler must refuse the post (and the provider retries it).",
        observed_by="handler",
    ),
    Fault(
        "timestamp_stale",
        "WooshPay: the signed timestamp is ten minutes old (a replayed post), the signature itself valid.",
        None,
        "nothing from the suite: a handler must refuse a timestamp outside its tolerance.",
        observed_by="handler",
    ),
    Fault(
        "content_type_other_version",
        "UseePay: events use the other API version's encoding (a form with data=<JSON> instead of JSON, or back).",
        None,
        "nothing from the suite: a handler must read both encodings, or pin its API version.",
        observed_by="handler",
    ),
)

CATALOGUE = CATALOGUE + EVENT_FAULTS + HANDLER_FAULTS
DELIVERY_FAULTS = frozenset(fault.name for fault in (*EVENT_FAULTS, *HANDLER_FAULTS))

BY_NAME = {fault.name: fault for fault in CATALOGUE}

# Rule-flipping faults, one per cell of a provider's x-lifecycle: accept:ACTION@STATE makes a forbidden
# action succeed, refuse:ACTION@STATE refuses an allowed one (ACTION: the rule's short name or operationId).
FLIPS = ("accept", "refuse")
_FLIP = re.compile(r"^(accept|refuse):([A-Za-z_][A-Za-z0-9_]*)@([A-Za-z_][A-Za-z0-9_]*)$")


@dataclass(frozen=True)
class Flip:
    """One lifecycle rule flipped: `how` the double answers `action` in `state`."""

    how: str  # accept | refuse
    action: str
    state: str

    @property
    def name(self) -> str:
        return f"{self.how}:{self.action}@{self.state}"

    @property
    def summary(self) -> str:
        done = "refused although the lifecycle allows it" if self.how == "refuse" else "accepted although forbidden"
        return f"{self.action} on {article(self.state)} {self.state} invoice is {done}."

    @property
    def expect(self) -> str:
        wrong = "a forbidden action accepted" if self.how == "accept" else "an allowed action refused"
        return f"state_transition (breaking) from the lifecycle probe: {wrong}."


def article(word: str) -> str:
    """ "an" before a vowel sound as states are spelt (open, overdue, uncollectible), else "a"."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def lifecycle_flips(lifecycle: Lifecycle) -> tuple[Flip, ...]:
    """One fault per (state, action) of a provider's x-lifecycle: the opposite of what the rule says."""
    return tuple(
        Flip("refuse" if rule.allows(state) else "accept", rule.name, state) for state, rule in lifecycle.cells()
    )


def parse_flip(name: str) -> Flip | None:
    match = _FLIP.match(name)
    return Flip(*match.groups()) if match else None


@dataclass(frozen=True)
class FaultSet:
    names: frozenset[str] = frozenset()
    # A double's own variants (ProviderDouble.variants), e.g. WooshPay's docs_only: allowed names beside the catalogue.
    variants: frozenset[str] = frozenset()

    @classmethod
    def of(cls, names: tuple[str, ...] | list[str] | None, variants: Iterable[str] = ()) -> FaultSet:
        names = list(names or ())
        own = frozenset(variants)
        unknown = [n for n in names if n not in BY_NAME and n not in own and parse_flip(n) is None]
        if unknown:
            raise UsageError(
                f"unknown fault {unknown[0]!r}; `conformance sandbox PROVIDER --list-faults` lists the catalogue "
                "(lifecycle rules flip as accept:ACTION@STATE or refuse:ACTION@STATE)."
            )
        return cls(frozenset(names), own)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str) and name not in BY_NAME and name not in self.variants:
            raise KeyError(f"no fault named {name!r} in the catalogue")
        return name in self.names

    def __bool__(self) -> bool:
        return bool(self.names)

    @property
    def flips(self) -> tuple[Flip, ...]:
        return tuple(flip for name in sorted(self.names) if (flip := parse_flip(name)) is not None)
