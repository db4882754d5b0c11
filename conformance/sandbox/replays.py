"""The verdict on a team's webhook handler (issue 28): every event it took, delivered again, must change nothing.

Providers deliver at least once and in no particular order, so a handler sees any event it has already handled
again, at any later moment. `replay_handled` sends every event the handler acknowledged a second time, in three
orders (as delivered, reversed, a seeded shuffle), and reads the app's state (a callable the test supplies) after
each one: the first replay that moves the state away from what it was after the first deliveries, or that is not
acknowledged (the provider would retry it), is a finding, worded like the suite's own.

Replays are the verdict's posts, not the provider's: they are signed as a provider signs a retry (now, with the
endpoint's secret or key, whatever signature faults are on), keep the other wire faults (an encoding the handler
already read), go straight to the receiver in the caller's thread and are not added to the outbox's record.
"""

from __future__ import annotations

import copy
import difflib
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.sandbox.receivers import DeliveryFailed
from conformance.sandbox.webhooks import Endpoint, Event, Outbox

# Faults that forge a signature: a provider's own retry is signed properly, so replays never carry them.
FORGED = frozenset({"signature_invalid", "signature_missing", "timestamp_stale"})
MAX_CHANGES = 8  # lines of the state diff a message shows
NOTHING_HANDLED = "the handler acknowledged no event, so there is nothing to deliver again: no verdict"


@dataclass(frozen=True)
class Replay:
    """One post of an already handled event: which pass, its order, where the event stood in it."""

    order: str  # "as delivered", "reversed", "shuffled (seed 0)"
    number: int  # the pass, from 1
    passes: int
    position: int  # the event's place in this pass, from 1
    of: int
    event: Event
    receiver: str
    status: int | None
    error: str | None


@dataclass(frozen=True)
class NotIdempotent:
    """A replay that changed what the app shows, or that the app did not acknowledge."""

    replay: Replay
    changes: tuple[str, ...]  # what changed in the state; empty when the state held but the answer did not

    def __str__(self) -> str:
        replay, event = self.replay, self.replay.event
        answer = f"answered {replay.status}" if replay.status is not None else f"no answer ({replay.error})"
        delivery = (
            f"replay {replay.number} of {replay.passes} ({replay.order}), event {replay.position} of {replay.of}, "
            f"to {replay.receiver}: {answer}"
        )
        head = f"webhook handler not idempotent: event {event.id} ({event.name}, about {event.object_id})"
        if self.changes:
            return "\n".join(
                [
                    f"{head} changed the app's state when delivered again",
                    f"  delivery: {delivery}",
                    "  what changed (after the first deliveries -> after this replay):",
                    *(f"    {line}" for line in self.changes),
                    "  providers deliver each event at least once and in any order: one handled again must change "
                    "nothing (remember the event ids handled; never move an object back to an older state).",
                ]
            )
        return "\n".join(
            [
                f"{head} was not acknowledged when delivered again",
                f"  delivery: {delivery}",
                "  the provider takes that for a failed delivery and retries it on its schedule: answer a duplicate "
                "as a success.",
            ]
        )


def handled_events(outbox: Outbox) -> list[tuple[Event, list[Endpoint]]]:
    """Every event some endpoint acknowledged, in the order of its first acknowledgement, with the endpoints
    (still registered) that acknowledged it. An event never acknowledged was not handled: the provider is still
    retrying it, and a change it then makes is the first handling, not a duplicate."""
    endpoints = {endpoint.id: endpoint for endpoint in outbox.endpoints}
    found: dict[str, tuple[Event, list[Endpoint]]] = {}
    for attempt in outbox.sent:
        if not attempt.acknowledged or attempt.endpoint_id not in endpoints:
            continue
        _, where = found.setdefault(attempt.event_id, (outbox.event(attempt.event_id), []))
        if endpoints[attempt.endpoint_id] not in where:
            where.append(endpoints[attempt.endpoint_id])
    return list(found.values())


def orders(count: int, seed: int) -> list[tuple[str, list[int]]]:
    """The passes: the delivered order again, reversed, and a shuffle fixed by `seed`."""
    shuffled = list(range(count))
    random.Random(seed).shuffle(shuffled)
    return [
        ("as delivered", list(range(count))),
        ("reversed", list(reversed(range(count)))),
        (f"shuffled, seed {seed}", shuffled),
    ]


class StateNotCopyable(TypeError):
    """read_state returned a value that cannot be kept to compare with later (one sentence)."""


def snapshot(read_state: Callable[[], object]) -> object:
    """The state now, copied: a callable returning the app's own (mutable) object must not compare it with itself."""
    state = read_state()
    try:
        return copy.deepcopy(state)
    except Exception as exc:
        raise StateNotCopyable(
            f"the state read_state returns must be copyable to be compared later ({type(exc).__name__}: {exc}); "
            "return plain data (dicts, lists, numbers, strings)."
        ) from None


def replay_handled(
    outbox: Outbox,
    faults: Iterable[str],
    read_state: Callable[[], object],
    *,
    seed: int = 0,
) -> NotIdempotent | None:
    """Replay every handled event in each order, one at a time; the first replay that changes the state or is
    not acknowledged (None: the handler is idempotent for these events)."""
    on = frozenset(faults) - FORGED
    handled = handled_events(outbox)
    expected = snapshot(read_state)
    passes = orders(len(handled), seed)
    for number, (order, indices) in enumerate(passes, start=1):
        for position, index in enumerate(indices, start=1):
            event, endpoints = handled[index]
            for endpoint in endpoints:
                status, error = _post(outbox, event, endpoint, on)
                replay = Replay(
                    order, number, len(passes), position, len(indices), event, endpoint.receiver.name, status, error
                )
                now = snapshot(read_state)
                if now != expected:
                    return NotIdempotent(replay, tuple(differences(expected, now)))
                if status is None or not outbox.scheme.acknowledged(status):
                    return NotIdempotent(replay, ())
    return None


def _post(outbox: Outbox, event: Event, endpoint: Endpoint, faults: frozenset[str]) -> tuple[int | None, str | None]:
    wire = outbox.scheme.wire(event, endpoint, int(time.time()), faults.__contains__)
    try:
        answer = endpoint.receiver.post(dict(wire.headers), wire.body, outbox.timeout)
    except DeliveryFailed as exc:
        return None, str(exc)
    return answer.status, None


def differences(before: Any, after: Any, path: str = "") -> list[str]:
    """A short diff of two states: one line per changed leaf, added or removed key or item (MAX_CHANGES at most)."""
    lines = list(_walk(before, after, path))
    if len(lines) > MAX_CHANGES:
        lines = [*lines[:MAX_CHANGES], f"... and {len(lines) - MAX_CHANGES} more"]
    return lines or [f"{path or 'the state'}: {before!r} -> {after!r}"]


def _walk(before: Any, after: Any, path: str) -> Iterable[str]:
    where = path or "the state"
    if isinstance(before, dict) and isinstance(after, dict):
        for key in [*before, *(k for k in after if k not in before)]:
            inner = f"{path}[{key!r}]"
            if key not in after:
                yield f"{inner}: removed (was {before[key]!r})"
            elif key not in before:
                yield f"{inner}: added {after[key]!r}"
            elif before[key] != after[key]:
                yield from _walk(before[key], after[key], inner)
    elif isinstance(before, list | tuple) and isinstance(after, list | tuple) and type(before) is type(after):
        yield from _sequence(before, after, path)
    elif isinstance(before, set | frozenset) and isinstance(after, set | frozenset):
        for item in sorted(after - before, key=repr):
            yield f"{where}: added {item!r}"
        for item in sorted(before - after, key=repr):
            yield f"{where}: removed {item!r}"
    elif before != after:
        yield f"{where}: {before!r} -> {after!r}"


def _sequence(before: Sequence[Any], after: Sequence[Any], path: str) -> Iterable[str]:
    if len(before) == len(after):
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            if old != new:
                yield from _walk(old, new, f"{path}[{index}]")
        return
    # Items added or removed: say which, by position in the new or the old sequence.
    matcher = difflib.SequenceMatcher(a=[repr(x) for x in before], b=[repr(x) for x in after], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("delete", "replace"):
            for index in range(i1, i2):
                yield f"{path}[{index}]: removed {before[index]!r}"
        if tag in ("insert", "replace"):
            for index in range(j1, j2):
                yield f"{path}[{index}]: added {after[index]!r}"
