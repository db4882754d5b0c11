"""A provider's webhook contract, read from its spec: the events (`webhooks`), what each state change emits
(`x-lifecycle.emits`) and how events are delivered (`x-webhook-delivery`).

The one place the contract is read: the webhook checks, the judge, coverage, the comparison and the doubles'
emitters all ask this module. A spec without `webhooks` has an empty contract (`documented` is False): its
events are "not documented", never "all observed". A declaration that does not hold together is a
UsageError (exit 2) naming what to fix.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conformance.core import pointers
from conformance.core.errors import UsageError
from conformance.core.kinds import Basis

if TYPE_CHECKING:  # `drift --spec` names pseudo-operations without loading the spec model (its import is slow)
    from conformance.spec.specs import Spec

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
SIGNATURE_SCHEMES = ("hmac-sha256", "rsa-pkcs1v15-sha256")


def pseudo_operation(event: str) -> str:
    """The operation a finding about an event is filed under (interfaces.md): `webhook invoice.paid`."""
    return f"webhook {event}"


@dataclass(frozen=True)
class Grounds:
    """Where an expectation comes from: a page (documented) or the spec's reading (inferred, with why)."""

    status: str  # documented | partial | inferred
    url: str
    reason: str

    @property
    def basis(self) -> Basis:
        return Basis.INFERRED if self.status == "inferred" else Basis.DOCUMENTED

    @property
    def inference(self) -> str:
        return " ".join(self.reason.split()) if self.status == "inferred" else ""


@dataclass(frozen=True)
class Header:
    name: str  # lower-case, as a Delivery keeps header names
    required: bool
    schema_pointer: str


@dataclass(frozen=True)
class Body:
    content_type: str
    schema_pointer: str  # the event's schema (for a form body: the schema of the JSON its field carries)
    form_field: str = ""  # the form field that carries the event as JSON ("" for a JSON body)


@dataclass(frozen=True)
class WebhookEvent:
    name: str
    pointer: str  # the webhook's operation in the spec, e.g. /webhooks/invoice.paid/post
    bodies: tuple[Body, ...]
    headers: tuple[Header, ...]
    acknowledged_by: tuple[str, ...]  # response keys: "200", "2XX"
    provenance: Grounds

    @property
    def operation(self) -> str:
        return pseudo_operation(self.name)

    def body(self, content_type: str) -> Body | None:
        return next((b for b in self.bodies if b.content_type == content_type), None)


@dataclass(frozen=True)
class Emission:
    """One line of `x-lifecycle.emits.rules`: which change emits `event`, and the state its object must show."""

    event: str
    created: bool = False  # the object's creation
    enters: str = ""  # the object entering this state, however it got there
    action: str = ""  # this operationId performed (the state may not change)
    failed: bool = False  # with `action`: only when the action failed (a refused payment)
    shows: str = ""  # the state the event's object must show ("" = the state the change left it in)
    provenance: Grounds = field(default_factory=lambda: Grounds("documented", "", ""))


@dataclass(frozen=True)
class RetrySchedule:
    """Seconds between one attempt and the next while the receiver does not acknowledge."""

    delays: tuple[float, ...]
    provenance: Grounds

    def delay_after(self, attempt: int) -> float | None:
        """The wait after attempt number `attempt` (0 = the first post); None when the provider gives up."""
        return self.delays[attempt] if attempt < len(self.delays) else None


@dataclass(frozen=True)
class Signature:
    scheme: str  # hmac-sha256 (Stripe's t=,v1= header) | rsa-pkcs1v15-sha256 (base64 over the raw body)
    header: str  # lower-case
    signed: str  # what is signed, as the spec words it
    key: str  # what verifies it, as the spec words it
    provenance: Grounds


@dataclass(frozen=True)
class ContentTypeRule:
    api_version: str  # "*" = every other version
    content_type: str


@dataclass(frozen=True)
class DeliveryRules:
    id_pointer: str  # where an event's id is in the payload
    name_pointer: str  # where its name is
    object_pointer: str  # where the object it is about is
    content_types: tuple[ContentTypeRule, ...]
    acknowledged_by: tuple[str, ...]
    retries: RetrySchedule
    signature: Signature | None
    provenance: Grounds

    def content_type_for(self, api_version: str | None) -> str | None:
        """The content type a notification of `api_version` is sent with (None: not declared)."""
        for rule in self.content_types:
            if rule.api_version == api_version:
                return rule.content_type
        return next((r.content_type for r in self.content_types if r.api_version == "*"), None)

    def acknowledges(self, status: int | None) -> bool:
        return status is not None and any(_status_in(status, key) for key in self.acknowledged_by)


@dataclass(frozen=True)
class WebhookContract:
    provider: str
    events: Mapping[str, WebhookEvent]
    emissions: tuple[Emission, ...]
    correlate: str  # pointer to the object's id in an event's payload
    rules: DeliveryRules | None
    defects: tuple[str, ...] = ()  # ids of the doc defects about events (for "not documented")

    @property
    def documented(self) -> bool:
        return bool(self.events)

    def event(self, name: str) -> WebhookEvent | None:
        return self.events.get(name)

    def emitted_by(
        self, *, created: bool, previous: str | None, state: str | None, action: str, failed: bool
    ) -> Iterator[Emission]:
        """The declared emissions of one change."""
        for emission in self.emissions:
            if emission.created:
                fires = created
            elif emission.enters:
                fires = state == emission.enters and (created or previous != state)
            else:
                fires = action == emission.action and emission.failed == failed
            if fires:
                yield emission

    def to_json(self) -> dict[str, Any]:
        """What reports need (findings.json context): the events, and how they are delivered."""
        rules = self.rules
        delivery: dict[str, Any] = {}
        if rules is not None:
            delivery = {
                "signature": (
                    {
                        "scheme": rules.signature.scheme,
                        "header": rules.signature.header,
                        "basis": str(rules.signature.provenance.basis),
                    }
                    if rules.signature
                    else None
                ),
                "acknowledgement": list(rules.acknowledged_by),
                "retries": [int(d) if d.is_integer() else d for d in rules.retries.delays],
                "retries_basis": str(rules.retries.provenance.basis),
                "basis": str(rules.provenance.basis),
            }
        return {
            "documented": self.documented,
            "events": sorted(self.events),
            "content_types": sorted({b.content_type for e in self.events.values() for b in e.bodies}),
            **delivery,
            "defects": list(self.defects),
        }


def _status_in(status: int, key: str) -> bool:
    key = str(key).upper()
    if len(key) == 3 and key.endswith("XX") and key[0].isdigit():
        return status // 100 == int(key[0])
    return key.isdigit() and int(key) == status


class _Reader:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec

    def fail(self, where: str, problem: str) -> UsageError:
        return UsageError(f"spec {self.spec.path}: {where} {problem}; fix the declaration there.")

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(where, "must be a mapping")
        return value

    def provenance(self, value: Any, where: str, default: Grounds | None = None) -> Grounds:
        if value is None and default is not None:
            return default
        raw = self.mapping(value, where)
        status = str(raw.get("status") or "")
        if status not in ("documented", "partial", "inferred"):
            raise self.fail(f"{where}.status", "must be documented, partial or inferred")
        reason = " ".join(str(raw.get("reason") or "").split())
        if status == "inferred" and not reason:
            raise self.fail(f"{where}.reason", "must say why the rule is inferred")
        return Grounds(status, str(raw.get("url") or ""), reason)

    def operation_provenance(self, raw: Mapping[str, Any], where: str) -> Grounds:
        prov = self.mapping(raw.get("x-provenance"), f"{where}.x-provenance")
        sources = prov.get("sources") or [{}]
        url = str((sources[0] or {}).get("url") or "")
        return self.provenance({"status": prov.get("status"), "url": url, "reason": prov.get("reason")}, where)


def _schema_pointer(spec: Spec, media_pointer: str) -> str:
    media = spec.resolve(media_pointer)
    schema = media.get("schema") if isinstance(media, Mapping) else None
    if isinstance(schema, Mapping) and "$ref" in schema:
        return str(schema["$ref"]).removeprefix("#")
    return media_pointer + "/schema"


def _form_target(spec: Spec, schema_pointer: str) -> tuple[str, str] | None:
    """(field, schema pointer of the JSON it carries) of a form body whose one field holds JSON."""
    schema = spec.resolve(schema_pointer)
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, Mapping) and prop.get("contentMediaType") == JSON and "contentSchema" in prop:
            target = prop["contentSchema"]
            if isinstance(target, Mapping) and "$ref" in target:
                return str(name), str(target["$ref"]).removeprefix("#")
            return str(name), schema_pointer + pointers.join("properties", str(name), "contentSchema")
    return None


def _events(spec: Spec, reader: _Reader) -> dict[str, WebhookEvent]:
    events: dict[str, WebhookEvent] = {}
    for name, item in reader.mapping(spec.document.get("webhooks"), "webhooks").items():
        post = reader.mapping(reader.mapping(item, f"webhooks.{name}").get("post"), f"webhooks.{name}.post")
        if not post:
            raise reader.fail(f"webhooks.{name}", "must declare the post an event is delivered with")
        pointer = pointers.join("webhooks", str(name), "post")
        bodies: list[Body] = []
        content = reader.mapping(reader.mapping(post.get("requestBody"), f"{pointer}.requestBody").get("content"), "")
        for content_type, _media in content.items():
            media_pointer = pointer + pointers.join("requestBody", "content", str(content_type))
            schema_pointer = _schema_pointer(spec, media_pointer)
            if content_type == FORM:
                target = _form_target(spec, schema_pointer)
                if target is None:
                    raise reader.fail(media_pointer, "must have one field with contentMediaType application/json")
                bodies.append(Body(FORM, target[1], target[0]))
            else:
                bodies.append(Body(str(content_type), schema_pointer))
        if not bodies:
            raise reader.fail(pointer, "must declare the payload (requestBody.content)")
        headers: list[Header] = []
        for index, param in enumerate(post.get("parameters") or ()):
            param_pointer = pointer + pointers.join("parameters", str(index))
            resolved = spec.resolve(param_pointer)
            if resolved.get("in") != "header":
                continue
            schema_at = (
                str(param["$ref"]).removeprefix("#") + "/schema" if "$ref" in param else param_pointer + "/schema"
            )
            headers.append(Header(str(resolved["name"]).lower(), bool(resolved.get("required")), schema_at))
        events[str(name)] = WebhookEvent(
            name=str(name),
            pointer=pointer,
            bodies=tuple(bodies),
            headers=tuple(headers),
            acknowledged_by=tuple(str(k) for k in (post.get("responses") or {})),
            provenance=reader.operation_provenance(post, pointer),
        )
    return events


def _schedule(reader: _Reader, raw: Mapping[str, Any], default: Grounds) -> RetrySchedule:
    where = "x-webhook-delivery.retries"
    delays = [float(d) for d in raw.get("schedule") or ()]
    if not delays or any(d <= 0 for d in delays):
        raise reader.fail(f"{where}.schedule", "must list the positive seconds between attempts")
    then = raw.get("then")
    if isinstance(then, Mapping):
        step, until = float(then.get("step") or 0), float(then.get("until") or 0)
        if step <= 0 or until < delays[-1]:
            raise reader.fail(f"{where}.then", "must give a positive step and an `until` past the schedule")
        while delays[-1] + step <= until:
            delays.append(delays[-1] + step)
    elif then not in (None, "give_up"):
        raise reader.fail(f"{where}.then", "must be give_up or {step, until}")
    return RetrySchedule(tuple(delays), reader.provenance(raw.get("provenance"), f"{where}.provenance", default))


def _rules(spec: Spec, reader: _Reader) -> DeliveryRules | None:
    raw = reader.mapping(spec.document.get("x-webhook-delivery"), "x-webhook-delivery")
    if not raw:
        return None
    where = "x-webhook-delivery"
    provenance = reader.provenance(raw.get("provenance"), f"{where}.provenance")
    envelope = reader.mapping(raw.get("envelope"), f"{where}.envelope")
    for key in ("id", "name", "object"):
        if not str(envelope.get(key) or "").startswith("/"):
            raise reader.fail(f"{where}.envelope.{key}", "must be a JSON pointer into the payload")
    content_types = tuple(
        ContentTypeRule(str(item["api_version"]), str(item["content_type"]))
        for item in raw.get("content_types") or ()
        if isinstance(item, Mapping) and "api_version" in item and "content_type" in item
    )
    if not content_types:
        raise reader.fail(f"{where}.content_types", "must list {api_version, content_type} pairs")
    ack = tuple(
        str(s) for s in reader.mapping(raw.get("acknowledgement"), f"{where}.acknowledgement").get("statuses") or ()
    )
    if not ack:
        raise reader.fail(f"{where}.acknowledgement.statuses", "must list the statuses that acknowledge")
    signature: Signature | None = None
    sig = reader.mapping(raw.get("signature"), f"{where}.signature")
    if sig:
        scheme = str(sig.get("scheme") or "")
        if scheme not in SIGNATURE_SCHEMES:
            raise reader.fail(f"{where}.signature.scheme", f"must be one of {', '.join(SIGNATURE_SCHEMES)}")
        signature = Signature(
            scheme=scheme,
            header=str(sig.get("header") or "").lower(),
            signed=str(sig.get("signed") or ""),
            key=str(sig.get("key") or ""),
            provenance=reader.provenance(sig.get("provenance"), f"{where}.signature.provenance", provenance),
        )
    return DeliveryRules(
        id_pointer=str(envelope["id"]),
        name_pointer=str(envelope["name"]),
        object_pointer=str(envelope["object"]),
        content_types=content_types,
        acknowledged_by=ack,
        retries=_schedule(reader, reader.mapping(raw.get("retries"), f"{where}.retries"), provenance),
        signature=signature,
        provenance=provenance,
    )


def _emissions(spec: Spec, reader: _Reader, events: Mapping[str, WebhookEvent]) -> tuple[tuple[Emission, ...], str]:
    lifecycle = reader.mapping(spec.document.get("x-lifecycle"), "x-lifecycle")
    raw = reader.mapping(lifecycle.get("emits"), "x-lifecycle.emits")
    if not raw:
        return (), ""
    where = "x-lifecycle.emits"
    correlate = str(raw.get("correlate") or "")
    if not correlate.startswith("/"):
        raise reader.fail(f"{where}.correlate", "must be a JSON pointer to the object's id in the payload")
    default = reader.provenance(raw.get("provenance"), f"{where}.provenance")
    states = {str(s) for s in lifecycle.get("states") or ()}
    found: list[Emission] = []
    for index, item in enumerate(raw.get("rules") or ()):
        at = f"{where}.rules[{index}]"
        entry = reader.mapping(item, at)
        event = str(entry.get("event") or "")
        if event not in events:
            raise reader.fail(f"{at}.event", f"names {event!r}, which `webhooks` does not declare")
        enters, action, shows = (
            str(entry.get("enters") or ""),
            str(entry.get("action") or ""),
            str(entry.get("shows") or ""),
        )
        created = bool(entry.get("created", False))
        if sum((created, bool(enters), bool(action))) != 1:
            raise reader.fail(at, "must say exactly one of created, enters or action")
        if enters and enters not in states:
            raise reader.fail(f"{at}.enters", f"names {enters!r}, which is no state of x-lifecycle.states")
        if shows and shows not in states:
            raise reader.fail(f"{at}.shows", f"names {shows!r}, which is no state of x-lifecycle.states")
        if action and action not in spec.operations:
            raise reader.fail(f"{at}.action", f"names {action!r}, which is no operationId of the spec")
        found.append(
            Emission(
                event=event,
                created=created,
                enters=enters,
                action=action,
                failed=bool(entry.get("failed", False)),
                shows=shows,
                provenance=reader.provenance(entry.get("provenance"), f"{at}.provenance", default),
            )
        )
    return tuple(found), correlate


def parse(spec: Spec) -> WebhookContract:
    reader = _Reader(spec)
    events = _events(spec, reader)
    rules = _rules(spec, reader)
    if events and rules is None:
        raise reader.fail("x-webhook-delivery", "must say how the declared webhooks are delivered")
    emissions, correlate = _emissions(spec, reader, events)
    defects = tuple(
        d.id for d in spec.defects if any(w in (d.title + d.docs_say).lower() for w in ("webhook", "event"))
    )
    return WebhookContract(spec.provider, events, emissions, correlate, rules, defects)


def webhooks_of(spec: Spec) -> WebhookContract:
    """The webhook contract of `spec` (parsed once per loaded spec)."""
    cached = spec.__dict__.get("_webhook_contract")
    if not isinstance(cached, WebhookContract):
        cached = parse(spec)
        spec.__dict__["_webhook_contract"] = cached
    return cached
