"""The engine as a pipeline stage: every selected provider through its target, serially or in processes.

A replay re-judges the recorded exchanges (conformance.replay) unless `--replay exact` asks for them to
be regenerated; live, record and sandbox runs go through schemathesis. Parallelism is across providers
(one process each): within a provider the run stays sequential, so parallel runs find exactly what
serial runs find. The generation machinery is imported only by the paths that generate.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from conformance.cassettes import store
from conformance.core import ledger, secrets
from conformance.coverage.exchanges import Exchange, from_cassette
from conformance.engine.settings import Settings
from conformance.findings.model import Finding
from conformance.http import budget
from conformance.providers import get_provider
from conformance.providers.base import Provider
from conformance.spec.resources import chosen_specs_dir, specs_from
from conformance.targets import TargetOptions, connect, guarded_transport, mode_for
from conformance.targets.stage import Stage, StageResult


@dataclass(frozen=True)
class _ProviderOutcome:
    provider: str
    base_url: str
    mode: str  # the effective target: replay, live, record or sandbox
    findings: list[dict[str, Any]]
    requests: int
    operations: list[str]
    exchanges: list[Exchange]
    # recorded cassettes waiting for the run's end (store.transaction)
    staged: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Portion:
    """A shard's part of one provider's engine work (conformance.run.shards): these operations, and the
    findings about no operation of the spec when `home`."""

    operations: tuple[str, ...]
    home: bool = False


def run_one(
    provider_name: str,
    options: TargetOptions,
    settings: Settings,
    specs: Path | None = None,
    portion: Portion | None = None,
) -> _ProviderOutcome:
    """One provider, in this process or a worker; `specs` is the invocation's spec directory (None: embedded)."""
    with specs_from(specs), ledger.recording(options.ledger):
        provider = get_provider(provider_name)
        if mode_for(provider, options) == "replay" and settings.first_pass:
            return _nothing(provider, options)  # a budget's first pass is for live targets; the replay runs once
        if mode_for(provider, options) == "replay" and options.replay != "exact":
            return _rejudge(provider, options, portion)
        if portion is not None:
            settings = replace(settings, operations=portion.operations)
        if budget.spent_out():
            return _nothing(provider, options)  # the budget is spent: the run names what it did not reach
        try:
            return _generate(provider, options, settings)
        except budget.BudgetSpent:
            return _nothing(provider, options)  # spent while connecting (the reachability probe)


def _nothing(provider: Provider, options: TargetOptions) -> _ProviderOutcome:
    return _ProviderOutcome(
        provider=provider.name,
        base_url="",
        mode=mode_for(provider, options),
        findings=[],
        requests=0,
        operations=[],
        exchanges=[],
    )


def _rejudge(provider: Provider, options: TargetOptions, portion: Portion | None = None) -> _ProviderOutcome:
    from conformance.replay.verdicts import replay_engine

    outcome = replay_engine(provider, options.cassette_dir, root=Path.cwd())
    findings, exchanges, operations = outcome.findings, outcome.exchanges, outcome.operations
    if portion is not None:
        # The whole cassette is judged (its parse is most of the time), and this shard keeps its portion.
        mine, spec_ops = set(portion.operations), provider.spec.operations
        findings = [f for f in findings if f.operation in mine or (portion.home and f.operation not in spec_ops)]
        exchanges = [e for e in exchanges if e.operation in mine]
        operations = operations & mine
    return _ProviderOutcome(
        provider=provider.name,
        base_url=outcome.base_url,
        mode="replay",
        findings=[f.to_json() for f in findings],
        requests=len(exchanges) if portion is not None else outcome.requests,
        operations=sorted(operations),
        exchanges=exchanges,
    )


def _generate(provider: Provider, options: TargetOptions, settings: Settings) -> _ProviderOutcome:
    from conformance.cassettes.evidence import CassettePositions
    from conformance.checks.refusals import refusals_of
    from conformance.engine.intent import IntentRecorder
    from conformance.engine.runner import EngineRun
    from conformance.engine.selection import for_spec
    from conformance.targets.cleanup import clean_up

    settings = for_spec(settings, provider.spec)
    with (
        store.deferred() as staged,
        guarded_transport(
            provider, options, settings.request_timeout, settings.max_response_bytes, settings.request_retries
        ),
        connect(provider, options, settings.generation()) as connection,
    ):
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
            unserved=connection.unserved,
            intents=(
                IntentRecorder(connection.recording, connection.intents, refusals_of(provider.spec).codes)
                if connection.recording is not None and connection.intents is not None
                else None
            ),
        )
        result = run.execute()
        if connection.mode in ("live", "record"):
            clean_up(provider, connection.base_url, connection.auth, result.created)
    index = None
    readable = store.readable(connection.cassette) if connection.cassette is not None else None
    if connection.cassette is not None and readable is not None and readable.exists():
        # A recording is final only now (staged until the run ends); a replay's cassette was parsed when the run began.
        cassette = connection.replayed or store.read_cassette(readable, provider.name)
        index = CassettePositions(connection.cassette, cassette.interactions, root=Path.cwd())
    findings = run.finish(index) + result.findings
    requests, operations, exchanges = result.requests, result.operations, result.exchanges
    if connection.mode == "record" and index is not None:
        # A recording counts what it wrote, exactly as its replay will count it.
        from conformance.replay.engine import recorded_cases

        judged = recorded_cases(provider.spec, cassette).judged
        requests = len(judged)
        operations = {case.operation.operation_id for case in judged}
        exchanges = [replace(from_cassette(case.interaction), operation=case.operation.operation_id) for case in judged]
    return _ProviderOutcome(
        provider=provider.name,
        base_url=connection.base_url,
        mode=connection.mode,
        # Scrubbed here: tokens issued to a worker process are known to it alone.
        findings=[secrets.scrub_value(f.to_json()) for f in findings],
        requests=requests,
        operations=sorted(operations),
        exchanges=exchanges,
        staged=staged,
    )


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """An interrupted or failed run does not wait for the other providers: their recordings are discarded."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
    pool.shutdown(wait=False, cancel_futures=True)


def engine_stage(
    options: TargetOptions,
    settings: Settings,
    workers: int | None = 1,
    portions: dict[str, Portion] | None = None,
) -> Stage:
    """`workers` None: every core for a re-judging replay (parsing cassettes is most of its time), else one.
    `portions`: a shard's part of each provider's work (None: everything; a provider absent: nothing)."""

    def stage(providers: list[Provider]) -> StageResult:
        rank = {p.name: i for i, p in enumerate(providers)}
        names = [p.name for p in providers if portions is None or p.name in portions]
        parts = [None if portions is None else portions[name] for name in names]
        judging = options.target == "replay" and options.replay != "exact" and not options.base_urls
        count = workers if workers is not None else (os.cpu_count() or 1) if judging else 1
        if budget.current() is not None:
            count = 1  # one budget, counted in this process: the providers spend it one after another
        if count > 1 and len(names) > 1:
            # Re-judging imports no generator and starts no thread: forking is cheap and safe there.
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if judging and "fork" in methods else "spawn")
            pool = ProcessPoolExecutor(max_workers=min(count, len(names)), mp_context=context)
            try:
                specs = [chosen_specs_dir()] * len(names)
                outcomes = list(pool.map(run_one, names, [options] * len(names), [settings] * len(names), specs, parts))
            except BaseException:
                _stop_workers(pool)
                raise
            pool.shutdown()
        else:
            outcomes = [
                run_one(name, options, settings, chosen_specs_dir(), part)
                for name, part in zip(names, parts, strict=True)
            ]
        result = StageResult()
        for outcome in outcomes:
            store.adopt(outcome.staged)
            found = [Finding.from_json(f) for f in outcome.findings]
            result.findings.extend(found)
            for finding in found:
                result.origins.setdefault(finding.fingerprint, (1, rank[outcome.provider]))
            result.requests += outcome.requests
            result.operations.update((outcome.provider, op) for op in outcome.operations)
            if outcome.base_url:
                result.base_urls[outcome.provider] = outcome.base_url
            result.exchanges.setdefault(outcome.provider, []).extend(outcome.exchanges)
            result.targets[outcome.provider] = outcome.mode
        return result

    return stage
