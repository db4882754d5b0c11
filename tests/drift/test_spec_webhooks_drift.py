"""`drift --spec` compares the shipped specs' `webhooks` (issue 27): an event removed, a payload change graded
like a response body's, a signature header gone; the same spec gives no change (twin). Every webhook rule
fires on a small pair in tests/drift/spec_corpus.py too, both ways."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.core.kinds import Severity
from conformance.drift.changes import Change
from conformance.drift.rules import severity_of
from conformance.drift.spec_diff import compare_files
from tests.conftest import ROOT

SHIPPED = {name: yaml.safe_load((ROOT / "specs" / f"{name}.yaml").read_text()) for name in ("wooshpay", "useepay")}


def _changes(tmp_path: Path, provider: str, change: Callable[[dict[str, Any]], None]) -> list[Change]:
    old, new = tmp_path / "old" / f"{provider}.yaml", tmp_path / "new" / f"{provider}.yaml"
    for path in (old, new):
        path.parent.mkdir(exist_ok=True)
    document = copy.deepcopy(SHIPPED[provider])
    old.write_text(yaml.safe_dump(document, sort_keys=False))
    change(document)
    new.write_text(yaml.safe_dump(document, sort_keys=False))
    return [c for c in compare_files(old, new) if c.operation.startswith("webhook ")]


CASES: list[tuple[str, str, Callable[[dict[str, Any]], None], str, str, Severity]] = [
    (
        "event removed",
        "useepay",
        lambda d: d["webhooks"].pop("invoice.paid"),
        "webhook invoice.paid",
        "webhook-removed",
        Severity.BREAKING,
    ),
    (
        "envelope field retyped",
        "wooshpay",
        lambda d: d["components"]["schemas"]["WebhookEvent"]["properties"].__setitem__("created", {"type": "string"}),
        "webhook invoice.paid",
        "response-property-type-changed",
        Severity.BREAKING,
    ),
    (
        "signature header gone",
        "useepay",
        lambda d: d["webhooks"]["invoice.cancelled"]["post"].__setitem__(
            "parameters", d["webhooks"]["invoice.cancelled"]["post"]["parameters"][:3]
        ),
        "webhook invoice.cancelled",
        "webhook-header-removed",
        Severity.BREAKING,
    ),
]


@pytest.mark.parametrize(
    ("what", "provider", "change", "operation", "rule", "severity"), CASES, ids=[c[0] for c in CASES]
)
def test_a_webhook_change_is_found_and_graded(
    tmp_path: Path, what: str, provider: str, change: Any, operation: str, rule: str, severity: Severity
) -> None:
    found = _changes(tmp_path, provider, change)
    assert (operation, rule) in {(c.operation, c.rule) for c in found}, what
    assert severity_of(rule) is severity


@pytest.mark.parametrize("provider", ["useepay"])
def test_the_same_webhooks_give_no_change_and_reordered_keys_neither(tmp_path: Path, provider: str) -> None:
    assert _changes(tmp_path, provider, lambda d: None) == []

    def reorder(d: dict[str, Any]) -> None:
        d["webhooks"] = dict(reversed(list(d["webhooks"].items())))

    assert _changes(tmp_path, provider, reorder) == []


def test_a_new_optional_payload_field_breaks_no_handler(tmp_path: Path) -> None:
    def add(d: dict[str, Any]) -> None:
        d["components"]["schemas"]["WebhookEvent"]["properties"]["account"] = {"type": "string"}

    found = _changes(tmp_path, "wooshpay", add)
    assert found
    assert {severity_of(c.rule) for c in found} == {Severity.NON_BREAKING}
