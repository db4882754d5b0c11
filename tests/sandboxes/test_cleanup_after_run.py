"""After a live run against a double, the double holds no open object the run created, where the provider's
lifecycle lets it be removed: WooshPay drafts deleted, open invoices voided, subscriptions cancelled; UseePay
subscriptions cancelled (its pages document no way to void or delete an invoice). The run's own objects are
the double's after the run less its demo data."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import requests
from click.testing import CliRunner

from conformance.cli.main import main
from conformance.core.ledger import FILE_NAME, still_open
from conformance.providers import get_provider
from conformance.targets.double_server import running_double

# The double's stores after the last run, for assertions about what it holds beyond statuses.
seen: dict[str, dict[str, Any]] = {}
OPEN = {"invoices": {"draft", "open"}, "subscriptions": {"active", "trialing", "past_due", "incomplete", "unpaid"}}


def _run_against_double(provider: str, operation: str, tmp_path: Path) -> dict[str, Counter[str]]:
    with running_double(provider, demo_data=True) as running:
        double: Any = running.double
        demo = {store: set(getattr(double, store)) for store in OPEN}
        seen.clear()
        result = CliRunner().invoke(
            main,
            [
                "run",
                "--base-url",
                f"{provider}={running.base_url}",
                "--provider",
                provider,
                "--no-audit",
                "--include-operation-id",
                operation,
                "--max-examples",
                "2",
                "--report-dir",
                str(tmp_path),
            ],
            env=running.credentials,
        )
        assert result.exit_code in (0, 1), result.output
        seen.update(
            {store: {k: o for k, o in getattr(double, store).items() if k not in demo[store]} for store in OPEN}
        )
        return {
            store: Counter(str(o.get("status")) for key, o in getattr(double, store).items() if key not in demo[store])
            for store in OPEN
        }


def test_wooshpay_keeps_no_open_invoice_or_subscription_of_the_run(tmp_path: Path) -> None:
    left = _run_against_double("wooshpay", "createInvoice", tmp_path)
    assert sum(left["invoices"].values()) > 0, "the run created invoices (else the assertion below proves nothing)"
    assert not {s for s in left["invoices"] if s in OPEN["invoices"]}, left
    assert not {s for s in left["subscriptions"] if s in OPEN["subscriptions"]}, left
    # A subscription's first invoice, made alongside it, is in the ledger (what `conformance cleanup` reads after
    # an interrupted run) as an invoice to void, and written down as removed unless it was paid.
    invoices = {s["latest_invoice"] for s in seen["subscriptions"].values() if s.get("latest_invoice")}
    lines = [json.loads(line) for line in (tmp_path / FILE_NAME).read_text().splitlines()]
    assert invoices <= {line["id"] for line in lines if line["operation"] == "createInvoice"}
    still = {e.id for e in still_open(tmp_path / FILE_NAME, "wooshpay") if e.operation == "createInvoice"}
    assert {i for i in invoices & still if seen["invoices"][i]["status"] != "paid"} == set()


def test_useepay_keeps_no_active_subscription_of_the_run(tmp_path: Path) -> None:
    left = _run_against_double("useepay", "createSubscription", tmp_path)
    assert sum(left["subscriptions"].values()) > 0, left
    assert set(left["subscriptions"]) <= {"cancelled"}, left


def test_wooshpay_keeps_no_webhook_endpoint_of_the_run(tmp_path: Path) -> None:
    with running_double("wooshpay", demo_data=True) as running:
        double: Any = running.double
        before = set(double.webhook_endpoints)
        result = CliRunner().invoke(
            main,
            [
                *("run", "--base-url", f"wooshpay={running.base_url}", "--provider", "wooshpay", "--no-audit"),
                *("--no-workflows", "--include-operation-id", "CreateWebhookEndpoint", "--max-examples", "2"),
                *("--report-dir", str(tmp_path)),
            ],
            env=running.credentials,
        )
        assert result.exit_code in (0, 1), result.output
        made = {e["id"] for e in _created(tmp_path / FILE_NAME) if e["operation"] == "CreateWebhookEndpoint"}
        assert made, "the run created endpoints (else the assertion below proves nothing)"
        assert set(double.webhook_endpoints) == before  # each deleted; none registered before is touched
        assert not {e.id for e in still_open(tmp_path / FILE_NAME, "wooshpay")} & made


def _created(path: Path) -> list[dict[str, Any]]:
    return [line for line in map(json.loads, path.read_text().splitlines()) if not line.get("removed")]


def test_lynkwell_archives_the_drivers_of_the_run_and_no_other(tmp_path: Path) -> None:
    # Lynkwell answers in {"data": ...} envelopes: the ledger and the teardown read the id inside.
    with running_double("lynkwell", demo_data=True) as running:
        double: Any = running.double
        provider = get_provider("lynkwell")
        mine = {"name": {"first": "Ada", "last": "Kept"}}  # made before the run: not the run's to archive
        url = f"{running.base_url}/identity/v1/drivers"
        auth = provider.auth(running.credentials, running.base_url)
        assert requests.post(url, json=mine, auth=auth, timeout=10).ok
        demo = {key: dict(driver) for key, driver in double.drivers.items()}
        result = CliRunner().invoke(
            main,
            [
                *("run", "--base-url", f"lynkwell={running.base_url}", "--provider", "lynkwell", "--no-audit"),
                *("--no-workflows", "--include-operation-id", "createDriver", "--max-examples", "3"),
                *("--report-dir", str(tmp_path)),
            ],
            env=running.credentials,
        )
        assert result.exit_code in (0, 1), result.output
        made = {key: driver for key, driver in double.drivers.items() if key not in demo}
        assert made, "the run created drivers (else the assertions below prove nothing)"
        assert {key for key, driver in made.items() if driver["name"] is not None} == set(), "each archived"
        assert demo
        assert {key: dict(double.drivers[key]) for key in demo} == demo, "none it did not create is touched"
        written = {e["id"] for e in _created(tmp_path / FILE_NAME) if e["operation"] == "createDriver"}
        assert written == set(made)
        assert not {e.id for e in still_open(tmp_path / FILE_NAME, "lynkwell")} & set(made)
