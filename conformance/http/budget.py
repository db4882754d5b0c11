"""A live campaign's budget (`--max-requests N`, `--max-duration T`), counted where every request passes:
the guarded transport (conformance.http.transport) admits each attempt or refuses it with BudgetSpent.

Teardown is never refused. A reserve is kept for it: a request that may create an object the run will
have to remove is admitted only if the removal's requests still fit (`teardown` is the most it can take),
and the reserve is held for each object actually created until the teardown spends it. So a run's
requests, clean-up included, stay within N as long as each removal takes no more than its steps.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)([smh]?)")


class BudgetSpent(Exception):
    """The run's budget is spent: the request was not sent. Not a transport failure (no finding, no breaker)."""


def parse_duration(text: str) -> float:
    """Seconds in `90`, `90s`, `15m`, `1.5h`; ValueError otherwise."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(f"{text!r} is not a duration; write e.g. 90s, 15m or 1h.")
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass
class Budget:
    max_requests: int | None = None
    max_duration: float | None = None  # seconds from the start of the run
    spent: int = 0  # requests the run's work sent (each attempt counts)
    cleanup: int = 0  # teardown requests: never refused
    reserved: int = 0  # requests held back for removing what the run created
    exhausted: str = ""  # "requests" or "duration" once a request was refused
    started: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def share(self, total: int) -> Budget:
        """One of `total` shards' part: the request budget divided, rounded down (the duration is wall time)."""
        requests = None if self.max_requests is None else max(1, self.max_requests // total)
        return Budget(max_requests=requests, max_duration=self.max_duration)

    @property
    def spent_out(self) -> bool:
        """True once no further work request would be admitted (and the run stops its work for it)."""
        with self._lock:
            self.exhausted = self.exhausted or self._refusal(1) or ""
            return bool(self.exhausted)

    def _refusal(self, cost: int) -> str | None:
        if self.max_duration is not None and time.monotonic() - self.started >= self.max_duration:
            return "duration"
        if self.max_requests is not None and self.spent + self.cleanup + self.reserved + cost > self.max_requests:
            return "requests"
        return None

    def admit(self, teardown: int = 0) -> None:
        """One request about to be sent; `teardown`: the most requests removing what it may create takes."""
        if tearing_down():
            with self._lock:
                self.cleanup += 1
                self.reserved = max(0, self.reserved - 1)
            return
        with self._lock:
            why = self._refusal(1 + teardown)
            if why is not None:
                self.exhausted = self.exhausted or why
                raise BudgetSpent(_sentence(self, why))
            self.spent += 1
            self.reserved += teardown

    def hold(self, requests: int) -> None:
        """Keep `requests` for the removal of an object just created."""
        if requests > 0:
            with self._lock:
                self.reserved += requests

    def release(self, requests: int) -> None:
        """What `admit(teardown=...)` held for a request whose answer is now known (`hold` keeps what is needed)."""
        if requests > 0:
            with self._lock:
                self.reserved = max(0, self.reserved - requests)

    def to_json(self) -> dict[str, Any]:
        return {
            "max_requests": self.max_requests,
            "max_duration": self.max_duration,
            "spent": self.spent,
            "cleanup": self.cleanup,
            "reserved": self.reserved,  # kept for removing objects that were not removed (a double's, or left)
            "exhausted": self.exhausted or None,
            "elapsed": round(time.monotonic() - self.started, 1),
        }


def _sentence(budget: Budget, why: str) -> str:
    if why == "duration":
        return f"the run's --max-duration of {budget.max_duration:g} s is spent"
    return f"the run's --max-requests of {budget.max_requests} is spent ({budget.reserved} kept for clean-up)"


_active: list[Budget] = []
_local = threading.local()


def current() -> Budget | None:
    return _active[-1] if _active else None


@contextmanager
def spending(budget: Budget | None) -> Iterator[Budget | None]:
    """Within the block every guarded request is admitted by `budget` (None: no budget)."""
    if budget is None:
        yield None
        return
    _active.append(budget)
    try:
        yield budget
    finally:
        _active.remove(budget)


def spent_out() -> bool:
    budget = current()
    return budget is not None and budget.spent_out


@contextmanager
def teardown() -> Iterator[None]:
    """Requests sent in this block (in this thread) remove what the run created: never refused."""
    previous = getattr(_local, "teardown", False)
    _local.teardown = True
    try:
        yield
    finally:
        _local.teardown = previous


def tearing_down() -> bool:
    return bool(getattr(_local, "teardown", False))
