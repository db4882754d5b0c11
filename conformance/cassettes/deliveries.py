"""A workflow scenario's webhook deliveries, recorded beside its cassette: `<scenario>.webhooks.json`.

What the receiver saw while the scenario ran, scrubbed like a cassette: every secret the run knows
(credentials, the endpoint's signing secret) becomes REDACTED wherever it appears. A signature header
is kept only together with the result of verifying it when it arrived (the secret it was made with
never reaches disk, so a replay cannot verify it again); otherwise its value is REDACTED too. The
file also holds when each of the scenario's requests was sent and answered, on the deliveries'
clock, and the time scale of the sender (a double compresses its retry schedule), so that a replay
re-judges order, timing and retries exactly as the live run did.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.cassettes import store
from conformance.core import secrets
from conformance.core.deliveries import Delivery
from conformance.core.errors import UsageError

SUFFIX = ".webhooks.json"
FORMAT = "conformance webhook deliveries 1"


@dataclass(frozen=True)
class Read:
    """The object an event is about, read through the API when the event arrived, before it was answered:
    what a handler fetching it would have seen (an event sent before the API reads its state is early)."""

    delivery: int  # the sequence of the delivery that prompted it
    object_id: str
    state: str | None  # None: not read (gone, refused, unreadable)
    sent: float  # on the deliveries' clock
    answered: float

    def to_json(self) -> dict[str, Any]:
        return {
            "delivery": self.delivery,
            "object_id": self.object_id,
            "state": self.state,
            "sent": self.sent,
            "answered": self.answered,
        }

    @classmethod
    def from_json(cls, data: Any) -> Read:
        state = data["state"]
        return cls(
            int(data["delivery"]),
            str(data["object_id"]),
            None if state is None else str(state),
            float(data["sent"]),
            float(data["answered"]),
        )


@dataclass(frozen=True)
class RecordedDeliveries:
    deliveries: tuple[Delivery, ...] = ()
    # Per delivery: whether its signature verified when it arrived (None: no signature scheme judged it).
    verified: tuple[bool | None, ...] = ()
    # Per request of the scenario, in order: (sent, answered) on the deliveries' clock.
    exchanges: tuple[tuple[float, float], ...] = ()
    time_scale: float = 1.0  # the sender's clock: 0.01 = its retry schedule ran a hundred times faster
    # Until when the receiver watched (seconds since the scenario started): a retry due before it must have come.
    observed_until: float | None = None
    reads: tuple[Read, ...] = ()  # the object of each event, read when it arrived
    # False: the run that recorded the scenario did not receive webhooks (nothing to judge, nothing missing).
    received: bool = True
    metadata: dict[str, Any] = field(default_factory=dict)


def deliveries_path(cassette: Path) -> Path:
    """Where a scenario cassette's deliveries are recorded."""
    return cassette.with_name(cassette.name.removesuffix(".yaml") + SUFFIX)


def to_json(recorded: RecordedDeliveries, signature_headers: Iterable[str] = ()) -> dict[str, Any]:
    """The scrubbed, JSON-ready record (see the module's docstring for what is kept)."""
    signed = {name.lower() for name in signature_headers}
    entries = []
    for delivery, verified in zip(recorded.deliveries, _padded(recorded), strict=True):
        headers = [
            (name, secrets.REDACTED if name in signed and verified is None else secrets.scrub(value))
            for name, value in delivery.headers
        ]
        entry = _scrubbed(delivery, headers).to_json()
        entry["signature_verified"] = verified
        entries.append(entry)
    return {
        "format": FORMAT,
        **secrets.scrub_value(recorded.metadata),
        "received": recorded.received,
        "time_scale": recorded.time_scale,
        "observed_until": recorded.observed_until,
        "exchanges": [[round(sent, 6), round(answered, 6)] for sent, answered in recorded.exchanges],
        "reads": [_scrubbed_read(read).to_json() for read in recorded.reads],
        "deliveries": entries,
    }


def write(path: Path, recorded: RecordedDeliveries, signature_headers: Iterable[str] = ()) -> None:
    """Scrubbed, staged and committed with the run's cassettes (conformance.cassettes.store)."""
    text = json.dumps(to_json(recorded, signature_headers), indent=1, ensure_ascii=False) + "\n"
    store.write_beside(path, text.encode("utf-8"))


def read(path: Path) -> RecordedDeliveries | None:
    """The recorded deliveries, None when the scenario has none recorded, a UsageError when the file is bad."""
    readable = store.readable(path)
    if not readable.is_file():
        return None
    fix = "restore it from git or re-record the scenario"
    try:
        data = json.loads(readable.read_bytes())
    except (OSError, ValueError) as exc:
        raise UsageError(f"webhook recording {path} is corrupt ({type(exc).__name__}); {fix}.") from None
    try:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a webhook recording")
        entries = data["deliveries"]
        return RecordedDeliveries(
            deliveries=tuple(Delivery.from_json(entry) for entry in entries),
            verified=tuple(_verified(entry.get("signature_verified")) for entry in entries),
            exchanges=tuple((float(sent), float(answered)) for sent, answered in data["exchanges"]),
            time_scale=float(data["time_scale"]),
            observed_until=None if data["observed_until"] is None else float(data["observed_until"]),
            reads=tuple(Read.from_json(read) for read in data["reads"]),
            received=bool(data["received"]),
            metadata={k: v for k, v in data.items() if k not in _FIELDS},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UsageError(f"webhook recording {path} is not one the suite wrote ({exc}); {fix}.") from None


_FIELDS = frozenset({"format", "received", "time_scale", "observed_until", "exchanges", "reads", "deliveries"})


def _scrubbed_read(read: Read) -> Read:
    return Read(read.delivery, secrets.scrub(read.object_id), read.state, read.sent, read.answered)


def _verified(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"signature_verified is {value!r}")


def _padded(recorded: RecordedDeliveries) -> Sequence[bool | None]:
    return list(recorded.verified) + [None] * (len(recorded.deliveries) - len(recorded.verified))


def _scrubbed(delivery: Delivery, headers: list[tuple[str, str]]) -> Delivery:
    try:
        body = secrets.scrub(delivery.body.decode("utf-8")).encode("utf-8")
    except UnicodeDecodeError:
        body = secrets.scrub(delivery.body.decode("latin-1")).encode("latin-1", "replace")
    return Delivery(
        sequence=delivery.sequence,
        received_at=delivery.received_at,
        method=delivery.method,
        path=secrets.scrub(delivery.path),
        headers=tuple(headers),
        body=body,
        status=delivery.status,
    )
