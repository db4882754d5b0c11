"""Doubles that deliver events to a receiver on 127.0.0.1, driven over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from conformance.sandbox.double import ProviderDouble
from conformance.targets.double_server import RunningDouble
from tests.webhooks.receiver import Recorder, receiving

SCALE = 0.001  # a 60 s retry after 60 ms


@dataclass
class Served:
    running: RunningDouble
    session: requests.Session
    receiver: Recorder

    @property
    def double(self) -> ProviderDouble:
        return self.running.double

    def post(self, path: str, **kwargs: Any) -> Any:
        answer = self.session.post(self.running.base_url + path, timeout=10, **kwargs)
        assert answer.status_code < 500, answer.text
        return answer

    def get(self, path: str) -> Any:
        return self.session.get(self.running.base_url + path, timeout=10)

    def flush(self) -> None:
        assert self.double.webhooks is not None
        assert self.double.webhooks.flush(10)


def served(provider: str, receiver: Recorder, *, faults: tuple[str, ...] = (), **options: object) -> Iterator[Served]:
    from conformance.targets.double_server import running_double

    with running_double(provider, faults=faults, seed=0, options={"webhook_time_scale": SCALE, **options}) as running:
        session = requests.Session()
        session.auth = running.provider.auth(running.credentials, running.base_url)
        yield Served(running, session, receiver)
        session.close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    with receiving() as found:
        yield found


# -- scripted lifecycles, over the API ------------------------------------------------------------------


def wooshpay_endpoint(served_double: Served, events: list[str] | None = None) -> dict[str, Any]:
    # enabled_events is required on creation (Stripe's, inferred); ["*"] is every event.
    data: dict[str, Any] = {"url": served_double.receiver.url, "enabled_events[]": events or ["*"]}
    answer = served_double.post("/v1/webhook_endpoints", data=data)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def wooshpay_paid_invoice(served_double: Served) -> str:
    """create -> add a line -> finalize -> pay: invoice.created, invoice.finalized, invoice.paid."""
    customer = served_double.post("/v1/customers", data={"name": "Ada"}).json()
    invoice = served_double.post("/v1/invoices", data={"customer": customer["id"]}).json()
    served_double.post(
        f"/v1/invoices/{invoice['id']}/add_lines", json={"lines": [{"amount": 1200, "description": "x"}]}
    )
    assert served_double.post(f"/v1/invoices/{invoice['id']}/finalize").status_code == 200
    paid = served_double.post(f"/v1/invoices/{invoice['id']}/pay", data={"paid_out_of_band": "true"})
    assert paid.status_code == 200, paid.text
    return str(invoice["id"])


def useepay_paid_invoice(served_double: Served) -> str:
    """create (open: invoice.sent) -> pay (invoice.paid)."""
    customer = served_double.post(
        "/api/v1/customers/create", json={"merchant_customer_id": "c-1", "name": "Ada", "email": "ada@example.com"}
    ).json()
    invoice = served_double.post(
        "/api/v1/invoices/create", json={"customer_id": customer["id"], "currency": "USD", "total_amount": 500}
    ).json()
    online = {"ip_address": "192.168.12.1", "user_agent": "user agent"}
    mandate = {"customer_acceptance": {"type": "online", "accepted_at": "2020-01-01T00:00:00Z", "online": online}}
    paid = served_double.post(f"/api/v1/invoices/{invoice['id']}/pay", json={"mandate_data": mandate})
    assert paid.json().get("status") == "paid", paid.text
    return str(invoice["id"])
