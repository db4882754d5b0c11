"""Errors that end a command with one clear sentence and the exit code of docs/interfaces."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

EXIT_OK = 0
EXIT_BREAKING = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_INTERNAL = 4
EXIT_SIGINT = 130
EXIT_SIGTERM = 143


def first_line(value: object, default: str = "") -> str:
    """The first line of a message (an exception's, a check's), for a one-sentence error or finding."""
    text = str(value or "").strip()
    return text.splitlines()[0][:300] if text else default


class ConformanceError(Exception):
    """An error the user can fix; its message is one sentence saying what is wrong and how to fix it."""

    exit_code = EXIT_USAGE


class UsageError(ConformanceError):
    """Bad arguments, unknown provider, invalid spec, corrupt cassette, missing credentials."""


class TargetUnreachable(ConformanceError):
    """The target could not be reached, or kept failing at transport level."""

    exit_code = EXIT_UNREACHABLE


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM. A KeyboardInterrupt, so that every library unwinds as it does for Ctrl-C."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return EXIT_SIGTERM if self.signum == signal.SIGTERM else EXIT_SIGINT


_received: list[int] = []
# Requests the main thread has in flight: a signal arriving then is raised when the answer has been read
# (conformance.http.transport), so that a create the server performed is always answered and recorded first.
_deferring: list[int] = [0]


def _on_signal(signum: int, _frame: object) -> None:
    _received.append(signum)
    if _deferring[0] == 0:
        raise Interrupted(signum)


@contextmanager
def interruption_deferred() -> Iterator[None]:
    """In the main thread, a SIGINT or SIGTERM that arrives within the block is raised at its end (other
    threads are unaffected: a signal handler runs in the main thread, which then stops their work)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _deferring[0] += 1
    try:
        yield
    finally:
        _deferring[0] -= 1
    if _received and _deferring[0] == 0:
        raise Interrupted(_received[-1])


def install_signal_handlers() -> None:
    """SIGINT and SIGTERM unwind the run (staged recordings and temp files removed) and exit 130 / 143."""
    import threading

    _received.clear()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_signal)
        signal.signal(signal.SIGTERM, _on_signal)


def signalled() -> bool:
    """Whether this process received SIGINT or SIGTERM (schemathesis also reports its own internal
    stops as interruptions, which are not ours)."""
    return bool(_received)


def interruption() -> Interrupted:
    """The interruption to re-raise where a library swallowed it (schemathesis turns Ctrl-C into an event)."""
    return Interrupted(_received[-1] if _received else signal.SIGINT)
