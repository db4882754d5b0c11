"""The stages a run is made of, in their order (audit, engine, workflows), whole or as one shard's part."""

from __future__ import annotations

from dataclasses import replace

from conformance.audit.stage import audit_stage
from conformance.engine.settings import Settings
from conformance.engine.stage import Portion, engine_stage
from conformance.http import transport
from conformance.run.shards import ShardPlan
from conformance.targets import TargetOptions
from conformance.targets.stage import Stage
from conformance.workflows.stage import workflow_stage


def assemble(
    options: TargetOptions,
    settings: Settings,
    *,
    audit: bool = True,
    workflows: bool = True,
    workers: int | None = None,
    plan: ShardPlan | None = None,
    max_bytes: int = transport.DEFAULT_MAX_RESPONSE_BYTES,
    budgeted: bool = False,
) -> list[Stage]:
    """`budgeted`: a run with --max-requests or --max-duration spends its budget where coverage gains most."""
    stages: list[Stage] = [audit_stage] if audit and (plan is None or plan.audit) else []
    portions = None
    if plan is not None:
        homes = plan.engine_homes()
        portions = {p: Portion(ops, home=p in homes) for p, ops in plan.engine_operations().items()}
    if budgeted:
        # Where coverage gains most first: every operation's first exchange, then the workflows, then the rest.
        stages.append(engine_stage(options, replace(settings, first_pass=True), workers=workers, portions=portions))
    else:
        stages.append(engine_stage(options, settings, workers=workers, portions=portions))
    if workflows:
        stages.append(
            workflow_stage(
                options,
                timeout=settings.request_timeout,
                max_retry_after=settings.max_retry_after,
                max_bytes=max_bytes,
                scenarios=None if plan is None else plan.scenarios(),
            )
        )
    if budgeted:
        stages.append(engine_stage(options, settings, workers=workers, portions=portions))
    return stages
