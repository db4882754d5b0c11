"""A workflow scenario's webhook deliveries: what its requests changed, what arrived, and the verdict on them.

The scenario's exchanges say which invoices changed state and when (`state_changes`, the record the
webhook checks take); the receiver, or the recording beside the scenario's cassette, says what was
delivered. Both are on one clock that starts with the scenario, so a live run and its replay judge
order, timing and retries alike (conformance.checks.webhooks does the judging).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit

from conformance.cassettes.deliveries import Read, RecordedDeliveries
from conformance.checks import webhooks as checks
from conformance.checks.json_values import MISSING, value_at
from conformance.checks.lifecycle import lifecycle_of
from conformance.checks.webhook_order import order_findings
from conformance.core.deliveries import Delivery
from conformance.findings.model import Finding, Source
from conformance.scenarios.client import Exchange
from conformance.scenarios.scenario import ProviderWorkflows
from conformance.spec.specs import Spec
from conformance.spec.webhooks import WebhookContract, webhooks_of
from conformance.targets.webhook_session import WebhookSession

UNSEEN = ""  # the state before a change the scenario did not read (never a state of a lifecycle)


def documents_events(spec: Spec) -> bool:
    contract = webhooks_of(spec)
    return contract.documented and contract.rules is not None


# -- what the scenario changed --------------------------------------------------------------------------


def state_changes(
    workflows: ProviderWorkflows,
    spec: Spec,
    exchanges: Sequence[Exchange],
    times: Sequence[tuple[float, float]],
    reads: Sequence[Read] = (),
) -> list[checks.StateChange]:
    """Every invoice state the scenario's requests and the reads on arrival saw, as the webhook checks take them.

    A creation is a change when its answer arrived. An action that moved an invoice is a change at the first
    read of its new state after it (the scenario's own, or one made when an event arrived), or when its answer
    arrived when none read it: the moment the API reads the new state. A read that finds the state unchanged,
    or the state before the last change again (a read lagging behind), is an observation at the moment it was
    sent: the API read that state after then, at the earliest, which is what an early event is judged by. An
    action is named on the change it made, or failed to make (an attempt the lifecycle allows, not carried out).
    """
    lifecycle = lifecycle_of(spec)
    if lifecycle is None:
        return []
    # Every read of an invoice by id: (object, state, sent, answered).
    seen = [(r.object_id, r.state, r.sent, r.answered) for r in reads if r.state is not None]
    last: dict[str, str | None] = {}
    prior: dict[str, str | None] = {}  # the state before an invoice's last change
    changes: list[checks.StateChange] = []
    acted: list[tuple[int, float]] = []  # changes an action made, and when it was sent
    observations: list[tuple[str, str | None, float, float]] = []  # reads that changed nothing
    for exchange, (sent, answered) in zip(exchanges, times, strict=False):
        operation = exchange.operation.operation_id
        rule = lifecycle.actions.get(operation)
        base = workflows.invoice_at.get(operation)
        invoice = value_at(exchange.body, base) if base is not None and exchange.ok else MISSING
        invoice_id = invoice.get("id") if isinstance(invoice, dict) else None
        if not isinstance(invoice_id, str):
            invoice_id = _path_id(exchange) if rule is not None else None
        if invoice_id is None:
            continue
        before = last.get(invoice_id)
        if isinstance(invoice, dict):
            found = value_at(invoice, lifecycle.status)
            state = found if isinstance(found, str) else None
        else:
            state = before
        reading = exchange.method == "GET"
        if reading and state is not None:
            seen.append((invoice_id, state, sent, answered))
        created = operation == lifecycle.created.key and exchange.ok and invoice_id not in last
        action = operation if (rule is not None or created) and not reading else ""
        failed = (
            rule is not None
            and not exchange.ok
            and exchange.status < 500
            and before is not None
            and rule.allows(before)
        )
        if rule is not None and rule.deletes and exchange.ok:
            state = before  # a deletion's event shows the object as it was
        if not exchange.ok and not failed:
            continue  # a refused action changed nothing and declares nothing
        if created:
            changes.append(checks.StateChange(invoice_id, state, answered, None, action))
        elif invoice_id not in last:
            if action and rule is not None and exchange.ok and state in rule.to:
                # First seen through the action that moved it, from a state the scenario never read.
                acted.append((len(changes), sent))
                changes.append(checks.StateChange(invoice_id, state, answered, UNSEEN, action))
            else:
                # First seen by a read: an observation; its events (if any) came before the scenario saw it.
                observations.append((invoice_id, state, sent, answered))
        elif reading and state != before and state == prior.get(invoice_id):
            observations.append((invoice_id, state, sent, answered))  # a read lagging behind
            continue
        else:
            moved = state != before
            if moved and action:
                acted.append((len(changes), sent))
            if moved or action:
                changes.append(checks.StateChange(invoice_id, state, answered, before, action, failed))
            else:
                observations.append((invoice_id, state, sent, answered))
            if moved:
                prior[invoice_id] = before
        last[invoice_id] = state
    for index, sent in acted:
        change = changes[index]
        later = [c.at for c in changes[index + 1 :] if c.object_id == change.object_id and c.previous != c.state]
        until = min(later, default=float("inf"))
        # A read that shows the new state was made after the change, however early it was sent.
        first = [a for obj, st, _, a in seen if obj == change.object_id and st == change.state and sent <= a < until]
        if first:
            changes[index] = replace(change, at=min(first))
    # What reads found unchanged, and what the reads on arrival saw: observations, each at the moment it was
    # sent, but never before the change that produced the state it shows (a slow read happened after that).
    observations += [(r.object_id, r.state, r.sent, r.answered) for r in reads if r.state is not None]
    for object_id, state, sent, answered in observations:
        made = [c.at for c in changes if c.object_id == object_id and c.state == state and c.previous != state]
        produced = max((at for at in made if at <= answered), default=sent)
        changes.append(checks.StateChange(object_id, state, max(sent, produced), state, ""))
    return changes


def _path_id(exchange: Exchange) -> str | None:
    """The invoice id of an action answered without the invoice (a refused attempt, a deletion): its path's."""
    parts = re.split(r"\{[^}]+\}", exchange.operation.path)
    if len(parts) != 2:
        return None
    match = re.search(re.escape(parts[0]) + "([^/]+)" + re.escape(parts[1]) + "$", urlsplit(exchange.url).path)
    return unquote(match.group(1)) if match else None


# -- what arrived ---------------------------------------------------------------------------------------


def relative_times(
    exchanges: Sequence[Exchange], session: WebhookSession, start: float
) -> tuple[tuple[float, float], ...]:
    return tuple(
        (
            round(session.receiver.clock_of(e.sent_at) - start, 6),
            round(session.receiver.clock_of(e.answered_at) - start, 6),
        )
        for e in exchanges
    )


def received(
    session: WebhookSession,
    mark: int,
    start: float,
    workflows: ProviderWorkflows,
    spec: Spec,
    exchanges: Sequence[Exchange],
) -> RecordedDeliveries:
    """Wait for the scenario's deliveries (its expected events, the retry of a refused attempt), then take
    them on the scenario's clock: sequence from 0, seconds since the scenario started."""
    times = relative_times(exchanges, session, start)
    changes = state_changes(workflows, spec, exchanges, times)
    contract = webhooks_of(spec)
    due = {
        (change.object_id, emission.event)
        for change in changes
        for emission in contract.emitted_by(
            created=change.created,
            previous=change.previous,
            state=change.state,
            action=change.action,
            failed=change.failed,
        )
    }

    def arrived(deliveries: list[Delivery]) -> bool:
        return due <= {(_object_id(contract, d), checks.read_event(contract, d).name) for d in deliveries}

    def retried(deliveries: list[Delivery]) -> bool:
        refused = {
            checks.read_event(contract, d).event_id for d in deliveries if d.status is not None and d.status >= 500
        }
        acknowledged = {
            checks.read_event(contract, d).event_id
            for d in deliveries
            if d.status is not None and contract.rules is not None and contract.rules.acknowledges(d.status)
        }
        return refused <= acknowledged

    session.settle(mark, arrived, retried, extra=retry_wait(spec, session.time_scale))
    # Once everything arrived, each invoice is read once more: the state the API settled on.
    for object_id in dict.fromkeys(change.object_id for change in changes):
        session.read_now(object_id)
    end = session.receiver.now()
    deliveries = tuple(
        replace(d, sequence=i, received_at=round(d.received_at - start, 6))
        for i, d in enumerate(session.receiver.since(mark))
    )
    reads = tuple(
        replace(r, delivery=r.delivery - mark, sent=round(r.sent - start, 6), answered=round(r.answered - start, 6))
        for r in session.reads_since(mark)
    )
    verified = tuple(verify(spec, d, session.keys) for d in deliveries)
    return RecordedDeliveries(
        deliveries=deliveries,
        verified=verified,
        exchanges=times,
        time_scale=session.time_scale,
        observed_until=round(end - start, 6),
        reads=reads,
    )


def retry_wait(spec: Spec, time_scale: float) -> float:
    """How long past the timeout a refused first attempt is waited on: its declared retry, with the checks'
    tolerance (a retry that does not come by then is reported)."""
    rules = webhooks_of(spec).rules
    delay = rules.retries.delay_after(0) if rules is not None else None
    return 0.0 if delay is None else delay * time_scale * (1 + checks.TOLERANCE) + checks.SLACK + 0.25


def _object_id(contract: WebhookContract, delivery: Delivery) -> Any:
    return value_at(checks.read_event(contract, delivery).payload, contract.correlate)


def verify(spec: Spec, delivery: Delivery, keys: Mapping[str, str]) -> bool | None:
    """Whether the delivery's signature verifies (None: no scheme declared, or nothing to verify it with)."""
    rules = webhooks_of(spec).rules
    if rules is None or rules.signature is None:
        return None
    key = _key_for(rules.signature.scheme, keys)
    if not key:
        return None
    return not checks.signature_findings(spec, delivery, key=key)


def _key_for(scheme: str, keys: Mapping[str, str]) -> str | None:
    return keys.get("secret") if scheme == "hmac-sha256" else keys.get("public_key")


# -- the verdict ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    findings: list[Finding]
    events: tuple[str, ...] | None  # documented events observed, in order of first arrival (None: not received)


def judge(
    workflows: ProviderWorkflows,
    spec: Spec,
    recorded: RecordedDeliveries,
    exchanges: Sequence[Exchange],
    *,
    timeout: float,
    source: Source,
    evidence: str | None = None,
) -> Verdict:
    """Every webhook check over a scenario's deliveries; a signature is judged by its recorded verification."""
    if not recorded.received:
        return Verdict([], None)
    changes = state_changes(workflows, spec, exchanges, recorded.exchanges, recorded.reads)
    deliveries = list(recorded.deliveries)
    found = checks.judge_deliveries(
        spec,
        deliveries,
        changes=changes,
        signing_key=None,
        timeout=timeout,
        time_scale=recorded.time_scale,
        observed_until=recorded.observed_until,
        source=source,
    )
    found.extend(order_findings(spec, deliveries, changes, source=source))
    padded = list(recorded.verified) + [None] * (len(deliveries) - len(recorded.verified))
    for delivery, verified in zip(deliveries, padded, strict=True):
        if verified is False:
            found.extend(_unverified(spec, delivery, source))
    if evidence is not None:
        found = [replace(f, evidence=replace(f.evidence, cassette=evidence, interaction=_sequence(f))) for f in found]
    contract = webhooks_of(spec)
    names = (checks.read_event(contract, d).name for d in deliveries)
    events = tuple(dict.fromkeys(n for n in names if n is not None and n in contract.events))
    return Verdict(found, events)


def _sequence(finding: Finding) -> int | None:
    steps = finding.evidence.steps or ()
    first = steps[0] if steps else None
    value = first.get("delivery") if isinstance(first, Mapping) else None
    return value if isinstance(value, int) else None


def _unverified(spec: Spec, delivery: Delivery, source: Source) -> list[Finding]:
    """The finding of a signature that did not verify when it arrived: judged again with a key that cannot
    verify it, which gives the same finding (the real key was never written down)."""
    rules = webhooks_of(spec).rules
    if rules is None or rules.signature is None:
        return []
    key = _REPLAY_HMAC_KEY if rules.signature.scheme == "hmac-sha256" else _replay_public_key()
    return checks.signature_findings(spec, delivery, key=key, source=source)


_REPLAY_HMAC_KEY = "\x00conformance-replay-key-that-verifies-nothing\x00"


@cache
def _replay_public_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
