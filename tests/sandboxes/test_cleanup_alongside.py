"""What a create makes alongside the object it answers is removed with it: a WooshPay subscription's first
invoice, finalized at once and open until paid, which cancelling the subscription leaves open. Over real HTTP
against the double: `conformance cleanup` finds it through its tagged subscription (no ledger), voids it when
it is open, and leaves a paid one (a customer with a card) as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.cli.main import main
from conformance.providers import get_provider
from conformance.targets.double_server import running_double
from conformance.targets.run_tag import TAG

RUN = "run-cccccccccccc"


def _subscription(base_url: str, auth: tuple[str, str], product: str, card: bool) -> dict[str, Any]:
    customer = requests.post(
        f"{base_url}/v1/customers", data={"payment_method": "pm_card_visa"} if card else {}, auth=auth, timeout=10
    ).json()
    price = requests.post(
        f"{base_url}/v1/prices",
        data={"product": product, "currency": "usd", "unit_amount": "900", "recurring[interval]": "month"},
        auth=auth,
        timeout=10,
    ).json()
    form = {"customer": customer["id"], "items[0][price]": price["id"], f"metadata[{TAG}]": RUN}
    created: dict[str, Any] = requests.post(f"{base_url}/v1/subscriptions", data=form, auth=auth, timeout=10).json()
    return created


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cards=st.lists(st.booleans(), min_size=1, max_size=3))
def test_cleanup_voids_the_open_first_invoice_of_a_tagged_subscription(cards: list[bool], tmp_path: Path) -> None:
    with running_double("wooshpay", demo_data=True) as running:
        double: Any = running.double
        auth = (running.credentials["WOOSHPAY_API_KEY"], "")
        product = next(iter(double.products))
        made = [_subscription(running.base_url, auth, product, card) for card in cards]
        before = {s["latest_invoice"]: double.invoices[s["latest_invoice"]]["status"] for s in made}
        assert before == {s["latest_invoice"]: "paid" if card else "open" for s, card in zip(made, cards, strict=True)}
        result = CliRunner().invoke(
            main,
            [
                "cleanup",
                "--provider",
                "wooshpay",
                "--base-url",
                f"wooshpay={running.base_url}",
                "--run-id",
                RUN,
                "--report-dir",
                str(tmp_path / "no-ledger"),
            ],
            env=running.credentials,
        )
        assert result.exit_code == 0, result.output
        after = {invoice: double.invoices[invoice]["status"] for invoice in before}
        assert after == {invoice: "paid" if status == "paid" else "void" for invoice, status in before.items()}
        assert {double.subscriptions[s["id"]]["status"] for s in made} == {"canceled"}


def test_a_subscription_is_removed_before_the_invoice_made_with_it() -> None:
    provider = get_provider("wooshpay")
    body = {"id": "sub_1", "latest_invoice": "in_1"}
    assert provider.removals("createSubscription", body) == [
        ("createSubscription", body),
        ("createInvoice", {"id": "in_1"}),
    ]
    # An expanded latest_invoice names the same invoice; none (null) adds nothing; other creates make nothing more.
    assert provider.removals("createSubscription", {**body, "latest_invoice": {"id": "in_1"}})[1:] == [
        ("createInvoice", {"id": "in_1"})
    ]
    assert provider.removals("createSubscription", {**body, "latest_invoice": None}) == [
        ("createSubscription", {**body, "latest_invoice": None})
    ]
    assert provider.removals("createInvoice", {"id": "in_2", "latest_invoice": "in_3"}) == [
        ("createInvoice", {"id": "in_2", "latest_invoice": "in_3"})
    ]
    # The budget keeps the removal of both in reserve before the answer names the invoice.
    assert provider.most_teardown_requests("createSubscription") == 1 + 2
