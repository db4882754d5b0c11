"""One scenario against a target: live (optionally recorded into its cassette) or replayed from it."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from conformance.cassettes import deliveries, store
from conformance.cassettes.evidence import CassettePositions
from conformance.coverage.exchanges import Exchange, from_workflow
from conformance.findings import target_findings
from conformance.findings.model import Finding, Source
from conformance.http import budget
from conformance.http.auth import ProviderAuth
from conformance.http.ratelimit import RateLimitPolicy
from conformance.providers import get_provider
from conformance.providers.base import Provider
from conformance.scenarios.client import StaleCassette, TransportFailure, WorkflowClient
from conformance.scenarios.evidence import sent
from conformance.scenarios.scenario import (
    ProviderWorkflows,
    Reported,
    Scenario,
    ScenarioAborted,
    ScenarioNotJudged,
    ScenarioRun,
)
from conformance.spec.webhooks import webhooks_of
from conformance.targets import ScenarioConnection, record_scenario, replay_scenario
from conformance.targets.webhook_options import DEFAULT_TIMEOUT as DEFAULT_WEBHOOK_TIMEOUT
from conformance.targets.webhook_session import WebhookSession
from conformance.workflows import WORKFLOW_SUITE, events


@dataclass(frozen=True)
class Target:
    provider: Provider
    base_url: str
    credentials: Mapping[str, str]
    source: Source
    timeout: float = 10.0
    # Shared by every scenario of the provider: waits, retries, and whether the run stopped waiting.
    rate_limit: RateLimitPolicy = field(default_factory=RateLimitPolicy)

    def auth(self) -> ProviderAuth:
        """A new auth per scenario, so that each cassette holds its own token fetch and replays alone."""
        return self.provider.auth(self.credentials, self.base_url)

    @property
    def secrets(self) -> list[str]:
        return [] if self.source is Source.REPLAY else self.provider.secrets(self.credentials)


@dataclass
class ScenarioOutcome:
    provider: str
    scenario: str
    findings: list[Finding]
    requests: int
    operations: set[str]
    completed: bool  # every step ran (no step failed, no stale cassette)
    stopped: str | None = None  # why the scenario could not go on, and that its later steps were not reached
    # Set (to `stopped`) when it stopped on a documented answer: its later steps are not judged, no finding says so.
    not_judged: str | None = None
    unplayed: int = 0  # replay: recorded interactions the scenario no longer sends
    exchanges: list[Exchange] = field(default_factory=list)  # for contract coverage
    lifecycle: dict[str, Any] | None = None  # the lifecycle probe's coverage table
    # Documented webhook events observed while the scenario ran (None: its deliveries were not received or judged).
    events: tuple[str, ...] | None = None
    budget_cut: bool = False  # the run's budget was spent before the scenario ended (conformance.http.budget)
    probed: set[str] = field(default_factory=set)  # keys of the behaviour promises probed


def run_scenario(
    workflows: ProviderWorkflows,
    scenario: Scenario,
    connecting: AbstractContextManager[ScenarioConnection],
    *,
    timeout: float = 10.0,
    rate_limit: RateLimitPolicy | None = None,
    webhooks: WebhookSession | None = None,
) -> ScenarioOutcome:
    """`scenario` through the connection targets made for it (conformance.targets.ScenarioTargets).

    A live run's `rate_limit` is shared by every scenario of the provider; a replay waits for nothing.
    With `webhooks` (a live run receiving them) the scenario's deliveries are waited for and judged, and
    recorded beside its cassette when it is recorded; a replay judges the recorded ones.
    """
    with connecting as connection:
        if connection.source is Source.REPLAY or rate_limit is None:
            rate_limit = RateLimitPolicy(honour_waits=connection.source is not Source.REPLAY)
        target = Target(
            provider=connection.provider,
            base_url=connection.base_url,
            credentials=connection.credentials,
            source=connection.source,
            timeout=timeout,
            rate_limit=rate_limit,
        )
        spec = connection.provider.spec
        hearing = webhooks if webhooks is not None and events.documents_events(spec) else None
        mark = hearing.mark() if hearing is not None else (0, 0.0)
        run, completed, cut = _execute(workflows, scenario, target, cassette=connection.cassette)
        received = None
        if hearing is not None:
            received = events.received(hearing, *mark, workflows, spec, run.client.exchanges)
        unplayed = connection.unplayed
    # After the block: a recording is on disk (or staged) only now.
    outcome = _outcome(run, completed, cassette=connection.cassette)
    outcome.unplayed = unplayed
    outcome.budget_cut = cut
    _webhooks(outcome, workflows, connection, run, received, webhooks)
    return outcome


def _webhooks(
    outcome: ScenarioOutcome,
    workflows: ProviderWorkflows,
    connection: ScenarioConnection,
    run: ScenarioRun,
    received: deliveries.RecordedDeliveries | None,
    webhooks: WebhookSession | None,
) -> None:
    """Record the scenario's deliveries beside its cassette (a recording), or read them (a replay); judge them."""
    spec = connection.provider.spec
    if not events.documents_events(spec):
        return
    path = deliveries.deliveries_path(connection.cassette) if connection.cassette is not None else None
    timeout = webhooks.timeout if webhooks is not None else DEFAULT_WEBHOOK_TIMEOUT
    if connection.source is Source.REPLAY:
        received = deliveries.read(path) if path is not None else None
        if received is not None:
            timeout = float(received.metadata.get("timeout", timeout))
    elif connection.cassette is not None and path is not None and store.readable(connection.cassette).is_file():
        # Recorded with the cassette (which exists only when the scenario's recording succeeded).
        written = received or deliveries.RecordedDeliveries(received=False)
        written = replace(
            written, metadata={"provider": outcome.provider, "scenario": outcome.scenario, "timeout": timeout}
        )
        signature = webhooks_of(spec).rules
        headers = [signature.signature.header] if signature is not None and signature.signature is not None else []
        deliveries.write(path, written, headers)
    if received is None:
        return
    label = store.display_path(path, Path.cwd()) if path is not None else None
    verdict = events.judge(
        workflows, spec, received, run.client.exchanges, timeout=timeout, source=run.source, evidence=label
    )
    outcome.findings.extend(verdict.findings)
    outcome.events = verdict.events


def run_live(
    workflows: ProviderWorkflows,
    scenario: Scenario,
    target: Target,
    *,
    cassette: Path | None = None,
    recorded_against: str | None = None,
    webhooks: WebhookSession | None = None,
) -> ScenarioOutcome:
    """Run against a live target; with `cassette`, record it there (scrubbed, replaced only on success)."""
    connection = ScenarioConnection(target.provider, target.base_url, target.credentials, target.source, cassette)
    connecting: AbstractContextManager[ScenarioConnection] = (
        nullcontext(connection)
        if cassette is None
        else record_scenario(connection, WORKFLOW_SUITE, scenario.name, recorded_against=recorded_against)
    )
    return run_scenario(
        workflows, scenario, connecting, timeout=target.timeout, rate_limit=target.rate_limit, webhooks=webhooks
    )


def replay(
    workflows: ProviderWorkflows, scenario: Scenario, cassette: Path, *, timeout: float = 10.0
) -> ScenarioOutcome:
    """Replay from `cassette` with the network blocked. Without a cassette every request is stale."""
    provider = get_provider(workflows.provider)
    return run_scenario(workflows, scenario, replay_scenario(provider, cassette, WORKFLOW_SUITE), timeout=timeout)


def _execute(
    workflows: ProviderWorkflows,
    scenario: Scenario,
    target: Target,
    *,
    cassette: Path | None = None,
) -> tuple[ScenarioRun, bool, bool]:
    """The scenario's run, whether every step ran, and whether the run's budget cut it short."""
    spec = target.provider.spec
    client = WorkflowClient(
        spec,
        target.base_url,
        target.auth(),
        timeout=target.timeout,
        rate_limit=target.rate_limit,
    )
    run = ScenarioRun(
        workflows=workflows,
        scenario=scenario,
        spec=spec,
        client=client,
        source=target.source,
        secrets=target.secrets,
    )
    completed = cut = False
    try:
        scenario.run(run)
        completed = True
    except budget.BudgetSpent as spent:
        # Not a defect: the steps answered so far are judged, the rest was never sent.
        done = len(run.client.exchanges)
        run.stop_reason = (
            f"workflow {scenario.name} stopped after step {done}: {spent}; its later steps were not reached"
        )
        cut = True
    except ScenarioNotJudged as stop:
        run.stopped(str(stop), judged=False)
    except ScenarioAborted as stop:
        run.stopped(str(stop))
    except StaleCassette as stale:
        run.reported.append(_stale(run, stale, cassette))
    except TransportFailure as failure:
        run.reported.append(_transport(run, failure))
    finally:
        client.close()
    return run, completed, cut


def _outcome(run: ScenarioRun, completed: bool, *, cassette: Path | None = None) -> ScenarioOutcome:
    exchanges = run.client.exchanges
    findings = [reported.finding for reported in run.reported]
    readable = store.readable(cassette) if cassette is not None else None
    # A replay without a cassette (every request stale) and a live run have no positions to give.
    if cassette is not None and readable is not None and readable.is_file():
        # Positions are known only once the cassette is on disk (a recording is staged at the end).
        index = CassettePositions(
            cassette, store.read_cassette(readable, run.workflows.provider, WORKFLOW_SUITE).interactions, Path.cwd()
        )
        positions = index.positions(sent(exchanges))
        findings = [
            replace(
                reported.finding,
                evidence=replace(
                    reported.finding.evidence,
                    cassette=index.label,
                    interaction=positions[reported.step] if 0 <= reported.step < len(positions) else None,
                ),
            )
            for reported in run.reported
        ]
    return ScenarioOutcome(
        provider=run.workflows.provider,
        scenario=run.scenario.name,
        findings=findings,
        requests=len(exchanges),
        operations={e.operation.operation_id for e in exchanges},
        completed=completed,
        exchanges=[from_workflow(e) for e in exchanges],
        stopped=run.stop_reason,
        not_judged=run.not_judged,
        lifecycle=run.lifecycle,
        probed=set(run.probed),
    )


def _stale(run: ScenarioRun, stale: StaleCassette, cassette: Path | None) -> Reported:
    command = store.record_command(run.workflows.provider, WORKFLOW_SUITE)
    if cassette is not None and not cassette.is_file():
        message = f"Workflow {run.scenario.name} has no cassette at {cassette}; record it with `{command}`."
    else:
        message = (
            f"The cassette of workflow {run.scenario.name} has no answer for {stale.where}: the scenario or the spec "
            f"changed since it was recorded; re-record with `{command}`."
        )
    finding = target_findings.stale_cassette(
        provider=stale.operation.provider,
        operation=stale.operation,
        label=stale.operation.operation_id,
        method=stale.operation.method,
        where=stale.where,
        requester="the workflow",
        message=message,
        source=run.source,
        cassette=str(cassette) if cassette else None,
    )
    return Reported(finding, -1)


def _transport(run: ScenarioRun, failure: TransportFailure) -> Reported:
    operation = failure.operation
    finding = target_findings.transport_error(
        provider=operation.provider,
        operation=operation,
        label=operation.operation_id,
        cause=failure.cause,
        message=f"{operation.operation_id} got no HTTP response in workflow {run.scenario.name}.",
        source=run.source,
    )
    return Reported(finding, -1)
