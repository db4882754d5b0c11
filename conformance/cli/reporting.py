"""A run, then its reports: the pipeline knows no report, so the command that runs it writes them."""

from __future__ import annotations

from pathlib import Path

from conformance.document.baseline import Baseline
from conformance.document.model import FindingsDocument
from conformance.findings.severity_policy import DEFAULT_POLICY, SeverityPolicy
from conformance.reports.redact import redact_document
from conformance.reports.writer import write_all
from conformance.run import pipeline
from conformance.run.shards import ShardPlan
from conformance.targets.environment_secrets import environment_secrets
from conformance.targets.stage import Stage


def run_and_report(
    *,
    provider_names: tuple[str, ...],
    target: str,
    stages: list[Stage],
    seed: int,
    report_dir: Path,
    baseline: Baseline | None = None,
    policy: SeverityPolicy = DEFAULT_POLICY,
    shard: ShardPlan | None = None,
    operations: tuple[str, ...] = (),
) -> FindingsDocument:
    """A run, then its findings.json and every report written together into `report_dir`."""
    document = pipeline.execute(
        provider_names=provider_names,
        target=target,
        stages=stages,
        seed=seed,
        baseline=baseline,
        policy=policy,
        shard=shard,
        operations=operations,
    )
    return write_run(document, report_dir)


def write_run(document: FindingsDocument, report_dir: Path) -> FindingsDocument:
    """findings.json and every report, written together (a run's, or a merge of shards')."""
    # Scrubbed once here, so the terminal shows what the files hold: no secret known to the run.
    document = redact_document(document, [])
    write_all(document, report_dir, with_findings=True, secrets=environment_secrets())
    return document
