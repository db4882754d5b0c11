"""`--shard K/N`: every unit in exactly one shard, the same partition every time, balanced by weight."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.core.errors import UsageError
from conformance.providers import select_providers
from conformance.run import shards
from conformance.targets import TargetOptions
from tests.conftest import ROOT


def _units(target: str) -> list[shards.Unit]:
    options = TargetOptions(target=target, cassette_dir=ROOT / "cassettes")
    return shards.plan_units(select_providers(()), options, max_examples=10, audit=True, workflows=True)


@pytest.mark.parametrize("target", ["replay", "sandbox"])
@pytest.mark.parametrize("total", [1, 2, 3, 4, 5])
def test_the_shipped_suite_splits_within_1_3x_of_the_mean(target: str, total: int) -> None:
    units = _units(target)
    dealt = shards.partition(units, total)
    # Operations joined by OpenAPI links stay in one unit when generating: no cut can beat the heaviest
    # unit (WooshPay's 24 linked operations, at five sandbox shards). A replay has no such unit.
    mean = sum(u.weight for u in units) / total
    bound = 1.3 if target == "replay" else max(1.3, max(u.weight for u in units) / mean)
    assert shards.balance(dealt) <= bound, [sum(u.weight for u in s) for s in dealt]
    assert sorted(u.id for s in dealt for u in s) == sorted(u.id for u in _units(target))
    assert dealt[0][0].kind == "audit"


@settings(max_examples=60, deadline=None)
@given(
    weights=st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=30),
    total=st.integers(min_value=1, max_value=6),
)
def test_every_unit_in_exactly_one_shard_the_same_way_each_time(weights: list[int], total: int) -> None:
    units = [shards.Unit(f"engine:p:op{i}", "engine", "p", (f"op{i}",), weight=w) for i, w in enumerate(weights)]
    dealt = shards.partition(units, total)
    assert dealt == shards.partition(units, total)
    assert sorted(u.id for s in dealt for u in s) == sorted(u.id for u in units)
    loads = [sum(u.weight for u in s) for s in dealt]
    # The optimal consecutive cut is no worse than filling shards in order: the mean plus one unit at most.
    assert max(loads) <= sum(weights) / total + max(weights)


def test_a_generating_run_keeps_operations_linked_by_openapi_links_together() -> None:
    units = [u for u in _units("sandbox") if u.kind == "engine"]
    for provider in select_providers(()):
        spec = provider.spec
        group_of = {op: u.id for u in units if u.provider == provider.name for op in u.operations}
        assert set(group_of) == set(spec.operations)
        for op in spec.operations.values():
            node = spec.document["paths"][op.path][op.method.lower()]
            for response in node.get("responses", {}).values():
                for link in (response.get("links") or {}).values():
                    if link.get("operationId") in group_of:
                        assert group_of[link["operationId"]] == group_of[op.operation_id]


def test_a_replay_has_one_unit_per_operation_weighted_by_its_recorded_interactions() -> None:
    engine = [u for u in _units("replay") if u.kind == "engine"]
    assert all(len(u.operations) == 1 for u in engine)
    wooshpay = {u.operations[0]: u.weight for u in engine if u.provider == "wooshpay"}
    assert wooshpay["createSubscription"] > wooshpay["retrieveInvoice"] > 1


@pytest.mark.parametrize("value", ["0/3", "4/3", "3", "a/b", "1/0", ""])
def test_a_malformed_shard_is_a_usage_error(value: str) -> None:
    with pytest.raises(UsageError, match="--shard"):
        shards.ShardSpec.parse(value)


def test_run_refuses_a_sharded_recording(cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from conformance.cli.main import main

    result = cli.invoke(main, ["run", "--target", "record", "--shard", "1/2", "--report-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "--shard cannot record" in result.output


def test_include_operation_id_narrows_a_generating_run_s_units_to_the_selection() -> None:
    options = TargetOptions(target="sandbox", cassette_dir=ROOT / "cassettes")
    selected = ("listInvoices", "getInvoice", "createCustomer")
    units = shards.plan_units(
        select_providers(("lynkwell", "useepay")),
        options,
        max_examples=5,
        audit=False,
        workflows=False,
        operations=selected,
    )
    covered = {(u.provider, op) for u in units for op in u.operations}
    assert covered == {
        ("lynkwell", "listInvoices"),
        ("lynkwell", "getInvoice"),
        ("useepay", "listInvoices"),
        ("useepay", "createCustomer"),
    }
