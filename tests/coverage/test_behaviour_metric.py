"""The `behaviour` coverage metric: declared promises probed / declared, n/a when no probe ran, required by
the coverage gate like any metric, merged across shards from what each shard probed."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from conformance.coverage.compute import BehaviourProbes, compute
from conformance.coverage.gate import Threshold, parse_thresholds, shortfalls
from conformance.run.merge import merge_coverage
from conformance.spec.specs import Spec, parse_spec
from tests.coverage.test_coverage import RUN, SPEC

DECLARED = (
    "createWidget persistence: read by retrieveWidget",
    "listWidgets filter: status",
    "listWidgets pagination: walk",
    "createWidget constraint: name required",
)


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Spec:
    path = tmp_path_factory.mktemp("spec") / "widgets.yaml"
    path.write_text(yaml.safe_dump(SPEC, sort_keys=False))
    return parse_spec(path)


def test_the_metric_counts_the_declared_promises_probed(spec: Spec) -> None:
    probes = BehaviourProbes(declared=DECLARED, probed=(DECLARED[0], DECLARED[2], "not declared: ignored"))
    metric = compute(spec, RUN, behaviour=probes).metric("behaviour")
    assert metric is not None
    assert (metric.exercised, metric.documented, metric.never) == (2, 4, (DECLARED[1], DECLARED[3]))
    assert metric.shown == "50.0% (2/4)"


def test_no_probe_in_the_run_is_not_measured_and_the_gate_says_so(spec: Spec) -> None:
    coverage = [compute(spec, RUN)]
    metric = coverage[0].metric("behaviour")
    assert metric is not None
    assert metric.shown == "n/a"
    (unmeasured,) = shortfalls(coverage, parse_thresholds(["behaviour=100"]))
    assert "behaviour was not measured" in unmeasured.line


def test_the_gate_requires_the_behaviour_metric(spec: Spec) -> None:
    partly = [compute(spec, RUN, behaviour=BehaviourProbes(DECLARED, DECLARED[:3]))]
    (short,) = shortfalls(partly, [Threshold("behaviour", 100)])
    assert (short.metric, short.exercised, short.documented) == ("behaviour", 3, 4)
    assert shortfalls(partly, [Threshold("behaviour", 75)]) == []
    whole = [compute(spec, RUN, behaviour=BehaviourProbes(DECLARED, DECLARED))]
    assert shortfalls(whole, [Threshold("behaviour", 100)]) == []


@given(st.lists(st.sets(st.sampled_from(DECLARED)), min_size=1, max_size=4))
def test_shards_merge_to_what_any_of_them_probed(per_shard: list[set[str]]) -> None:
    spec = parse_spec_once()
    shards = [[compute(spec, RUN, behaviour=BehaviourProbes(DECLARED, tuple(probed)))] for probed in per_shard]
    (merged,) = merge_coverage(shards)
    whole = compute(spec, RUN, behaviour=BehaviourProbes(DECLARED, tuple(set().union(*per_shard))))
    assert merged.metric("behaviour") == whole.metric("behaviour")


@functools.cache
def parse_spec_once() -> Spec:
    path = Path(tempfile.mkdtemp()) / "widgets.yaml"
    path.write_text(yaml.safe_dump(SPEC, sort_keys=False))
    return parse_spec(path)
