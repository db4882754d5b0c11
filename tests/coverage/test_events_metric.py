"""The `events` coverage metric (issue 27): documented webhook events observed, "not documented" (never
passing) for a provider that declares none, mergeable across shards by uniting the observed sets."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.coverage.compute import compute, events_metric
from conformance.coverage.gate import parse_thresholds, shortfalls
from conformance.coverage.model import NOT_DOCUMENTED, Metric, ProviderCoverage
from conformance.providers import get_provider
from conformance.reports.terminal import _cell
from conformance.run.merge import merge_metric
from conformance.spec.webhooks import webhooks_of

WOOSHPAY = get_provider("wooshpay").spec
EVENTS = sorted(webhooks_of(WOOSHPAY).events)


@settings(max_examples=30, deadline=None)
@given(seen=st.sets(st.sampled_from(EVENTS)), noise=st.sets(st.text(min_size=1, max_size=8), max_size=3))
def test_observed_documented_events_count_and_undocumented_names_do_not(seen: set[str], noise: set[str]) -> None:
    metric = events_metric(WOOSHPAY, seen | {f"x.{n}" for n in noise})
    assert (metric.documented, metric.exercised) == (len(EVENTS), len(seen))
    assert set(metric.observed) == seen
    assert set(metric.never) == set(EVENTS) - seen
    assert Metric.from_json("events", metric.to_json()) == metric


def test_a_provider_without_events_is_not_documented_and_never_passes_a_gate() -> None:
    lynkwell = get_provider("lynkwell").spec
    coverage = compute(lynkwell, [], None, events={"invoice.paid"})
    metric = coverage.metric("events")
    assert metric is not None
    assert metric.note == NOT_DOCUMENTED
    assert metric.shown == NOT_DOCUMENTED
    assert _cell(metric) == NOT_DOCUMENTED
    (shortfall,) = shortfalls([coverage], parse_thresholds(["events=0"]))
    assert shortfall.documented is None
    # The twin: a provider with events, all observed, passes the same gate.
    full = compute(WOOSHPAY, [], None, events=set(EVENTS))
    assert shortfalls([full], parse_thresholds(["events=100"])) == []


def test_a_run_without_deliveries_measures_nothing() -> None:
    metric = events_metric(WOOSHPAY, None)
    assert metric.documented is None
    assert metric.note != NOT_DOCUMENTED


@settings(max_examples=30, deadline=None)
@given(shards=st.lists(st.sets(st.sampled_from(EVENTS)), min_size=1, max_size=4))
def test_shards_merge_into_the_union_of_what_they_observed(shards: list[set[str]]) -> None:
    merged = merge_metric([events_metric(WOOSHPAY, seen) for seen in shards])
    union = set().union(*shards)
    assert set(merged.observed) == union
    assert merged.exercised == len(union)
    assert set(merged.never) == set(EVENTS) - union


def test_coverage_reads_back_with_the_events_metric() -> None:
    coverage = compute(WOOSHPAY, [], None, events={"invoice.paid"})
    assert ProviderCoverage.from_json(coverage.to_json()) == coverage
