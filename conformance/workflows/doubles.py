"""Scenarios against the bundled doubles: each on a fresh double, as the committed cassettes are recorded.

A fresh double per scenario keeps every cassette independent of which scenarios ran before it, so
one scenario can be re-recorded alone (`pytest tests/workflows --record-mode=rewrite -k NAME`).
"""

from __future__ import annotations

from pathlib import Path

from conformance.findings.model import Source
from conformance.providers import get_provider
from conformance.scenarios.scenario import ProviderWorkflows, Scenario
from conformance.targets import scenario_cassette
from conformance.targets.webhook_options import WebhookOptions
from conformance.targets.webhook_session import double_with_receiver
from conformance.workflows import RECORDING_SEED, WORKFLOW_SUITE
from conformance.workflows.runner import ScenarioOutcome, Target, run_live


def run_on_double(
    workflows: ProviderWorkflows,
    scenario: Scenario,
    *,
    faults: tuple[str, ...] = (),
    credentials: dict[str, str] | None = None,
    cassette: Path | None = None,
    webhooks: WebhookOptions | None = None,
) -> ScenarioOutcome:
    """`scenario` against a fresh double of its provider (demo data, fixed id seed), its events delivered to a
    receiver of the run and judged; recorded to `cassette` with them."""
    provider = get_provider(workflows.provider)
    with double_with_receiver(
        provider.name, faults=faults, credentials=credentials, seed=RECORDING_SEED, demo_data=True, options=webhooks
    ) as (double, session):
        target = Target(provider=provider, base_url=double.base_url, credentials=double.credentials, source=Source.LIVE)
        return run_live(
            workflows, scenario, target, cassette=cassette, recorded_against=f"{provider.name} double", webhooks=session
        )


def record_on_doubles(workflows: ProviderWorkflows, cassette_dir: Path) -> list[ScenarioOutcome]:
    """Re-record every scenario's cassette of one provider from its double."""
    return [
        run_on_double(
            workflows,
            scenario,
            cassette=scenario_cassette(cassette_dir, workflows.provider, WORKFLOW_SUITE, scenario.name),
        )
        for scenario in workflows.scenarios
    ]
