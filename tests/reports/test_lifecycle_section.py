"""Transition coverage in the reports: the probe's table from findings.json in Markdown, HTML and the comparison."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from conformance.checks.lifecycle import require_lifecycle
from conformance.document.model import FindingsDocument, load_findings
from conformance.providers import get_provider
from conformance.reports import comparison, findings_json, html_report, lifecycle_table
from conformance.reports.markdown import render_vendor
from tests.reports import sample


def _coverage(provider: str, failed: tuple[str, str] | None = None) -> dict[str, Any]:
    """What the probe writes for a clean double, with one cell failed if asked."""
    lifecycle = require_lifecycle(get_provider(provider).spec)
    cells = [
        {
            "state": state,
            "action": rule.key,
            "rule": "allowed" if rule.allows(state) else "forbidden",
            "result": "failed"
            if (state, rule.key) == failed
            else ("passed" if state in lifecycle.reachable else "not_reachable"),
        }
        for state, rule in lifecycle.cells()
    ]
    unreachable = {s: "no documented operation leads there" for s in lifecycle.states if s not in lifecycle.reachable}
    return {**lifecycle.to_json(), "cells": cells, "unreachable": unreachable}


def _document(**coverage: dict[str, Any]) -> FindingsDocument:
    return replace(sample.document(), lifecycle=coverage)


def test_vendor_markdown_shows_the_state_by_action_table() -> None:
    document = _document(wooshpay=_coverage("wooshpay", failed=("paid", "voidInvoice")))
    text = render_vendor(document, "wooshpay")
    section = text[text.index("## Transition coverage") :]
    assert "| `paid` | forbidden, probed, passed |" in section  # finalize on paid
    assert "**forbidden, probed, failed**" in section
    assert "| `uncollectible` | forbidden, not reachable |" in section
    assert "- `uncollectible`: no documented operation leads there" in section
    assert "https://docs.wooshpay.com/api-220502273" in section  # where add_lines' rule comes from
    assert "Probed: 27 passed, 1 failed, 7 not reachable." in section


def test_html_and_comparison_carry_the_table_for_every_probed_provider() -> None:
    document = _document(useepay=_coverage("useepay", failed=("open", "payInvoice")), lynkwell=_coverage("lynkwell"))
    html = html_report.render(document)
    section = html[html.index('<section id="lifecycle">') :]
    assert '<table class="lifecycle" data-provider="useepay">' in section
    assert '<tr data-state="cancelled">' in section
    assert 'data-rule="allowed" data-result="failed"' in section
    assert "<code>cancelled</code> not reachable" in section
    built = comparison.build(document)
    for rendered in (comparison.render_markdown(built), comparison.render_html(built)):
        assert "Transition coverage" in rendered
        assert "UNCOLLECTIBLE" in rendered
        assert "payment_failed" in rendered


def test_no_probe_no_section() -> None:
    document = sample.document()
    assert document.lifecycle == {}
    assert "Transition coverage" not in render_vendor(document, "wooshpay")
    assert 'id="lifecycle"' not in html_report.render(document)
    built = comparison.build(document)
    assert "Transition coverage" not in comparison.render_markdown(built)


def test_hostile_values_stay_text() -> None:
    coverage = _coverage("lynkwell")
    coverage["states"] = [*coverage["states"], "<img src=x onerror=alert(1)>"]
    coverage["unreachable"]["<img src=x onerror=alert(1)>"] = "[click](https://evil.example) <b>"
    document = _document(lynkwell=coverage)
    html = html_report.render(document)
    assert "<img src=x" not in html
    markdown = render_vendor(document, "lynkwell")
    assert "[click](https://evil.example)" not in markdown


@pytest.mark.parametrize("broken", [{"states": "DRAFT"}, {"actions": []}, "not a mapping", {}])
def test_a_malformed_lifecycle_entry_is_left_out(broken: Any) -> None:
    document = _document(lynkwell=broken)  # type: ignore[arg-type]
    assert lifecycle_table.table(document, "lynkwell") is None
    assert "Transition coverage" not in render_vendor(document, "lynkwell")


def test_scenarios_not_judged_are_listed_with_or_without_the_probe_table() -> None:
    reason = "workflow subscription_invoices stopped after step 3 (createSubscription): ...; not judged"
    stopped = [{"scenario": "subscription_invoices", "reason": reason}]
    for entry in ({"not_judged": stopped}, {**_coverage("useepay"), "not_judged": stopped}):
        document = _document(useepay=entry)
        vendor = render_vendor(document, "useepay")
        assert "Not judged" in vendor
        assert f"- `subscription_invoices`: {reason}" in vendor
        assert ("| status |" in vendor) is ("states" in entry)
    assert "Not judged" not in render_vendor(_document(useepay=_coverage("useepay")), "useepay")


def test_findings_json_round_trips_the_lifecycle(tmp_path: Path) -> None:
    document = _document(useepay=_coverage("useepay"))
    findings_json.write(document, tmp_path)
    data = json.loads((tmp_path / "findings.json").read_text())
    assert data["lifecycle"]["useepay"]["states"] == ["open", "sent", "paid", "payment_failed", "cancelled"]
    assert load_findings(tmp_path / "findings.json").lifecycle == document.lifecycle
    findings_json.write(sample.document(), tmp_path)
    assert "lifecycle" not in json.loads((tmp_path / "findings.json").read_text())  # additive: absent when unprobed


def test_the_terminal_names_unreachable_states_and_failed_cells() -> None:
    from rich.console import Console

    from conformance.reports.terminal import print_summary

    console = Console(record=True, width=200)
    print_summary(_document(useepay=_coverage("useepay", failed=("paid", "payInvoice"))), console)
    text = console.export_text()
    assert "lifecycle useepay: 5 cells passed, 1 failed; not reachable: sent, cancelled" in text
    console = Console(record=True, width=200)
    print_summary(sample.document(), console)
    assert "lifecycle" not in console.export_text()
