"""In-process runs for the shard tests: the pipeline as `conformance run` assembles it, each provider's
engine replay judged once per session (it is deterministic; parsing a cassette is most of a replay's time),
so that N shards of a run cost little more than the run itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cassettes import store
from conformance.document.model import FindingsDocument
from conformance.engine.settings import Settings
from conformance.providers.base import Provider
from conformance.replay import verdicts as replay
from conformance.run import pipeline, shards
from conformance.run.assembly import assemble
from conformance.run.merge import ShardDocument, merge
from conformance.spec.resources import chosen_specs_dir, specs_from
from conformance.targets import TargetOptions
from conformance.workflows import stage as workflow_stage
from conformance.workflows.runner import ScenarioOutcome
from tests.conftest import ROOT

OPTIONS = TargetOptions(cassette_dir=ROOT / "cassettes")
_parsed: dict[tuple[str, str, str], store.LoadedCassette] = {}
_scenarios: dict[tuple[str, str, str], ScenarioOutcome] = {}
_judged: dict[tuple[str, str], replay.ReplayOutcome] = {}


@pytest.fixture(scope="module")
def judged_once() -> Iterator[None]:
    """Each cassette parsed once, each scenario replayed once per spec: both are deterministic, and they are
    most of a replay's time; the engine's judging, the merge and everything after run for real."""
    read, replay_scenario, judge = store.read_cassette, workflow_stage.run_scenario, replay.replay_engine

    def read_once(path: Path, provider: str, suite: str = store.ENGINE_SUITE) -> store.LoadedCassette:
        key = (str(path), provider, suite)
        if key not in _parsed:
            _parsed[key] = read(path, provider, suite)
        return _parsed[key]

    def scenario_once(workflows: Any, scenario: Any, connecting: Any, **kwargs: Any) -> ScenarioOutcome:
        key = (workflows.provider, scenario.name, str(chosen_specs_dir()))
        if key not in _scenarios:
            _scenarios[key] = replay_scenario(workflows, scenario, connecting, **kwargs)
        return _scenarios[key]

    def judge_once(provider: Provider, cassette_dir: Path, *, root: Path) -> replay.ReplayOutcome:
        key = (provider.name, str(provider.spec.path))
        if key not in _judged:
            _judged[key] = judge(provider, cassette_dir, root=root)
        return _judged[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "read_cassette", read_once)
        patch.setattr(replay, "replay_engine", judge_once)
        patch.setattr(workflow_stage, "run_scenario", scenario_once)
        yield


def run_document(
    providers: tuple[str, ...], shard: shards.ShardSpec | None = None, specs: Path | None = None
) -> FindingsDocument:
    with specs_from(specs):
        from conformance.providers import select_providers

        plan = None
        if shard is not None:
            plan = shards.plan(
                shard, select_providers(providers), OPTIONS, max_examples=10, audit=True, workflows=True, settings={}
            ).plan
        stages = assemble(OPTIONS, Settings(), workers=1, plan=plan)
        return pipeline.execute(provider_names=providers, target="replay", stages=stages, seed=0, shard=plan)


def merged_document(providers: tuple[str, ...], total: int, specs: Path | None = None) -> FindingsDocument:
    parts = [
        ShardDocument(Path(f"shard-{k}"), run_document(providers, shards.ShardSpec(k, total), specs))
        for k in range(1, total + 1)
    ]
    with specs_from(specs):
        return merge(parts)


def comparable(document: FindingsDocument) -> dict[str, Any]:
    """The document less what differs by construction: timestamps and shard metadata."""
    data = document.to_json()
    for key in ("started_at", "finished_at", "shard"):
        data["run"].pop(key, None)
    return data


def specs_with_findings(folder: Path) -> Path:
    """The shipped specs with every provider's Invoice changed so that the recordings deviate from it: a
    required field no answer has (missing_field) and a documented field removed (undocumented_field), seen
    by the engine and the workflows alike, in many operations."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in sorted((ROOT / "specs").glob("*.yaml")):
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
        invoice = document["components"]["schemas"]["Invoice"]
        invoice["properties"]["shard_probe"] = {"type": "string"}
        invoice["required"] = [*invoice.get("required", []), "shard_probe"]
        # A documented requirement, so that the missing field is breaking and the verdict is part of what
        # the merge must keep (an inferred one is non-breaking by default).
        invoice.pop("x-inferred", None)
        invoice["properties"].pop("currency", None)
        invoice["required"] = [name for name in invoice["required"] if name != "currency"]
        (folder / source.name).write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return folder
