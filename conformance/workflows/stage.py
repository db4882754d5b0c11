"""Workflows as a pipeline stage: every scenario of every selected provider through the run's target.

replay  — each scenario from cassettes/<provider>/workflows/<scenario>.yaml, network blocked;
live    — against the target (a production host runs the read-only scenarios only);
record  — live, and each scenario's cassette is rewritten (scrubbed, atomically);
sandbox — against a fresh bundled double holding its demo data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from conformance import transport
from conformance.cassettes import store
from conformance.coverage.compute import TransitionProbes
from conformance.errors import TargetUnreachable
from conformance.findings import Source
from conformance.providers.base import Provider
from conformance.ratelimit import RateLimitPolicy, rate_limit_finding
from conformance.scenarios.lifecycle_probe import NOT_REACHABLE
from conformance.scenarios.scenario import ProviderWorkflows
from conformance.stage import Stage, StageResult
from conformance.targets import TargetOptions, connect, mode_for
from conformance.targets.double_server import running_double
from conformance.workflows import WORKFLOW_SUITE
from conformance.workflows.runner import ScenarioOutcome, Target, replay, run_live


def workflow_stage(
    options: TargetOptions,
    *,
    timeout: float = 10.0,
    max_retry_after: float = 60.0,
    max_bytes: int = transport.DEFAULT_MAX_RESPONSE_BYTES,
) -> Stage:
    def stage(providers: list[Provider]) -> StageResult:
        result = StageResult()
        for provider in providers:
            workflows = provider.workflows()
            if workflows is None:
                continue
            result.targets[provider.name] = mode_for(provider, options)
            outcomes = run_provider(
                provider, workflows, options, timeout=timeout, max_retry_after=max_retry_after, max_bytes=max_bytes
            )
            for outcome in outcomes:
                result.findings.extend(outcome.findings)
                result.requests += outcome.requests
                result.operations.update((provider.name, op) for op in outcome.operations)
                result.exchanges.setdefault(provider.name, []).extend(outcome.exchanges)
                if outcome.lifecycle is not None:
                    result.lifecycle[provider.name] = outcome.lifecycle
                    result.transitions[provider.name] = transition_probes(outcome.lifecycle)
        return result

    return stage


def transition_probes(table: Mapping[str, Any]) -> TransitionProbes:
    """The probe's state x action table as contract coverage: every cell a transition, probed unless
    its state was not reached."""
    cells = [c for c in table.get("cells", []) if isinstance(c, Mapping)]
    labels = [f"{c.get('action')}@{c.get('state')}" for c in cells]
    probed = [label for label, c in zip(labels, cells, strict=True) if c.get("result") != NOT_REACHABLE]
    return TransitionProbes(documented=tuple(labels), probed=tuple(probed))


def run_provider(
    provider: Provider,
    workflows: ProviderWorkflows,
    options: TargetOptions,
    *,
    timeout: float = 10.0,
    max_retry_after: float = 60.0,
    max_bytes: int = transport.DEFAULT_MAX_RESPONSE_BYTES,
    retries: int = 2,
) -> list[ScenarioOutcome]:
    mode = mode_for(provider, options)
    if mode == "replay":
        return [
            replay(workflows, scenario, _cassette(options, provider, scenario.name), timeout=timeout)
            for scenario in workflows.scenarios
        ]
    with (
        transport.guarded(timeout, max_bytes, retries) as guard,
        _live_target(provider, options, mode, timeout) as (target, production),
    ):
        target = replace(target, rate_limit=RateLimitPolicy(max_wait=max_retry_after))
        outcomes = []
        for scenario in workflows.scenarios:
            if production and not scenario.read_only:
                continue
            cassette = _cassette(options, provider, scenario.name) if mode == "record" else None
            outcomes.append(run_live(workflows, scenario, target, cassette=cassette))
            if guard.tripped:
                raise TargetUnreachable(
                    f"{provider.title} at {target.base_url} failed at transport level {transport.TRIP_AFTER} times "
                    f"in a row ({guard.last_error}); check the URL, the network and --request-timeout."
                )
    if outcomes and not guard.answers:
        raise TargetUnreachable(
            f"{provider.title} at {target.base_url} gave no usable answer to any workflow request, so there is no "
            "verdict; check the URL and the network, then run again."
        )
    limited = rate_limit_finding(provider.spec, provider.title, target.rate_limit, Source.LIVE)
    if limited is not None and outcomes:
        outcomes[-1].findings.append(limited)
    return outcomes


@contextmanager
def _live_target(
    provider: Provider, options: TargetOptions, mode: str, timeout: float
) -> Iterator[tuple[Target, bool]]:
    """The target and whether it is a production host. Scenarios get their own auth, hence credentials here."""
    if mode == "sandbox":
        with running_double(provider.name, demo_data=True) as double:
            yield _target(provider, double.base_url, double.credentials, timeout), False
        return
    # connect() checks the host (production needs --allow-production), the credentials and reachability;
    # record is connected as live so that the engine's cassette is left alone.
    with connect(provider, replace(options, target="live")) as connection:
        credentials = provider.credentials_from_env(options.env)
        yield _target(provider, connection.base_url, credentials, timeout), connection.safe_methods_only


def _target(provider: Provider, base_url: str, credentials: Mapping[str, str], timeout: float) -> Target:
    return Target(provider=provider, base_url=base_url, credentials=credentials, source=Source.LIVE, timeout=timeout)


def _cassette(options: TargetOptions, provider: Provider, name: str) -> Path:
    return store.cassette_path(options.cassette_dir, provider.name, WORKFLOW_SUITE, name)
