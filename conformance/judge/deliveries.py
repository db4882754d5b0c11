"""Judging captured webhook deliveries (issue 28, item 4): inbound posts from a HAR (or a cassette) and the
suite's own delivery recordings (a JSON list of `Delivery.to_json` records), against each provider's
`webhooks` with the webhook checks (conformance/checks/webhooks.py).

A recorded POST is a delivery when it goes to `--webhooks-path`, or, without that option, when its body
reads as an event a provider's contract declares (its envelope's id and a documented event name). A
delivery goes to the provider whose contract names its event; with one provider selected, to that one.
Signatures are verified where a key is in the environment (WOOSHPAY_WEBHOOK_SECRET: the endpoint's
signing secret, registered as a secret; USEEPAY_WEBHOOK_PUBLIC_KEY: a PEM public key).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.checks.webhooks import judge_deliveries, read_event
from conformance.core import secrets
from conformance.core.deliveries import Delivery
from conformance.core.errors import UsageError
from conformance.findings.model import Finding, Source
from conformance.judge.recordings import Recorded
from conformance.providers.base import Provider
from conformance.spec.webhooks import webhooks_of

# The environment variable holding each provider's verification key (a provider absent: not verified).
KEY_VARIABLES = {"wooshpay": "WOOSHPAY_WEBHOOK_SECRET", "useepay": "USEEPAY_WEBHOOK_PUBLIC_KEY"}
SECRET_KEYS = frozenset({"WOOSHPAY_WEBHOOK_SECRET"})


@dataclass(frozen=True)
class Captured:
    """One delivery and where it was recorded (a file and its position there)."""

    file: str
    position: int
    delivery: Delivery
    # The sender's clock: a recording of the suite made against a double says how fast its retries ran.
    time_scale: float = 1.0


@dataclass
class DeliveryOutcome:
    findings: list[Finding] = field(default_factory=list)
    judged: int = 0
    # provider -> the documented events observed (the coverage `events` metric)
    events_seen: dict[str, set[str]] = field(default_factory=dict)
    unattributed: int = 0  # deliveries no selected provider's contract reads
    unverified: set[str] = field(default_factory=set)  # providers whose signatures were not verified (no key)

    @property
    def providers_seen(self) -> set[str]:
        return set(self.events_seen)


def read_delivery_file(path: Path) -> list[Captured] | None:
    """The deliveries of a JSON file of `Delivery` records (a list, or {"deliveries": [...]}); None when the
    file is something else (a cassette, a HAR); a UsageError when it is a malformed delivery file."""
    if path.suffix.lower() != ".json":
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    items = data.get("deliveries") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) and "body" in i for i in items):
        return None
    scale = data.get("time_scale", 1.0) if isinstance(data, dict) else 1.0
    time_scale = float(scale) if isinstance(scale, int | float) and scale > 0 else 1.0
    found: list[Captured] = []
    for position, item in enumerate(items):
        try:
            found.append(Captured(str(path), position, Delivery.from_json(item), time_scale))
        except (KeyError, TypeError, ValueError):
            raise UsageError(
                f"{path}: delivery {position + 1} is not a Delivery record (sequence, received_at, method, path, "
                "headers, body {text|base64}, status); fix or remove it."
            ) from None
    return found


def _seconds(stamp: Any) -> float | None:
    if not isinstance(stamp, str):
        return None
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _delivery(item: Recorded, sequence: int, start: float | None) -> Delivery:
    request, response = item.interaction["request"], item.interaction["response"]
    headers: list[tuple[str, str]] = []
    for name, values in (request.get("headers") or {}).items():
        for value in values if isinstance(values, list) else [values]:
            headers.append((str(name).lower(), str(value)))
    body = request.get("body")
    raw = body if isinstance(body, bytes) else str(body or "").encode("utf-8")
    status = int(response["status"]["code"])
    moment = _seconds(item.interaction.get("started"))
    return Delivery(
        sequence=sequence,
        received_at=(moment - start) if moment is not None and start is not None else float(sequence),
        method=str(request["method"]).upper(),
        path=urlsplit(str(request["uri"])).path or "/",
        headers=tuple(headers),
        body=raw,
        status=None if status == 0 else status,  # a HAR writes 0 for a request that got no answer
    )


def split_recorded(
    recorded: Sequence[Recorded], providers: Sequence[Provider], webhooks_path: str | None
) -> tuple[list[Captured], list[Recorded]]:
    """The recorded exchanges that are inbound webhook posts (as deliveries), and the others."""
    contracts = [webhooks_of(p.spec) for p in providers]
    starts = [_seconds(r.interaction.get("started")) for r in recorded]
    start = min((s for s in starts if s is not None), default=None)
    captured: list[Captured] = []
    others: list[Recorded] = []
    for item in recorded:
        request = item.interaction["request"]
        if str(request.get("method", "")).upper() != "POST":
            others.append(item)
            continue
        delivery = _delivery(item, len(captured), start)
        if webhooks_path is not None:
            taken = delivery.path.rstrip("/") == webhooks_path.rstrip("/")
        else:
            taken = any(_declared_event(c, delivery) for c in contracts if c.documented)
        if taken:
            captured.append(Captured(str(item.file), item.position, delivery))
        else:
            others.append(item)
    return captured, others


def _declared_event(contract: Any, delivery: Delivery) -> bool:
    read = read_event(contract, delivery)
    return read.event_id is not None and read.name in contract.events


def _owner(providers: Sequence[Provider], delivery: Delivery) -> Provider | None:
    documented = [p for p in providers if webhooks_of(p.spec).documented]
    for provider in documented:
        if _declared_event(webhooks_of(provider.spec), delivery):
            return provider
    if len(documented) == 1 and len(providers) == 1:
        return documented[0]
    # An undocumented name in a provider's envelope (both its id and name are where that provider puts them).
    readable = [p for p in documented if read_event(webhooks_of(p.spec), delivery).event_id is not None]
    return readable[0] if len(readable) == 1 else None


def judge_captured(
    captured: Sequence[Captured],
    providers: Sequence[Provider],
    *,
    environment: Mapping[str, str] | None = None,
) -> DeliveryOutcome:
    """Each provider's deliveries judged with every webhook check that needs no API observation (payload,
    headers, event name, signature where a key is given, redeliveries, retries as far as recorded)."""
    env = os.environ if environment is None else environment
    outcome = DeliveryOutcome()
    by_provider: dict[str, list[Captured]] = {}
    named = {p.name: p for p in providers}
    for item in captured:
        owner = _owner(providers, item.delivery)
        if owner is None:
            outcome.unattributed += 1
            continue
        by_provider.setdefault(owner.name, []).append(item)
    for name, items in sorted(by_provider.items()):
        provider = named[name]
        contract = webhooks_of(provider.spec)
        variable = KEY_VARIABLES.get(name, "")
        key = env.get(variable) or None
        if key and variable in SECRET_KEYS:
            secrets.register([key])
        signed = contract.rules is not None and contract.rules.signature is not None
        if signed and key is None:
            outcome.unverified.add(name)
        # Renumbered: one provider's deliveries are one sequence, whichever files they came from.
        deliveries = [replace(item.delivery, sequence=index) for index, item in enumerate(items)]
        where = {index: item for index, item in enumerate(items)}
        # One clock per provider: the slowest recorded (a real provider's 1.0 unless every file is a double's).
        time_scale = max(item.time_scale for item in items)
        findings = judge_deliveries(
            provider.spec, deliveries, signing_key=key, time_scale=time_scale, source=Source.REPLAY
        )
        for finding in findings:
            steps = finding.evidence.steps
            index = steps[0].get("delivery") if steps else None
            origin = where.get(index) if isinstance(index, int) else None
            if origin is not None:
                finding = replace(
                    finding, evidence=replace(finding.evidence, cassette=origin.file, interaction=origin.position)
                )
            outcome.findings.append(finding)
        outcome.judged += len(items)
        seen = outcome.events_seen.setdefault(name, set())
        for delivery in deliveries:
            read = read_event(contract, delivery)
            if read.name in contract.events:
                seen.add(str(read.name))
    return outcome
