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

from conformance import transport
from conformance.cassettes import store
from conformance.errors import TargetUnreachable
from conformance.findings import Source
from conformance.pipeline import Stage, StageResult
from conformance.providers.base import Provider
from conformance.sandbox.server import running_double
from conformance.targets import TargetOptions, connect, mode_for
from conformance.workflows import WORKFLOW_SUITE, workflows_for
from conformance.workflows.runner import ScenarioOutcome, Target, replay, run_live
from conformance.workflows.scenario import ProviderWorkflows


def workflow_stage(
    options: TargetOptions, *, timeout: float = 10.0, max_bytes: int = transport.DEFAULT_MAX_RESPONSE_BYTES
) -> Stage:
    def stage(providers: list[Provider]) -> StageResult:
        result = StageResult()
        for provider in providers:
            workflows = workflows_for(provider.name)
            if workflows is None:
                continue
            for outcome in run_provider(provider, workflows, options, timeout=timeout, max_bytes=max_bytes):
                result.findings.extend(outcome.findings)
                result.requests += outcome.requests
                result.operations.update((provider.name, op) for op in outcome.operations)
        return result

    return stage


def run_provider(
    provider: Provider,
    workflows: ProviderWorkflows,
    options: TargetOptions,
    *,
    timeout: float = 10.0,
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
