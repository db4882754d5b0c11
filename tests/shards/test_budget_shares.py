"""A budget over shards: each shard spends its share, and the merge adds the shares back up and keeps what
each shard did not reach."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conformance.http.budget import Budget
from conformance.run.merge import _merged_budget


@given(limit=st.integers(min_value=1, max_value=10_000), total=st.integers(min_value=1, max_value=9))
def test_the_shares_never_exceed_the_budget_but_for_the_one_request_each_shard_needs(limit: int, total: int) -> None:
    share = Budget(max_requests=limit, max_duration=60.0).share(total)
    assert share.max_duration == 60.0
    assert share.max_requests is not None
    assert share.max_requests * total <= max(limit, total)  # at least one request each
    assert share.max_requests >= 1


def test_the_merge_sums_the_shards_and_keeps_what_each_did_not_reach() -> None:
    first = {
        "max_requests": 50,
        "max_duration": None,
        "spent": 50,
        "cleanup": 0,
        "reserved": 0,
        "exhausted": "requests",
        "elapsed": 3.0,
        "gaps": ["Budget spent (shard 1)."],
        "not_reached": {"wooshpay": {"operations": ["payInvoice"], "scenarios": []}},
    }
    second = {
        "max_requests": 50,
        "max_duration": None,
        "spent": 20,
        "cleanup": 2,
        "reserved": 0,
        "exhausted": None,
        "elapsed": 5.0,
        "gaps": [],
        "not_reached": {},
    }
    merged = _merged_budget([first, second])
    assert merged is not None
    assert (merged["max_requests"], merged["spent"], merged["cleanup"], merged["elapsed"]) == (100, 70, 2, 5.0)
    assert merged["exhausted"] == "requests"
    assert merged["not_reached"] == {"wooshpay": {"operations": ["payInvoice"], "scenarios": []}}
    assert merged["gaps"] == ["Budget spent (shard 1)."]


def test_shards_without_a_budget_merge_into_none() -> None:
    assert _merged_budget([None, None]) is None
