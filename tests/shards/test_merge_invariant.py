"""The invariant that proves sharding: merging the N shards of a replay gives the unsharded run's document
(same findings with their counts and evidence, root causes, coverage, summary and verdict), for N = 1..5 and
any choice of providers; on the shipped specs and on specs the recordings deviate from."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.document.model import FindingsDocument
from conformance.run import pipeline
from tests.conftest import PROVIDERS
from tests.shards.conftest import comparable, merged_document, run_document, specs_with_findings

pytestmark = pytest.mark.usefixtures("judged_once")

_unsharded: dict[tuple[tuple[str, ...], str], FindingsDocument] = {}


def _reference(providers: tuple[str, ...], specs: Path | None) -> FindingsDocument:
    key = (providers, str(specs))
    if key not in _unsharded:
        _unsharded[key] = run_document(providers, specs=specs)
    return _unsharded[key]


@pytest.fixture(scope="module")
def deviating_specs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return specs_with_findings(tmp_path_factory.mktemp("deviating-specs"))


_providers = st.lists(st.sampled_from(PROVIDERS), min_size=1, max_size=len(PROVIDERS), unique=True).map(
    lambda names: tuple(sorted(names))
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(providers=_providers, total=st.integers(min_value=1, max_value=5), deviating=st.booleans())
def test_merged_shards_equal_the_unsharded_run(
    providers: tuple[str, ...], total: int, deviating: bool, deviating_specs: Path
) -> None:
    specs = deviating_specs if deviating else None
    expected = _reference(providers, specs)
    merged = merged_document(providers, total, specs)
    assert comparable(merged) == comparable(expected)
    assert pipeline.exit_code(merged) == pipeline.exit_code(expected)


def test_the_deviating_specs_give_findings_the_engine_and_the_workflows_share(deviating_specs: Path) -> None:
    """Without findings seen by several units the invariant would prove little about de-duplication."""
    document = _reference(tuple(PROVIDERS), deviating_specs)
    assert document.summary.breaking  # the verdict is part of what the merge must keep
    assert document.root_causes
    engine = {f.fingerprint for f in document.findings if f.evidence.cassette and "/engine/" in f.evidence.cassette}
    assert any(f.count > 1 for f in document.findings)
    assert engine, "the engine's recordings deviate from the changed specs"
    shard = run_document(tuple(PROVIDERS), None, deviating_specs)
    assert shard.findings


def test_a_shard_without_its_origins_would_keep_another_finding(deviating_specs: Path) -> None:
    """The origins are what makes the merge pick the unsharded run's evidence: ignoring them (taking the shards
    in index order) keeps other evidence for at least one fingerprint seen in two shards."""
    from dataclasses import replace

    from conformance.findings.model import deduplicate
    from conformance.run import shards
    from tests.shards.conftest import ShardDocument

    providers = tuple(PROVIDERS)
    expected = {f.fingerprint: f for f in _reference(providers, deviating_specs).findings}
    parts = [
        ShardDocument(Path(f"s{k}"), run_document(providers, shards.ShardSpec(k, 5), deviating_specs))
        for k in range(1, 6)
    ]
    naive = deduplicate(f for part in reversed(parts) for f in part.document.findings)
    assert any(replace(f, count=1) != replace(expected[f.fingerprint], count=1) for f in naive)
