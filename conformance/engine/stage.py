"""The engine as a pipeline stage: every selected provider through its target, serially or in processes.

Parallelism is across providers (one process each): within a provider the run stays sequential, so
recordings replay in the order they were made and parallel runs find exactly what serial runs find.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.cassettes.store import read_cassette
from conformance.coverage.exchanges import Exchange
from conformance.engine.cleanup import clean_up
from conformance.engine.evidence import CassetteIndex
from conformance.engine.runner import EngineRun
from conformance.engine.settings import Settings
from conformance.findings import Finding
from conformance.pipeline import Stage, StageResult
from conformance.providers import get_provider
from conformance.providers.base import Provider
from conformance.targets import TargetOptions, connect


@dataclass(frozen=True)
class _ProviderOutcome:
    provider: str
    base_url: str
    mode: str  # the effective target: replay, live, record or sandbox
    findings: list[dict[str, Any]]
    requests: int
    operations: list[str]
    exchanges: list[Exchange]


def run_one(provider_name: str, options: TargetOptions, settings: Settings) -> _ProviderOutcome:
    provider = get_provider(provider_name)
    with connect(provider, options, settings.generation()) as connection:
        if connection.mode == "replay":
            settings = settings.replaying(connection.recorded_generation)
        run = EngineRun(
            provider=provider,
            spec=provider.spec,
            base_url=connection.base_url,
            auth=connection.auth,
            settings=settings,
            source=connection.source,
            secrets=connection.secrets,
            cassette=connection.cassette,
            safe_methods_only=connection.safe_methods_only,
        )
        result = run.execute()
        if connection.mode in ("live", "record"):
            clean_up(provider, connection.base_url, connection.auth, result.created)
    index = None
    if connection.cassette is not None and connection.cassette.exists():
        # A recording is final only now; a replay's cassette was parsed when the run began.
        cassette = connection.replayed or read_cassette(connection.cassette, provider.name)
        index = CassetteIndex(cassette.path, cassette.interactions, root=Path.cwd())
    findings = run.finish(index) + result.findings
    return _ProviderOutcome(
        provider=provider.name,
        base_url=connection.base_url,
        mode=connection.mode,
        findings=[f.to_json() for f in findings],
        requests=result.requests,
        operations=sorted(result.operations),
        exchanges=result.exchanges,
    )


def engine_stage(options: TargetOptions, settings: Settings, workers: int = 1) -> Stage:
    def stage(providers: list[Provider]) -> StageResult:
        names = [p.name for p in providers]
        if workers > 1 and len(names) > 1:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=min(workers, len(names)), mp_context=context) as pool:
                outcomes = list(pool.map(run_one, names, [options] * len(names), [settings] * len(names)))
        else:
            outcomes = [run_one(name, options, settings) for name in names]
        result = StageResult()
        for outcome in outcomes:
            result.findings.extend(Finding.from_json(f) for f in outcome.findings)
            result.requests += outcome.requests
            result.operations.update((outcome.provider, op) for op in outcome.operations)
            result.base_urls[outcome.provider] = outcome.base_url
            result.exchanges.setdefault(outcome.provider, []).extend(outcome.exchanges)
            result.targets[outcome.provider] = outcome.mode
        return result

    return stage
