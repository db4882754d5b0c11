"""x-lifecycle: the one declaration of each provider's invoice lifecycle, read and validated by
conformance.checks.lifecycle. A broken declaration is a one-sentence usage error (exit 2); valid rewrites of
the same declaration mean the same lifecycle."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.checks.lifecycle import Lifecycle, parse, require_lifecycle
from conformance.cli.main import main
from conformance.core.errors import UsageError
from conformance.providers import get_provider
from conformance.spec.specs import Spec, parse_spec
from tests.conftest import PROVIDERS, ROOT

Document = dict[str, Any]


def _document(provider: str) -> Document:
    return copy.deepcopy(get_provider(provider).spec.document)


def _parse(provider: str, document: Document) -> Lifecycle:
    spec = get_provider(provider).spec
    return parse(Spec(provider=spec.provider, path=spec.path, document=document), document["x-lifecycle"])


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_provider_declares_its_lifecycle_with_provenance(provider: str) -> None:
    lifecycle = require_lifecycle(get_provider(provider).spec)
    assert lifecycle.actions
    for rule in lifecycle.rules():
        assert rule.provenance.url.startswith("https://"), rule.key
        assert rule.provenance.status == "documented" or rule.provenance.reason


def test_wooshpay_transitions_are_stripes() -> None:
    lifecycle = require_lifecycle(get_provider("wooshpay").spec)
    assert lifecycle.transitions == {
        "draft": {"open", "paid"},
        "open": {"paid", "uncollectible", "void"},
        "uncollectible": {"paid", "void"},
        "paid": set(),
        "void": set(),
    }
    paid = ("/status_transitions/finalized_at", "/status_transitions/paid_at")
    assert lifecycle.set_in("paid") == paid
    assert lifecycle.unset_in("paid") == ("/status_transitions/voided_at",)
    assert ("/status_transitions/finalized_at", "/status_transitions/paid_at") in lifecycle.ordered_times()
    assert lifecycle.reachable == {"draft", "open", "paid", "void"}


def _set(path: str, value: Any) -> Callable[[Document], None]:
    def mutate(document: Document) -> None:
        *parents, last = path.split(".")
        node = document["x-lifecycle"]
        for name in parents:
            node = node[name]
        node[last] = value

    return mutate


def _drop(path: str) -> Callable[[Document], None]:
    def mutate(document: Document) -> None:
        *parents, last = path.split(".")
        node = document["x-lifecycle"]
        for name in parents:
            node = node[name]
        del node[last]

    return mutate


BROKEN = [
    (_set("states", ["draft", "open", "paid", "void"]), "must be the status enum"),
    (_set("states", "draft"), "must be a list of names"),
    (_set("actions.voidInvoice.from", ["open", "closed"]), "'closed', which is not one of the states"),
    (_set("actions.voidInvoice.to", ["voided"]), "'voided', which is not one of the states"),
    (_set("actions.voidInvoice.from", []), "must name at least one state"),
    (_set("actions.voidInvoice.sets", {"paid": ["/status_transitions/voided_at"]}), "is not a state this rule leads"),
    (_set("actions.voidInvoice.sets", {"void": ["voided_at"]}), "not a JSON pointer"),
    (_set("actions.voidInvoice.provenance", {"status": "documented"}), "names no url"),
    (_set("actions.voidInvoice.provenance", {"status": "inferred", "url": "https://x.example"}), "gives no reason"),
    (_set("actions.voidInvoice.provenance", {"status": "guessed", "reason": "r"}), "must be one of"),
    (
        _set("actions.cancelInvoice", {"from": ["open"], "provenance": {"status": "inferred", "reason": "r"}}),
        "no operationId",
    ),
    (_set("actions.voidInvoice.name", "finalize"), "two actions the same name"),
    (_set("actions.voidInvoice.form", ["open"]), "is not a field of a rule"),
    (_set("actions.deleteInvoice.to", ["void"]), "leads to no state"),
    (_set("refused_with", [500]), "4xx statuses"),
    (_set("refused_with", [422]), "none of which its responses document"),
    (_set("created.by", "makeInvoice"), "no operationId of the spec"),
    (_drop("created"), "must be a mapping"),
    (_set("enum", "#/components/schemas/Nothing/enum"), "which the spec does not hold"),
    (_set("status", "status"), "must be a JSON pointer"),
]


@pytest.mark.parametrize(("mutate", "says"), BROKEN, ids=[says for _, says in BROKEN])
def test_a_broken_declaration_says_what_to_fix(mutate: Callable[[Document], None], says: str) -> None:
    document = _document("wooshpay")
    mutate(document)
    with pytest.raises(UsageError) as raised:
        _parse("wooshpay", document)
    message = str(raised.value)
    assert says in message
    assert message.endswith("fix the declaration.")
    assert "\n" not in message


@settings(max_examples=15, derandomize=True, deadline=None)
@given(st.data())
def test_reordering_states_actions_or_sources_means_the_same_lifecycle(data: st.DataObject) -> None:
    document = _document("wooshpay")
    declared = document["x-lifecycle"]
    declared["states"] = data.draw(st.permutations(declared["states"]))
    actions = list(declared["actions"].items())
    declared["actions"] = dict(data.draw(st.permutations(actions)))
    for rule in declared["actions"].values():
        rule["from"] = data.draw(st.permutations(rule["from"]))
    lifecycle = _parse("wooshpay", document)
    original = require_lifecycle(get_provider("wooshpay").spec)
    assert lifecycle.transitions == original.transitions
    assert {s: lifecycle.set_in(s) for s in original.states} == {s: original.set_in(s) for s in original.states}
    assert lifecycle.reachable == original.reachable


def test_cli_exits_2_on_a_broken_declaration(cli: CliRunner, tmp_path: Path) -> None:
    for provider in PROVIDERS:
        shutil.copy(ROOT / "specs" / f"{provider}.yaml", tmp_path / f"{provider}.yaml")
    broken = tmp_path / "useepay.yaml"
    document = yaml.safe_load(broken.read_text())
    document["x-lifecycle"]["actions"]["payInvoice"]["from"] = ["open", "settled"]
    broken.write_text(yaml.safe_dump(document, sort_keys=False))
    with pytest.raises(UsageError):
        require_lifecycle(parse_spec(broken))  # checked where a provider loads its spec
    result = cli.invoke(main, ["--spec-dir", str(tmp_path), "audit", "--provider", "useepay"])
    assert result.exit_code == 2, result.output
    assert "'settled', which is not one of the states" in result.output
    assert "Traceback" not in result.output
