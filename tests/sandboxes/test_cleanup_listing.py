"""Finding a run's leftovers by listing (`find_tagged`), over real HTTP against the doubles: every page is read
(by cursor on WooshPay, by page number on UseePay), and an object is found exactly when it is open and carries
the run's tag (any run's without a run id); closed, untagged and other runs' objects are left alone."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.cli.main import main
from conformance.providers import get_provider
from conformance.targets.cleanup import find_tagged
from conformance.targets.double_server import running_double
from conformance.targets.run_tag import TAG

RUNS = ("run-aaaaaaaaaaaa", "run-bbbbbbbbbbbb", None)  # None: created without a tag
objects = st.lists(st.tuples(st.sampled_from(RUNS), st.booleans()), min_size=1, max_size=7)  # (tag, closed)


def _small_pages(provider: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of two, so that a handful of objects spans several pages."""
    listings = tuple(replace(listing, page_size=2) for listing in provider.tagged_listings())
    monkeypatch.setattr(type(provider), "tagged_listings", lambda self: listings)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(made=objects, wanted=st.sampled_from(RUNS))
def test_wooshpay_invoices_are_found_by_their_tag_across_pages(
    made: list[tuple[str | None, bool]], wanted: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = get_provider("wooshpay")
    _small_pages(provider, monkeypatch)
    with running_double("wooshpay", demo_data=True) as running:
        auth = (running.credentials["WOOSHPAY_API_KEY"], "")
        customer = next(iter(running.double.customers))  # type: ignore[attr-defined]
        expected = set()
        for run_id, closed in made:
            form = {"customer": customer, **({f"metadata[{TAG}]": run_id} if run_id else {})}
            invoice = requests.post(f"{running.base_url}/v1/invoices", data=form, auth=auth, timeout=10).json()
            if closed:
                requests.delete(f"{running.base_url}/v1/invoices/{invoice['id']}", auth=auth, timeout=10)
            elif run_id is not None and wanted in (None, run_id):
                expected.add(invoice["id"])
        found, problems = find_tagged(
            provider, running.base_url, provider.auth(running.credentials, running.base_url), wanted
        )
    assert problems == []
    assert {t.id for t in found if t.operation == "createInvoice"} == expected
    assert all(t.run_id == wanted for t in found if wanted is not None)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(made=objects)
def test_useepay_subscriptions_are_found_by_their_tag_across_numbered_pages(
    made: list[tuple[str | None, bool]], monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = get_provider("useepay")
    _small_pages(provider, monkeypatch)
    with running_double("useepay", demo_data=True) as running:
        headers = {
            "x-merchant-no": running.credentials["USEEPAY_MERCHANT_NO"],
            "x-api-key": running.credentials["USEEPAY_API_KEY"],
            "x-app-id": running.credentials["USEEPAY_APP_ID"],
        }
        customer = next(iter(running.double.customers))  # type: ignore[attr-defined]
        recurring = {"interval": "month", "interval_count": 1, "unit_amount": 112, "total_billing_cycles": 10}
        expected = set()
        for run_id, closed in made:
            body = {"customer_id": customer, "currency": "USD", "recurring": recurring}
            if run_id:
                body["metadata"] = {TAG: run_id}
            created = requests.post(
                f"{running.base_url}/api/v1/subscriptions/create", json=body, headers=headers, timeout=10
            ).json()
            if closed:
                requests.post(
                    f"{running.base_url}/api/v1/subscriptions/{created['id']}/cancel", headers=headers, timeout=10
                )
            elif run_id is not None:
                expected.add(created["id"])
        found, problems = find_tagged(provider, running.base_url, provider.auth(running.credentials, running.base_url))
    assert problems == []
    assert {t.id for t in found if t.operation == "createSubscription"} == expected


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(made=objects)
def test_wooshpay_webhook_endpoints_of_a_run_are_deleted_by_cleanup(
    made: list[tuple[str | None, bool]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    wanted = RUNS[0]
    with running_double("wooshpay", demo_data=True) as running:
        double: Any = running.double
        auth = (running.credentials["WOOSHPAY_API_KEY"], "")
        kept = set(double.webhook_endpoints)
        for run_id, disabled in made:
            form = {"url": "https://example.com/hook", "enabled_events[0]": "*"}
            form.update({f"metadata[{TAG}]": run_id} if run_id else {})
            endpoint = requests.post(f"{running.base_url}/v1/webhook_endpoints", data=form, auth=auth, timeout=10)
            endpoint_id = endpoint.json()["id"]
            if disabled:  # still registered: removed all the same
                url = f"{running.base_url}/v1/webhook_endpoints/{endpoint_id}"
                requests.post(url, data={"disabled": "true"}, auth=auth, timeout=10)
            if run_id != wanted:
                kept.add(endpoint_id)
        result = CliRunner().invoke(
            main,
            [
                *("cleanup", "--provider", "wooshpay", "--base-url", f"wooshpay={running.base_url}"),
                *("--run-id", wanted, "--report-dir", str(tmp_path_factory.mktemp("no-ledger"))),
            ],
            env=running.credentials,
        )
        assert result.exit_code == 0, result.output
        assert set(double.webhook_endpoints) == kept  # the run's deleted; untagged and another run's left
