"""A spec ahead of its bundled double (an operation the double has no handler for yet, as WooshPay's webhook
endpoints before their handlers land): the sandbox connection names it, so the engine does not generate
for it and the double's missing handler is never judged as the provider's 500."""

from __future__ import annotations

import pytest

from conformance.providers import get_provider
from conformance.targets import TargetOptions, connect


def _unserved() -> tuple[str, ...]:
    with connect(get_provider("wooshpay"), TargetOptions(target="sandbox")) as connection:
        return connection.unserved


def test_a_served_operation_is_generated_for(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "listProducts" not in _unserved()


def test_an_operation_without_a_handler_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    double = get_provider("wooshpay").double()
    owner = next(cls for cls in double.__mro__ if "listProducts" in cls.__dict__)
    monkeypatch.delattr(owner, "listProducts")
    unserved = _unserved()
    assert "listProducts" in unserved
    assert "createInvoice" not in unserved
