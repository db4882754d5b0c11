"""Workflows as a pipeline stage: every scenario of every selected provider through the run's target.

replay  — each scenario from cassettes/<provider>/workflows/<scenario>.yaml, network blocked;
live    — against the target (a production host runs the read-only scenarios only);
record  — live, and each scenario's cassette is rewritten (scrubbed, atomically);
sandbox — against a fresh bundled double holding its demo data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.behaviour.declarations import DeclarationError, declarations
from conformance.core.errors import TargetUnreachable
from conformance.coverage.compute import BehaviourProbes, TransitionProbes
from conformance.findings.model import Source
from conformance.http import budget, transport
from conformance.http.ratelimit import RateLimitPolicy, rate_limit_finding
from conformance.providers.base import Provider
from conformance.scenarios.lifecycle_probe import NOT_REACHABLE
from conformance.scenarios.scenario import ProviderWorkflows
from conformance.targets import TargetOptions, connect_scenarios, guarded_transport, mode_for
from conformance.targets.cleanup import clean_up, created_by
from conformance.targets.stage import Stage, StageResult
from conformance.workflows import WORKFLOW_SUITE
from conformance.workflows.runner import ScenarioOutcome, run_scenario
from conformance.workflows.verdicts import remembered


def workflow_stage(
    options: TargetOptions,
    *,
    timeout: float = 10.0,
    max_retry_after: float = 60.0,
    max_bytes: int = transport.DEFAULT_MAX_RESPONSE_BYTES,
    scenarios: Mapping[str, tuple[str, ...]] | None = None,
) -> Stage:
    """`scenarios`: a shard's scenarios per provider (None: every one; a provider absent: none)."""

    def stage(providers: list[Provider]) -> StageResult:
        result = StageResult()
        for rank, provider in enumerate(providers):
            workflows = provider.workflows()
            if workflows is None or (scenarios is not None and provider.name not in scenarios):
                continue
            mode = result.targets[provider.name] = mode_for(provider, options)
            only = None if scenarios is None else scenarios[provider.name]

            def replay(
                provider: Provider = provider,
                workflows: ProviderWorkflows = workflows,
                only: tuple[str, ...] | None = only,
            ) -> list[ScenarioOutcome]:
                return run_provider(
                    provider,
                    workflows,
                    options,
                    timeout=timeout,
                    max_retry_after=max_retry_after,
                    max_bytes=max_bytes,
                    only=only,
                )

            if mode == "replay":  # a replay is a function of its inputs: remembered across runs
                settings = (options.replay, timeout, max_retry_after, max_bytes, only)
                outcomes = remembered(provider, options.cassette_dir, settings, replay)
            else:
                outcomes = replay()
            result.behaviour[provider.name] = behaviour_probes(provider, outcomes)
            not_judged = []
            order = {s.name: i for i, s in enumerate(workflows.scenarios)}
            ran = {outcome.scenario for outcome in outcomes if not outcome.budget_cut}
            spending = budget.current()
            if spending is not None and spending.exhausted:
                wanted = [s.name for s in workflows.scenarios if only is None or s.name in only]
                if missing := [name for name in wanted if name not in ran]:
                    result.unreached[provider.name] = missing
            for outcome in outcomes:
                for finding in outcome.findings:
                    result.origins.setdefault(finding.fingerprint, (2, rank, order.get(outcome.scenario, 0)))
                result.findings.extend(outcome.findings)
                result.requests += outcome.requests
                result.operations.update((provider.name, op) for op in outcome.operations)
                result.exchanges.setdefault(provider.name, []).extend(outcome.exchanges)
                if outcome.lifecycle is not None:
                    result.lifecycle[provider.name] = outcome.lifecycle
                    result.transitions[provider.name] = transition_probes(outcome.lifecycle)
                if outcome.events is not None:
                    result.events.setdefault(provider.name, set()).update(outcome.events)
                if outcome.not_judged is not None:
                    not_judged.append({"scenario": outcome.scenario, "reason": outcome.not_judged})
            if not_judged:
                # Beside the probe's table: what of the provider's lifecycle the run could not judge, and why.
                result.lifecycle[provider.name] = {**result.lifecycle.get(provider.name, {}), "not_judged": not_judged}
        return result

    return stage


def behaviour_probes(provider: Provider, outcomes: list[ScenarioOutcome]) -> BehaviourProbes:
    """The promises the provider's spec declares, and those its behaviour probes reached a verdict on."""
    try:
        declared = tuple(promise.key for promise in declarations(provider.spec).promises())
    except DeclarationError:
        declared = ()  # the spec lint names the declaration; the probes said so as a stopped scenario
    probed = sorted({key for outcome in outcomes for key in outcome.probed})
    return BehaviourProbes(declared=declared, probed=tuple(probed))


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
    only: tuple[str, ...] | None = None,
) -> list[ScenarioOutcome]:
    """Every scenario (or those `only` names) through the target conformance.targets chooses (a scenario's
    cassette included)."""
    rate_limit = RateLimitPolicy(max_wait=max_retry_after)
    outcomes: list[ScenarioOutcome] = []
    if budget.spent_out():
        return outcomes  # nothing is sent once the budget is spent; the stage names what was not reached
    try:
        return _run_provider(provider, workflows, options, rate_limit, timeout, max_bytes, retries, only)
    except budget.BudgetSpent:
        return outcomes  # spent while connecting (a live target's reachability probe): nothing was created


def _run_provider(
    provider: Provider,
    workflows: ProviderWorkflows,
    options: TargetOptions,
    rate_limit: RateLimitPolicy,
    timeout: float,
    max_bytes: int,
    retries: int,
    only: tuple[str, ...] | None,
) -> list[ScenarioOutcome]:
    outcomes: list[ScenarioOutcome] = []
    with (
        guarded_transport(provider, options, timeout, max_bytes, retries) as guard,
        connect_scenarios(provider, options, WORKFLOW_SUITE) as targets,
    ):
        for scenario in workflows.scenarios:
            if only is not None and scenario.name not in only:
                continue
            if targets.safe_methods_only and not scenario.read_only:
                continue  # a production host runs the read-only scenarios only
            if budget.spent_out():
                break  # the scenarios not started are named as not reached; what was created is torn down below
            connecting = targets.scenario(scenario.name)
            outcomes.append(
                run_scenario(
                    workflows, scenario, connecting, timeout=timeout, rate_limit=rate_limit, webhooks=targets.webhooks
                )
            )
            if guard is not None and guard.tripped:
                raise TargetUnreachable(
                    f"{provider.title} at {targets.base_url} failed at transport level {transport.TRIP_AFTER} times "
                    f"in a row ({guard.last_error}); check the URL, the network and --request-timeout."
                )
        if targets.mode != "replay":
            # What the scenarios created goes, as the engine's does: a sandbox keeps no invoice of ours open.
            created = created_by(e for outcome in outcomes for e in outcome.exchanges)
            auth = provider.auth(targets.credentials, targets.base_url)
            clean_up(provider, targets.base_url, auth, created, timeout=timeout)
    if guard is None:
        return outcomes
    if outcomes and not guard.answers and not any(outcome.budget_cut for outcome in outcomes):
        raise TargetUnreachable(
            f"{provider.title} at {targets.base_url} gave no usable answer to any workflow request, so there is no "
            "verdict; check the URL and the network, then run again."
        )
    limited = rate_limit_finding(provider.spec, provider.title, rate_limit, Source.LIVE)
    if limited is not None and outcomes:
        outcomes[-1].findings.append(limited)
    return outcomes
