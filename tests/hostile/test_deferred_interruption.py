"""A signal that arrives while the main thread has a request in flight stops the run once the answer is read
(so that a create the server performed is recorded before the run stops); anywhere else it stops it at once."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from conformance.core import errors


@pytest.fixture
def handlers() -> Iterator[None]:
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    errors.install_signal_handlers()
    yield
    errors._received.clear()  # a later test of this worker must not read this one's signal
    for number, handler in before.items():
        signal.signal(number, handler)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_within_a_request_is_raised_when_it_ends(handlers: None, signum: int) -> None:
    finished: list[bool] = []

    def request() -> None:
        with errors.interruption_deferred():
            os.kill(os.getpid(), signum)
            finished.append(True)  # the answer is read and recorded: the signal waited for it

    with pytest.raises(errors.Interrupted) as raised:
        request()
    assert finished == [True]
    assert raised.value.signum == signum


def test_a_signal_outside_a_request_is_raised_at_once(handlers: None) -> None:
    finished: list[bool] = []

    def work() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        finished.append(True)

    with pytest.raises(errors.Interrupted):
        work()
    assert finished == []
