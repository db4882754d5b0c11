"""A double's outbox: the events its state changes emit, delivered at least once to the registered receivers.

A resource module emits (ProviderDouble.emit); the double publishes what a request emitted when it ends
(ProviderDouble._publish); this outbox signs each event as the provider's EventScheme declares and posts it
from one background thread, one attempt at a time, retrying on the scheme's schedule while the receiver does
not acknowledge. Time is compressed by `time_scale` (0.001: a 60 s retry after 60 ms); the schedule is not.

Every attempt is kept (`sent`): the wire record core.deliveries.Delivery plus the event, the attempt number and
the answer. The delivery faults of the catalogue (conformance.sandbox.faults, observed_by "events" and
"handler") are applied here, on the wire; event_early is the double's (stale reads while it is delivered).
"""

from __future__ import annotations

import copy
import heapq
import itertools
import random
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from conformance.core.deliveries import Delivery
from conformance.core.errors import UsageError
from conformance.sandbox.receivers import DEFAULT_TIMEOUT, DeliveryFailed, Receiver

JSON = dict[str, Any]
STALE_SECONDS = 600  # timestamp_stale: the signed timestamp lies ten minutes back (Stripe's tolerance is 5)
HOLD_SECONDS = 2.0  # reordering: how long events wait for a later one to overtake them (real seconds)


@dataclass(frozen=True)
class Event:
    id: str
    name: str
    object_id: str
    created: int
    envelope: JSON  # the body as data, before encoding


@dataclass
class Endpoint:
    id: str
    receiver: Receiver
    secret: str | None = None  # a shared signing secret (WooshPay's whsec_); None where the scheme uses a key pair
    enabled_events: tuple[str, ...] = ("*",)
    enabled: bool = True
    configured: bool = False  # from a double option: outlives restart()

    def wants(self, name: str) -> bool:
        return "*" in self.enabled_events or name in self.enabled_events


@dataclass(frozen=True)
class Wire:
    """What one attempt puts on the wire: headers (in order) and the raw body."""

    headers: tuple[tuple[str, str], ...]
    body: bytes


class EventScheme(ABC):
    """How a provider builds, encodes, signs and acknowledges events, and when it retries."""

    #: Event names the provider documents (or the spec infers), for the record.
    names: tuple[str, ...]
    #: Seconds between an unacknowledged attempt and the next, then give up.
    schedule: tuple[float, ...]
    #: event_wrong_name: documented name -> the wrong name sent instead.
    wrong_names: ClassVar[Mapping[str, str]]
    #: The event event_missing never sends.
    missing_event: str

    @abstractmethod
    def event_id(self, rng: random.Random) -> str: ...

    @abstractmethod
    def envelope(self, event_id: str, name: str, data: JSON, created: int) -> JSON: ...

    @abstractmethod
    def wire(self, event: Event, endpoint: Endpoint, now: int, faults: Callable[[str], bool]) -> Wire:
        """The headers and body of one attempt, signed (or mis-signed, as the faults say)."""

    @abstractmethod
    def acknowledged(self, status: int) -> bool: ...

    def check_faults(self, on: Callable[[str], bool]) -> None:  # noqa: B027 - most schemes show every fault
        """Refuse a fault the scheme cannot show (UsageError, one sentence)."""

    @property
    def verification_key(self) -> str | None:
        """What a receiver verifies signatures with when it is not a per-endpoint secret (a public key PEM)."""
        return None


@dataclass(frozen=True)
class Attempt:
    """One POST of one event to one endpoint, as the double sent it and as it was answered."""

    delivery: Delivery
    event_id: str
    event_name: str
    attempt: int  # 1 for the first try, 2 for the first retry...
    endpoint_id: str
    receiver: str
    answer: bytes  # the receiver's body (at most 1 MiB); b"" without an answer
    error: str | None  # why there was no answer
    acknowledged: bool

    @property
    def status(self) -> int | None:
        return self.delivery.status


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    event: Event = field(compare=False)
    endpoint: Endpoint = field(compare=False)
    attempt: int = field(compare=False, default=1)
    retries: bool = field(compare=False, default=True)


class Outbox:
    """The events of one double instance and the thread that delivers them."""

    def __init__(
        self,
        scheme: EventScheme,
        faults: Callable[[str], bool],
        *,
        time_scale: float = 1.0,
        timeout: float = DEFAULT_TIMEOUT,
        seed: int | None = None,
    ) -> None:
        self.scheme = scheme
        self._faults = faults
        self.time_scale = time_scale
        self.timeout = timeout
        self._configured = (time_scale, timeout)  # what reset() restores
        self._rng = random.Random(seed)
        self._endpoints: dict[str, Endpoint] = {}
        self._events: dict[str, Event] = {}  # every event emitted, sent or not, by id
        self._last_of: dict[str, Event] = {}  # object id -> its latest event (deliver_late)
        self._held: list[_Job] = []  # events_reordered: waiting to be overtaken
        self._queue: list[_Job] = []
        self._sent: list[Attempt] = []
        self._in_flight = 0
        self._seq = itertools.count()
        self._started = time.monotonic()
        self._generation = 0  # bumped by reset(): attempts of an older generation are not recorded
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        #: Called with each attempt once answered (or failed), e.g. to log it (`conformance sandbox`).
        self.on_attempt: Callable[[Attempt], None] | None = None

    # -- registration -------------------------------------------------------------------------------

    def register(self, endpoint: Endpoint) -> Endpoint:
        with self._cond:
            self._endpoints[endpoint.id] = endpoint
        return endpoint

    def unregister(self, endpoint_id: str) -> Endpoint | None:
        """Stop delivering to an endpoint, its queued attempts included."""
        with self._cond:
            found = self._endpoints.pop(endpoint_id, None)
            self._queue = [job for job in self._queue if job.endpoint.id != endpoint_id]
            heapq.heapify(self._queue)
            return found

    @property
    def endpoints(self) -> list[Endpoint]:
        with self._cond:
            return list(self._endpoints.values())

    def reset(self) -> None:
        """Empty outbox and record, the configured time scale and timeout; endpoints from options stay,
        registered ones go (a double's restart)."""
        with self._cond:
            self._endpoints = {k: e for k, e in self._endpoints.items() if e.configured}
            self._events.clear()
            self._last_of.clear()
            self._held.clear()
            self._queue.clear()
            self._sent.clear()
            self._generation += 1
            self._started = time.monotonic()
            self.time_scale, self.timeout = self._configured
            self._cond.notify_all()

    # -- emitting -----------------------------------------------------------------------------------

    def emit(self, name: str, object_id: str, data: JSON, created: int) -> Event | None:
        """Queue an event for every endpoint that wants it; the event (None when no endpoint wants it)."""
        on = self._faults
        with self._cond:
            targets = [e for e in self._endpoints.values() if e.enabled and e.wants(name)]
            if not targets:
                return None
            data = copy.deepcopy(data)
            wire_name = self.scheme.wrong_names.get(name, name) if on("event_wrong_name") else name
            event_id = self.scheme.event_id(self._rng)
            event = Event(
                event_id, wire_name, object_id, created, self.scheme.envelope(event_id, wire_name, data, created)
            )
            self._events[event_id] = event
            if on("event_missing") and name == self.scheme.missing_event:
                return event  # emitted and never sent
            previous = self._last_of.get(object_id)
            self._last_of[object_id] = event
            now = time.monotonic()
            for endpoint in targets:
                jobs = [self._job(now, event, endpoint)]
                if on("event_duplicated") or on("deliver_twice"):
                    jobs.append(self._job(now, event, endpoint, retries=False))
                if on("deliver_late") and previous is not None:
                    jobs.append(self._job(now, previous, endpoint, retries=False))
                if on("events_reordered") or on("deliver_reversed"):
                    self._hold(jobs, now, all_of_them=on("deliver_reversed"))
                else:
                    for job in jobs:
                        heapq.heappush(self._queue, job)
            self._ensure_thread()
            self._cond.notify_all()
            return event

    def _job(self, now: float, event: Event, endpoint: Endpoint, *, retries: bool = True) -> _Job:
        return _Job(now, next(self._seq), event, endpoint, 1, retries)

    def _hold(self, jobs: list[_Job], now: float, *, all_of_them: bool) -> None:
        """Reordering. events_reordered: a held event goes out right after the next one, so each pair arrives
        newest first. deliver_reversed: every event waits until flush() (or HOLD_SECONDS without a new one),
        then all go out newest first."""
        if self._held and not all_of_them:
            released = jobs + self._held
            self._held = []
            for job in released:
                job.due, job.seq = now, next(self._seq)
                heapq.heappush(self._queue, job)
            return
        # Released after HOLD_SECONDS if nothing overtakes them: at least once, even reordered.
        self._held = jobs + self._held
        for job in self._held:
            job.due = now + HOLD_SECONDS

    def _release_held(self) -> None:
        for job in self._held:  # newest first: _held is kept in that order
            job.due, job.seq = time.monotonic(), next(self._seq)
            heapq.heappush(self._queue, job)
        self._held = []

    def redeliver(self, event_id: str) -> None:
        """Send an event again, as it was first sent (same id and body), to every endpoint that wants it."""
        with self._cond:
            event = self._events.get(event_id)
            if event is None:
                raise KeyError(f"no event {event_id!r} was emitted by this double")
            now = time.monotonic()
            for endpoint in self._endpoints.values():
                if endpoint.enabled and endpoint.wants(event.name):
                    heapq.heappush(self._queue, self._job(now, event, endpoint, retries=False))
            self._ensure_thread()
            self._cond.notify_all()

    # -- what happened ------------------------------------------------------------------------------

    @property
    def sent(self) -> list[Attempt]:
        with self._cond:
            return list(self._sent)

    @property
    def events(self) -> list[Event]:
        with self._cond:
            return list(self._events.values())

    def event(self, event_id: str) -> Event:
        with self._cond:
            return self._events[event_id]

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + len(self._held) + self._in_flight

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued attempt (retries included, time-compressed) is done; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            if self._held:  # nothing else will come to overtake them
                self._release_held()
                self._cond.notify_all()
            while self._queue or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return True

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 1)

    # -- the delivering thread ----------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="double-webhooks", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                job = self._next_due()
                if job is None:
                    return
                self._in_flight += 1
                generation = self._generation
            try:
                self._attempt(job, generation)
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _next_due(self) -> _Job | None:
        """The next attempt once it is due (holding the condition); None when closed."""
        while not self._closed:
            now = time.monotonic()
            if self._held and self._held[0].due <= now:
                self._release_held()
            if self._queue and self._queue[0].due <= now:
                return heapq.heappop(self._queue)
            waits = [j.due - now for j in self._queue[:1] + self._held[:1]]
            self._cond.wait(min([*waits, 1.0]))
        return None

    def _attempt(self, job: _Job, generation: int) -> None:
        wire = self.scheme.wire(job.event, job.endpoint, int(time.time()), self._faults)
        receiver = job.endpoint.receiver
        status: int | None = None
        answer, error = b"", None
        try:
            got = receiver.post(dict(wire.headers), wire.body, self.timeout)
            status, answer = got.status, got.body
        except DeliveryFailed as exc:
            error = str(exc)
        acknowledged = status is not None and self.scheme.acknowledged(status)
        with self._cond:
            if generation != self._generation:
                return  # a reset happened meanwhile: this attempt belongs to a previous test
            delivery = Delivery(
                sequence=len(self._sent),
                received_at=time.monotonic() - self._started,
                method="POST",
                path=receiver.path,
                headers=tuple((k.lower(), v) for k, v in wire.headers),
                body=wire.body,
                status=status,
            )
            attempt = Attempt(
                delivery,
                job.event.id,
                job.event.name,
                job.attempt,
                job.endpoint.id,
                receiver.name,
                answer,
                error,
                acknowledged,
            )
            self._sent.append(attempt)
            retry = job.retries and not acknowledged and not self._faults("retries_ignored")
            if retry and job.attempt <= len(self.scheme.schedule) and job.endpoint.id in self._endpoints:
                delay = self.scheme.schedule[job.attempt - 1] * self.time_scale
                job.attempt += 1
                job.due, job.seq = time.monotonic() + delay, next(self._seq)
                heapq.heappush(self._queue, job)
        if self.on_attempt is not None:
            self.on_attempt(attempt)


def growing_schedule(first: Sequence[float], step: float, cap: float) -> tuple[float, ...]:
    """`first`, then growing by `step` up to `cap` (inclusive): UseePay's 1, 5, 10, 30, 60, 120 ... 7200."""
    delays = list(first)
    while delays[-1] + step <= cap:
        delays.append(delays[-1] + step)
    return tuple(delays)


def option_float(options: Mapping[str, object], name: str, default: float, *, positive: bool = True) -> float:
    value = options.get(name, default)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise UsageError(f"double option {name} must be a number, not {value!r}.") from None
    if positive and not number > 0:
        raise UsageError(f"double option {name} must be greater than 0, not {value!r}.")
    return number


def iter_attempts(attempts: Sequence[Attempt], event_id: str) -> Iterator[Attempt]:
    return (a for a in attempts if a.event_id == event_id)
