"""Events about one object arrive in the order of the changes they are about (`webhook.order`).

No provider's page promises an order (Stripe's says outright that it gives none), so an event that
arrives after one about a newer state of the same object is reported as a fact a handler must bear,
like a duplicate delivery: `info`, on the later-arriving event's pseudo-operation, never breaking.
Each event (its first attempt) is matched to the change of the same object into the state its object
shows (read as conformance.checks.webhooks reads events).
"""

from __future__ import annotations

from collections.abc import Sequence

from conformance.checks.json_values import value_at
from conformance.checks.webhooks import ReadEvent, StateChange, read_event
from conformance.core.deliveries import Delivery
from conformance.core.kinds import Basis, Kind, Severity
from conformance.findings.model import Evidence, Finding, Source, make_finding
from conformance.spec.specs import Spec
from conformance.spec.webhooks import WebhookContract, pseudo_operation, webhooks_of

ORDER_CHECK = "webhook.order"


def _change_of(contract: WebhookContract, read: ReadEvent, changes: Sequence[StateChange]) -> int | None:
    """The index of the change `read` is about: the same object, entering the state its object shows."""
    object_id = value_at(read.payload, contract.correlate)
    status = value_at(read.object, "/status")
    candidates = [
        index
        for index, change in enumerate(changes)
        if change.object_id == object_id and change.state == status and change.previous != change.state
    ]
    if not candidates:
        return None
    # A state entered twice: the change nearest to the event's arrival.
    return min(candidates, key=lambda index: abs(changes[index].at - read.delivery.received_at))


def order_findings(
    spec: Spec, deliveries: Sequence[Delivery], changes: Sequence[StateChange], *, source: Source = Source.LIVE
) -> list[Finding]:
    contract = webhooks_of(spec)
    rules = contract.rules
    if rules is None:
        return []
    firsts: dict[str, ReadEvent] = {}
    for delivery in sorted(deliveries, key=lambda d: d.sequence):
        read = read_event(contract, delivery)
        if read.event_id is not None and read.name is not None:
            firsts.setdefault(read.event_id, read)
    arrived = [(read, _change_of(contract, read, changes)) for read in firsts.values()]
    found: list[Finding] = []
    for position, (later, later_change) in enumerate(arrived):
        if later_change is None:
            continue
        overtaken_by = next(
            (
                earlier
                for earlier, earlier_change in arrived[:position]
                if earlier_change is not None
                and changes[earlier_change].object_id == changes[later_change].object_id
                and changes[earlier_change].at > changes[later_change].at
            ),
            None,
        )
        if overtaken_by is None:
            continue
        found.append(
            make_finding(
                provider=contract.provider,
                operation=pseudo_operation(later.name or "?"),
                method="POST",
                path=later.delivery.path,
                kind=Kind.INVARIANT_VIOLATION,
                pointer="",
                expected=f"{later.name} before {overtaken_by.name}, in the order of the changes (no page promises it)",
                observed=f"delivery {later.delivery.sequence} after delivery {overtaken_by.delivery.sequence} "
                f"({overtaken_by.name}, about a newer state)",
                message=f"{later.name} for {changes[later_change].object_id} arrived after {overtaken_by.name}, "
                "which is about a newer state of the same invoice.",
                source=source,
                doc_ref=rules.provenance.url,
                evidence=Evidence(
                    status=later.delivery.status,
                    steps=({"delivery": later.delivery.sequence, "received_at": later.delivery.received_at},),
                ),
                severity=Severity.INFO,
                check=ORDER_CHECK,
                basis=Basis.INFERRED,
                inference="Delivery order is not documented; Stripe, whose events WooshPay copies, gives none.",
            )
        )
    return found
