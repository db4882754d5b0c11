"""`--rate-limit-total R`: one quota for the N shards of a run; each shard takes its share, rounded down."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from conformance.cli.main import main
from conformance.http.ratelimit import share_of

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _per_second(rate: str) -> float:
    count, _, unit = rate.partition("/")
    return int(count) / _SECONDS[unit]


@given(count=st.integers(min_value=1, max_value=10_000), unit=st.sampled_from("smhd"), shards=st.integers(1, 64))
def test_the_shards_together_never_exceed_the_quota_and_lose_little_of_it(count: int, unit: str, shards: int) -> None:
    total = f"{count}/{unit}"
    share = share_of(total, shards)
    assert int(share.partition("/")[0]) >= 1
    if _per_second(total) * 86400 / shards >= 1:  # the syntax can express the share at all
        assert shards * _per_second(share) <= _per_second(total) + 1e-12
    if count >= 10 * shards:  # a share of ten or more in the same unit: rounding loses at most a tenth
        assert shards * _per_second(share) >= 0.9 * _per_second(total)


@pytest.mark.parametrize(("total", "shards", "share"), [("10/s", 3, "3/s"), ("2/s", 3, "40/m"), ("30/m", 1, "30/m")])
def test_examples(total: str, shards: int, share: str) -> None:
    assert share_of(total, shards) == share


def test_a_pace_given_twice_is_a_usage_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        main, ["run", "--rate-limit", "5/s", "--rate-limit-total", "10/s", "--report-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "pass one of them" in result.output
    bad = CliRunner().invoke(main, ["run", "--rate-limit-total", "ten", "--report-dir", str(tmp_path)])
    assert bad.exit_code == 2
