"""Judging webhook deliveries against a provider's webhook contract (conformance.spec.webhooks).

Every function takes what a receiver saw (`Delivery` records, conformance.core.deliveries) and returns
findings on the pseudo-operation of the event (`webhook invoice.paid`), with `webhook.*` check ids and
the basis of the expectation (an inferred rule never breaks by default: the gate grades it).

- `payload_findings`: one delivery against its event's schema (by content type, a form's `data=` too),
  its envelope, the event name and the declared headers;
- `signature_findings`: the signature verifies, where the contract declares one;
- `emission_findings`: every state change that declares an event produced it exactly once per event id
  within the timeout, showing the same object id and the state the API read at that moment;
- `redelivery_findings`: deliveries of one event id carry the same body;
- `retry_findings`: the attempts of one event follow the declared schedule, within tolerance;
- `judge_deliveries`: all of the above over a run's deliveries.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qs

from conformance.checks.json_values import MISSING, value_at
from conformance.core import pointers, secrets
from conformance.core.deliveries import Delivery
from conformance.core.kinds import Basis, Kind, Severity
from conformance.findings.model import Evidence, Finding, Source, make_finding
from conformance.spec.specs import Spec
from conformance.spec.validation import show, violations
from conformance.spec.webhooks import FORM, Emission, Grounds, WebhookContract, pseudo_operation, webhooks_of

PAYLOAD_CHECK = "webhook.payload"
CONTENT_TYPE_CHECK = "webhook.content_type"
NAME_CHECK = "webhook.event_name"
HEADERS_CHECK = "webhook.headers"
SIGNATURE_CHECK = "webhook.signature"
EMITTED_CHECK = "webhook.emitted"
ONCE_CHECK = "webhook.once"
STATE_CHECK = "webhook.state"
EARLY_CHECK = "webhook.early"
DUPLICATE_CHECK = "webhook.duplicate"
OBJECT_CHECK = "webhook.object"
REDELIVERY_CHECK = "webhook.redelivery"
RETRY_CHECK = "webhook.retries"

# A provider's clock and the receiver's differ; an event is "on time" up to this, in observed seconds.
DEFAULT_TIMEOUT = 30.0
# Retries: an interval within ±TOLERANCE of the declared one (scaled), plus SLACK seconds of jitter.
TOLERANCE = 0.5
SLACK = 0.25


@dataclass(frozen=True)
class StateChange:
    """One observed change of an object, as the lifecycle or a workflow saw it through the API.

    `at` is on the clock of `Delivery.received_at` (the receiver's): the moment the API first read the new
    state (for an action: when its answer arrived).
    """

    object_id: str
    state: str | None  # the state the API read after the change (for a deletion: the state before it)
    at: float
    # The state before; None when this change created the object. A read that found no change (previous ==
    # state) declares no event: it is an observation the early check uses.
    previous: str | None = None
    action: str = ""  # the operationId that made the change ("" when none did: a payment, a cycle)
    failed: bool = False  # the action was answered with a failure (a refused payment attempt)

    @property
    def created(self) -> bool:
        return self.previous is None


@dataclass(frozen=True)
class ReadEvent:
    """What a delivery carries, decoded: None fields when the body does not say."""

    delivery: Delivery
    payload: Any  # the decoded event (the JSON a form field carries, for a form body)
    event_id: str | None
    name: str | None
    object: Any


def _at(document: Any, pointer: str) -> Any:
    found = value_at(document, pointer)
    return None if found is MISSING else found


def decode(contract: WebhookContract, delivery: Delivery) -> Any:
    """The event a delivery carries (JSON, or a form whose declared field holds JSON); None when unreadable."""
    form_fields = {b.form_field for e in contract.events.values() for b in e.bodies if b.form_field}
    try:
        text = delivery.body.decode("utf-8")
        if delivery.content_type == FORM:
            fields = parse_qs(text, keep_blank_values=True)
            carried = next((fields[f][0] for f in sorted(form_fields) if f in fields), None)
            return None if carried is None else json.loads(carried)
        return json.loads(text)
    except (UnicodeDecodeError, ValueError):
        return None


def read_event(contract: WebhookContract, delivery: Delivery) -> ReadEvent:
    payload = decode(contract, delivery)
    rules = contract.rules
    if rules is None or not isinstance(payload, Mapping):
        return ReadEvent(delivery, payload, None, None, None)
    event_id, name = _at(payload, rules.id_pointer), _at(payload, rules.name_pointer)
    return ReadEvent(
        delivery,
        payload,
        event_id if isinstance(event_id, str) else None,
        name if isinstance(name, str) else None,
        _at(payload, rules.object_pointer),
    )


def _evidence(delivery: Delivery, event_id: str | None = None, instance_pointer: str | None = None) -> Evidence:
    # The receiver's answer is the step's, not the evidence's status (that is a provider's answer everywhere else).
    step: dict[str, Any] = {
        "delivery": delivery.sequence,
        "received_at": delivery.received_at,
        "answered": delivery.status,
    }
    if event_id:
        step["event_id"] = event_id
    return Evidence(steps=(step,), instance_pointer=instance_pointer)


def _finding(
    contract: WebhookContract,
    event: str,
    *,
    kind: Kind,
    check: str,
    pointer: str,
    expected: str,
    observed: str,
    message: str,
    grounds: Grounds,
    source: Source,
    evidence: Evidence,
    path: str = "",
    basis: Basis | None = None,
    inference: str | None = None,
    severity: Severity | None = None,
) -> Finding:
    return make_finding(
        provider=contract.provider,
        operation=pseudo_operation(event),
        method="POST",
        path=path,
        kind=kind,
        pointer=pointer,
        expected=expected,
        observed=observed,
        message=message,
        source=source,
        doc_ref=grounds.url,
        evidence=evidence,
        check=check,
        basis=basis if basis is not None else grounds.basis,
        inference=inference if inference is not None else grounds.inference,
        severity=severity,
    )


# -- one delivery ----------------------------------------------------------------------------------------


def payload_findings(spec: Spec, delivery: Delivery, *, source: Source = Source.LIVE) -> list[Finding]:
    """One delivery against the contract: content type, envelope, event name, payload schema, headers."""
    contract = webhooks_of(spec)
    rules = contract.rules
    if rules is None:
        return []
    read = read_event(contract, delivery)
    event_name = read.name or "?"
    event = contract.event(read.name) if read.name else None
    grounds = event.provenance if event else rules.provenance
    evidence = _evidence(delivery, read.event_id)
    common = {"grounds": grounds, "source": source, "evidence": evidence, "path": delivery.path}
    found: list[Finding] = []
    declared = sorted({b.content_type for e in contract.events.values() for b in e.bodies})
    if read.payload is None:
        return [
            _finding(
                contract,
                event_name,
                kind=Kind.CONTENT_TYPE,
                check=CONTENT_TYPE_CHECK,
                pointer="",
                expected=f"a body of {' or '.join(declared)} carrying the event",
                observed=f"{delivery.content_type or 'no content type'}: {show(delivery.body[:120].decode('utf-8', 'replace'))}",
                message="A delivery's body cannot be read as an event of the declared content types.",
                **common,  # type: ignore[arg-type]
            )
        ]
    if read.name is None or event is None:
        found.append(
            _finding(
                contract,
                event_name,
                kind=Kind.ENUM_VIOLATION,
                check=NAME_CHECK,
                pointer=rules.name_pointer,
                expected=f"one of the documented events ({', '.join(sorted(contract.events))})",
                observed=show(_at(read.payload, rules.name_pointer)),
                message=f"A delivery names an event the documentation does not list: {show(read.name)}.",
                **common,  # type: ignore[arg-type]
            )
        )
        return found
    api_version = delivery.header("api_version")
    wanted = rules.content_type_for(api_version) if api_version is not None else None
    body = event.body(delivery.content_type)
    if body is None or (wanted is not None and wanted != delivery.content_type):
        found.append(
            _finding(
                contract,
                event.name,
                kind=Kind.CONTENT_TYPE,
                check=CONTENT_TYPE_CHECK,
                pointer="",
                expected=wanted or " or ".join(b.content_type for b in event.bodies),
                observed=delivery.content_type or "no content type",
                message=(
                    f"{event.name} was delivered as {delivery.content_type or 'no content type'}"
                    + (f", which API version {api_version} does not send" if wanted else ", which is not declared")
                    + "."
                ),
                grounds=rules.provenance,
                source=source,
                evidence=evidence,
                path=delivery.path,
            )
        )
    schema_pointer = (body or event.bodies[0]).schema_pointer
    for violation in violations(spec.validator(schema_pointer, strict=True), read.payload):
        inferred = violation.basis is Basis.INFERRED or grounds.basis is Basis.INFERRED
        found.append(
            _finding(
                contract,
                event.name,
                kind=violation.kind,
                check=PAYLOAD_CHECK,
                pointer=violation.pointer,
                expected=violation.expected,
                observed=violation.observed,
                message=(
                    f"The {event.name} payload {violation.kind.value.replace('_', ' ')} at {violation.pointer or '/'}"
                    + (" (the spec's inference, not a documented promise)." if inferred else ".")
                ),
                grounds=grounds,
                source=source,
                evidence=_evidence(delivery, read.event_id, violation.instance_pointer or None),
                path=delivery.path,
                basis=Basis.INFERRED if inferred else Basis.DOCUMENTED,
                inference=violation.inference or grounds.inference or (rules.provenance.inference if inferred else ""),
            )
        )
    found.extend(_header_findings(spec, contract, event.name, delivery, read, source))
    return found


def _header_findings(
    spec: Spec, contract: WebhookContract, name: str, delivery: Delivery, read: ReadEvent, source: Source
) -> Iterator[Finding]:
    event = contract.events[name]
    for header in event.headers:
        value = delivery.header(header.name)
        pointer = pointers.join("headers", header.name)
        grounds = event.provenance
        if value is None:
            if header.required:
                yield _finding(
                    contract,
                    name,
                    kind=Kind.MISSING_FIELD,
                    check=HEADERS_CHECK,
                    pointer=pointer,
                    expected=f"header {header.name}",
                    observed="absent",
                    message=f"A {name} delivery lacks the header {header.name}.",
                    grounds=grounds,
                    source=source,
                    evidence=_evidence(delivery, read.event_id),
                    path=delivery.path,
                )
            continue
        for violation in violations(spec.validator(header.schema_pointer), value):
            yield _finding(
                contract,
                name,
                kind=violation.kind,
                check=HEADERS_CHECK,
                pointer=pointer,
                expected=violation.expected,
                observed=violation.observed,
                message=f"A {name} delivery's header {header.name} does not match its schema.",
                grounds=grounds,
                source=source,
                evidence=_evidence(delivery, read.event_id),
                path=delivery.path,
                basis=violation.basis if grounds.basis is Basis.DOCUMENTED else Basis.INFERRED,
                inference=violation.inference or grounds.inference,
            )


# -- signatures -------------------------------------------------------------------------------------------


def hmac_signature_header(secret: str, body: bytes, timestamp: int) -> str:
    """Stripe's scheme: t=<unix>,v1=<hex HMAC-SHA256 keyed with the secret over "<t>.<raw body>">."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _hmac_verifies(header: str, body: bytes, secret: str) -> bool:
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in parts if k.strip() == "t"]
    signatures = [v.strip() for k, v in parts if k.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or not signatures:
        return False
    expected = hmac_signature_header(secret, body, int(stamps[0])).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, s) for s in signatures)


def _rsa_verifies(header: str, body: bytes, public_key_pem: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(base64.b64decode(header, validate=True), body, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def signature_findings(
    spec: Spec, delivery: Delivery, *, key: str | None, source: Source = Source.LIVE
) -> list[Finding]:
    """The delivery's signature verifies with `key` (WooshPay: the endpoint secret, registered as a secret
    so nothing writes it; UseePay: the public key PEM). No key, or no declared scheme: nothing to judge."""
    contract = webhooks_of(spec)
    rules = contract.rules
    if rules is None or rules.signature is None or not key:
        return []
    signature = rules.signature
    if signature.scheme == "hmac-sha256":
        secrets.register([key])
    read = read_event(contract, delivery)
    value = delivery.header(signature.header)
    if value is None:
        ok, observed = False, "no signature header"
    elif signature.scheme == "hmac-sha256":
        ok, observed = _hmac_verifies(value, delivery.body, key), "a signature that does not verify"
    else:
        ok, observed = _rsa_verifies(value, delivery.body, key), "a signature that does not verify"
    if ok:
        return []
    return [
        _finding(
            contract,
            read.name or "?",
            kind=Kind.INVARIANT_VIOLATION,
            check=SIGNATURE_CHECK,
            pointer=pointers.join("headers", signature.header),
            expected=f"{signature.scheme} over {signature.signed}, verified with {signature.key}",
            observed=observed,
            message=f"A {read.name or 'webhook'} delivery's {signature.header} header does not verify ({signature.scheme}).",
            grounds=signature.provenance,
            source=source,
            evidence=_evidence(delivery, read.event_id),
            path=delivery.path,
        )
    ]


# -- sequences of deliveries -------------------------------------------------------------------------------


def _by_id(reads: Iterable[ReadEvent]) -> dict[str, list[ReadEvent]]:
    grouped: dict[str, list[ReadEvent]] = {}
    for read in reads:
        if read.event_id is not None:
            grouped.setdefault(read.event_id, []).append(read)
    return grouped


def redelivery_findings(spec: Spec, deliveries: Sequence[Delivery], *, source: Source = Source.LIVE) -> list[Finding]:
    """A redelivery (same event id) carries the same event: the same decoded payload."""
    contract = webhooks_of(spec)
    if contract.rules is None:
        return []
    found: list[Finding] = []
    for event_id, reads in _by_id(read_event(contract, d) for d in deliveries).items():
        first = reads[0]
        for earlier, later in pairwise(reads):
            if contract.rules.acknowledges(earlier.delivery.status) and later.payload == first.payload:
                # At-least-once delivery allows it: reported as a fact a handler must bear, never breaking.
                found.append(
                    _finding(
                        contract,
                        first.name or "?",
                        kind=Kind.INVARIANT_VIOLATION,
                        check=DUPLICATE_CHECK,
                        pointer="",
                        expected="no delivery after an acknowledged one (at-least-once delivery allows it)",
                        observed=f"delivery {later.delivery.sequence} after acknowledged delivery {earlier.delivery.sequence}",
                        message=f"Event {event_id} was delivered again after it was acknowledged.",
                        grounds=contract.rules.provenance,
                        source=source,
                        evidence=_evidence(later.delivery, event_id),
                        path=later.delivery.path,
                        severity=Severity.INFO,
                    )
                )
        for later in reads[1:]:
            if later.payload != first.payload:
                found.append(
                    _finding(
                        contract,
                        first.name or "?",
                        kind=Kind.INVARIANT_VIOLATION,
                        check=REDELIVERY_CHECK,
                        pointer="",
                        expected=f"the body of delivery {first.delivery.sequence} again",
                        observed=f"another body in delivery {later.delivery.sequence}",
                        message=f"Event {event_id} was delivered again with another body.",
                        grounds=contract.rules.provenance,
                        source=source,
                        evidence=_evidence(later.delivery, event_id),
                        path=later.delivery.path,
                    )
                )
    return found


def retry_findings(
    spec: Spec,
    attempts: Sequence[Delivery],
    *,
    time_scale: float = 1.0,
    observed_until: float | None = None,
    tolerance: float = TOLERANCE,
    slack: float = SLACK,
    source: Source = Source.LIVE,
) -> list[Finding]:
    """The attempts of one event (same id, by arrival) follow the declared schedule.

    After an attempt the receiver did not acknowledge, the next must come after the declared delay
    (`time_scale` compresses it, e.g. 0.001 for a double), within ±`tolerance` of it plus `slack`
    seconds; no attempt may follow an acknowledged one on the schedule's account (a redelivery is
    judged by `redelivery_findings`), and when the receiver watched until `observed_until`, a due
    retry must have come.
    """
    contract = webhooks_of(spec)
    rules = contract.rules
    if rules is None or not attempts:
        return []
    ordered = sorted(attempts, key=lambda d: (d.received_at, d.sequence))
    read = read_event(contract, ordered[0])
    schedule = rules.retries
    grounds = schedule.provenance
    found: list[Finding] = []

    def finding(delivery: Delivery, expected: str, observed: str, message: str) -> Finding:
        return _finding(
            contract,
            read.name or "?",
            kind=Kind.INVARIANT_VIOLATION,
            check=RETRY_CHECK,
            pointer="",
            expected=expected,
            observed=observed,
            message=message,
            grounds=grounds,
            source=source,
            evidence=_evidence(delivery, read.event_id),
            path=delivery.path,
        )

    unacknowledged = 0  # attempts so far without an acknowledgement
    for index, (earlier, later) in enumerate(pairwise(ordered)):
        if rules.acknowledges(earlier.status):
            unacknowledged = 0
            continue
        delay = schedule.delay_after(unacknowledged)
        unacknowledged += 1
        gap = later.received_at - earlier.received_at
        if delay is None:
            found.append(
                finding(
                    later,
                    f"no attempt after {len(schedule.delays) + 1} (the schedule gives up)",
                    f"attempt {index + 2} after {gap:.3f} s",
                    f"Event {read.event_id} was attempted more often than the declared schedule allows.",
                )
            )
            continue
        due = delay * time_scale
        low, high = due * (1 - tolerance) - slack, due * (1 + tolerance) + slack
        if not low <= gap <= high:
            found.append(
                finding(
                    later,
                    f"the next attempt {due:.3f} s after an unacknowledged one (±{tolerance:.0%}, +{slack} s)",
                    f"{gap:.3f} s",
                    f"Event {read.event_id} was retried {'too early' if gap < low else 'too late'} after an "
                    f"unacknowledged attempt ({gap:.3f} s, declared {due:.3f} s).",
                )
            )
    last = ordered[-1]
    if observed_until is not None and not rules.acknowledges(last.status):
        delay = schedule.delay_after(unacknowledged)
        if delay is not None and observed_until - last.received_at > delay * time_scale * (1 + tolerance) + slack:
            found.append(
                finding(
                    last,
                    f"another attempt {delay * time_scale:.3f} s after the unacknowledged attempt {len(ordered)}",
                    f"none in {observed_until - last.received_at:.3f} s",
                    f"Event {read.event_id} was not retried after an unacknowledged attempt.",
                )
            )
    return found


def emission_findings(
    spec: Spec,
    deliveries: Sequence[Delivery],
    changes: Sequence[StateChange],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    source: Source = Source.LIVE,
) -> list[Finding]:
    """Every change that declares an event produced it exactly once (one event id, however often it was
    redelivered) within `timeout` of the change, about the same object, showing the state the API read then;
    and never before the API read the new state."""
    contract = webhooks_of(spec)
    rules = contract.rules
    if rules is None:
        return []
    reads = [read_event(contract, d) for d in deliveries]
    found: list[Finding] = []
    for change in changes:
        for emission in contract.emitted_by(
            created=change.created,
            previous=change.previous,
            state=change.state,
            action=change.action,
            failed=change.failed,
        ):
            found.extend(_one_emission(contract, emission, change, reads, changes, timeout, source))
    return found


def _one_emission(
    contract: WebhookContract,
    emission: Emission,
    change: StateChange,
    reads: Sequence[ReadEvent],
    changes: Sequence[StateChange],
    timeout: float,
    source: Source,
) -> Iterator[Finding]:
    shows = emission.shows or change.state
    what = f"{emission.event} for {change.object_id}"

    def finding(check: str, expected: str, observed: str, message: str, delivery: Delivery | None) -> Finding:
        evidence = _evidence(delivery) if delivery else Evidence(steps=({"change": asdict(change)},))
        return _finding(
            contract,
            emission.event,
            kind=Kind.INVARIANT_VIOLATION,
            check=check,
            pointer="",
            expected=expected,
            observed=observed,
            message=message,
            grounds=emission.provenance,
            source=source,
            evidence=evidence,
            path=delivery.path if delivery else "",
        )

    mine = [r for r in reads if r.name == emission.event and _at(r.payload, contract.correlate) == change.object_id]
    window = [r for r in mine if change.at - timeout <= r.delivery.received_at <= change.at + timeout]
    if not window:
        yield finding(
            EMITTED_CHECK,
            f"{emission.event} about {change.object_id} within {timeout:g} s of the change",
            "no such delivery" if not mine else f"{len(mine)} outside the window",
            f"The change of {change.object_id} to {change.state} declares {emission.event}; none arrived within "
            f"{timeout:g} s.",
            None,
        )
        return
    # The object must show the state the API read after the change (a state entered twice emits twice:
    # each change claims the events that show its state).
    matching = [r for r in window if _status(r.object) in (shows, None)]
    if not matching:
        nearest = min(window, key=lambda r: abs(r.delivery.received_at - change.at))
        yield finding(
            STATE_CHECK,
            f"the object showing {shows}, as the API read it",
            str(_status(nearest.object)),
            f"{what} shows the object as {_status(nearest.object)}, not {shows} as the API read it.",
            nearest.delivery,
        )
        return
    ids = list(dict.fromkeys(r.event_id for r in matching))
    if len(ids) > 1:
        yield finding(
            ONCE_CHECK,
            f"one {emission.event} (one event id) for the change",
            f"{len(ids)} event ids: {', '.join(str(i) for i in ids)}",
            f"One change of {change.object_id} produced {emission.event} {len(ids)} times under different ids.",
            matching[-1].delivery,
        )
    first = min(matching, key=lambda r: r.delivery.received_at)
    # Early: after the event arrived, the API still read another state (a read recorded as a StateChange
    # whose state did not change, or the previous change).
    stale = [
        c
        for c in changes
        if c.object_id == change.object_id
        and first.delivery.received_at <= c.at < change.at
        and c.state != shows
        and c.state is not None
    ]
    if stale and shows is not None:
        yield finding(
            EARLY_CHECK,
            f"{what} once the API reads {shows}",
            f"the API read {stale[0].state} {stale[0].at - first.delivery.received_at:.3f} s after the event arrived",
            f"{what} arrived before the API read the invoice as {shows}.",
            first.delivery,
        )


def _status(obj: Any) -> str | None:
    value = obj.get("status") if isinstance(obj, Mapping) else None
    return value if isinstance(value, str) else None


# -- everything -------------------------------------------------------------------------------------------


def judge_deliveries(
    spec: Spec,
    deliveries: Sequence[Delivery],
    *,
    changes: Sequence[StateChange] = (),
    signing_key: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    time_scale: float = 1.0,
    observed_until: float | None = None,
    source: Source = Source.LIVE,
) -> list[Finding]:
    """Every webhook check over one provider's deliveries (one receiver's, in arrival order)."""
    contract = webhooks_of(spec)
    if contract.rules is None:
        return []
    found: list[Finding] = []
    for delivery in deliveries:
        found.extend(payload_findings(spec, delivery, source=source))
        found.extend(signature_findings(spec, delivery, key=signing_key, source=source))
    found.extend(redelivery_findings(spec, deliveries, source=source))
    for attempts in _by_id(read_event(contract, d) for d in deliveries).values():
        found.extend(
            retry_findings(
                spec,
                [r.delivery for r in attempts],
                time_scale=time_scale,
                observed_until=observed_until,
                source=source,
            )
        )
    found.extend(emission_findings(spec, deliveries, changes, timeout=timeout, source=source))
    return found
