"""`conformance run`: the main job (interfaces.md)."""

from __future__ import annotations

import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import click

from conformance.cassettes import store
from conformance.cli.common import clear_errors, console, gate_options, provider_option, report_dir_option
from conformance.cli.reporting import run_and_report
from conformance.cli.run_summary import conclude, format_option, quiet_option
from conformance.core import ledger
from conformance.core.errors import UsageError
from conformance.core.fsutil import require_writable
from conformance.coverage.gate import parse_thresholds
from conformance.document.baseline import load_baseline
from conformance.engine.selection import check_selection
from conformance.engine.settings import Settings
from conformance.findings.severity_policy import load_policy
from conformance.http import budget, transport
from conformance.http.ratelimit import share_of
from conformance.providers import all_providers, select_providers
from conformance.reports.console_output import line
from conformance.run import shards
from conformance.run.assembly import assemble
from conformance.spec.resources import cassettes_dir
from conformance.targets import REPLAY_MODES, TARGETS, TargetOptions, mode_for, parse_base_urls
from conformance.targets.webhook_options import DEFAULT_TIMEOUT as DEFAULT_WEBHOOK_TIMEOUT
from conformance.targets.webhook_options import webhook_options
from conformance.targets.webhook_session import webhook_notices


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return budget.parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _rate_limit(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[1-9][0-9]*/[smhd]", value):
        raise click.BadParameter(f"{value!r} is not N/UNIT; write e.g. 10/s, 100/m or 1000/h.")
    return value


def _check_faults(providers: tuple[str, ...], options: TargetOptions) -> None:
    """Faults are the doubles': only a sandbox run has them, and every double it serves must have each one."""
    if not options.faults:
        return
    if options.target != "sandbox":
        raise UsageError(f"--fault needs --target sandbox (the bundled doubles), not --target {options.target}.")
    for provider in select_providers(providers):
        if mode_for(provider, options) != "sandbox":
            raise UsageError(f"--fault applies to the bundled doubles; {provider.name} has a --base-url.")
        try:
            provider.double().fault_set(options.faults)
        except UsageError as error:
            hint = "" if providers else " Name the providers that have it with --provider."
            raise UsageError(f"{error}{hint}") from None


@click.command()
@provider_option
@click.option(
    "--target",
    type=click.Choice(TARGETS),
    default="replay",
    show_default=True,
    help="replay: committed cassettes, no network; live: real HTTP; record: live and rewrite the cassettes; "
    "sandbox: the bundled doubles on 127.0.0.1.",
)
@click.option(
    "--base-url",
    "base_urls",
    multiple=True,
    metavar="PROVIDER=URL",
    help="Point one provider at another server (repeatable); implies a live-type run for it.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="NAME",
    help="With --target sandbox: the doubles show this fault of their catalogue (repeatable; "
    "`conformance sandbox PROVIDER --list-faults` lists them), e.g. to see what the suite reports about it.",
)
@click.option(
    "--replay",
    "replay_mode",
    type=click.Choice(REPLAY_MODES),
    default="judge",
    show_default=True,
    help="judge: re-judge the recorded exchanges against the current specs; exact: regenerate the recorded "
    "requests (same schemathesis/Hypothesis versions as the recording) and match them byte for byte.",
)
@report_dir_option
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), help="Accepted discrepancies.")
@click.option("--seed", type=int, default=0, show_default=True, help="Generation seed (recorded suites use 0).")
@click.option(
    "--max-examples", type=click.IntRange(min=1), default=10, show_default=True, help="Generated cases per operation."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Providers run in parallel. Default: every core for a replay, one otherwise.",
)
@click.option(
    "--cassette-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Cassettes to replay or record (default: the committed ones).",
)
@click.option("--allow-production", is_flag=True, help="Allow production hosts (safe GET operations only).")
@click.option(
    "--rate-limit",
    metavar="N/UNIT",
    callback=_rate_limit,
    help="Throttle requests to a real sandbox, e.g. 10/s or 100/m.",
)
@click.option(
    "--rate-limit-total",
    metavar="N/UNIT",
    callback=_rate_limit,
    help="One quota for every shard of a run (--shard K/N): each shard throttles itself to its 1/N share, "
    "rounded down, e.g. 30/m over 3 shards is 10/m each. Without --shard, the same as --rate-limit.",
)
@click.option(
    "--request-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds per request attempt, end to end (connect, headers, whole body).",
)
@click.option(
    "--max-response-bytes",
    type=click.IntRange(min=1024),
    default=transport.DEFAULT_MAX_RESPONSE_BYTES,
    show_default=True,
    help="Largest answer read; a larger one is reported as a transport_error finding.",
)
@click.option(
    "--max-retry-after",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="Longest Retry-After of a 429 that is waited out; past it the rate limiting is reported once.",
)
@click.option("--no-audit", is_flag=True, help="Skip the documentation audit.")
@click.option("--no-workflows", is_flag=True, help="Skip the workflow scenarios (lifecycles and invariants).")
@click.option(
    "--include-operation-id",
    "operation_ids",
    multiple=True,
    metavar="ID",
    help="Generate requests for this operation only (repeatable); the workflows still run, --no-workflows skips them.",
)
@click.option(
    "--min-coverage",
    "min_coverage",
    multiple=True,
    metavar="METRIC=PERCENT,...",
    help="Fail (exit 1) when a provider's contract coverage is below, e.g. operations=100,fields=80. Metrics: "
    "operations, success, statuses, fields, enums, parameters, transitions, behaviour.",
)
@click.option(
    "--shard",
    "shard_spec",
    metavar="K/N",
    default=None,
    help="Run shard K of N: a deterministic, weight-balanced part of the run's work; `conformance merge` joins "
    "the N findings.json into one verdict.",
)
@click.option(
    "--max-requests",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Budget of a live, record or sandbox run: at most N requests, clean-up included (a reserve is kept "
    "for it). Every operation gets its first request, then the workflows run, then the rest; what the spent "
    "budget left unreached is named in the summary and coverage. With --shard K/N, each shard spends its share.",
)
@click.option(
    "--max-duration",
    metavar="T",
    default=None,
    callback=_duration,
    help="Budget of a live, record or sandbox run in time, e.g. 90s, 15m or 1h: no request starts after T "
    "(clean-up still runs).",
)
@click.option(
    "--webhook-listen",
    metavar="HOST:PORT",
    default=None,
    help="Receive the providers' webhooks on this address (a live run also needs --webhook-public-url); "
    "--target sandbox listens on a free port of 127.0.0.1 by itself. See docs/webhooks-runs.md.",
)
@click.option(
    "--webhook-public-url",
    metavar="URL",
    default=None,
    help="The URL a live provider can reach, forwarding to --webhook-listen (e.g. a tunnel); an endpoint is "
    "registered there for the run (and removed after it) where the API has one.",
)
@click.option(
    "--webhook-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_WEBHOOK_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for each event a workflow's state change should emit.",
)
@format_option
@quiet_option
@gate_options
@clear_errors
def run(
    providers: tuple[str, ...],
    target: str,
    faults: tuple[str, ...],
    base_urls: tuple[str, ...],
    replay_mode: str,
    report_dir: Path,
    baseline: Path | None,
    seed: int,
    max_examples: int,
    workers: int | None,
    cassette_dir: Path | None,
    allow_production: bool,
    rate_limit: str | None,
    rate_limit_total: str | None,
    request_timeout: float,
    max_response_bytes: int,
    max_retry_after: float,
    no_audit: bool,
    no_workflows: bool,
    operation_ids: tuple[str, ...],
    min_coverage: tuple[str, ...],
    shard_spec: str | None,
    max_requests: int | None,
    max_duration: float | None,
    webhook_listen: str | None,
    webhook_public_url: str | None,
    webhook_timeout: float,
    output_format: str,
    quiet: bool,
    strict_inferred: bool,
    severity_levels: Path | None,
) -> None:
    """The main job: every provider against the committed cassettes, plus the documentation audit."""
    thresholds = parse_thresholds(min_coverage)
    shard = shards.ShardSpec.parse(shard_spec) if shard_spec is not None else None
    if rate_limit_total is not None:
        if rate_limit is not None:
            raise UsageError("--rate-limit and --rate-limit-total both set the pace; pass one of them.")
        rate_limit = share_of(rate_limit_total, shard.total if shard else 1)
    options = TargetOptions(
        target=target,
        base_urls=parse_base_urls(base_urls, all_providers()),
        cassette_dir=cassette_dir or cassettes_dir(),
        allow_production=allow_production,
        replay=replay_mode,
        faults=faults,
    )
    _check_faults(providers, options)
    modes = {p.name: mode_for(p, options) for p in select_providers(providers)}
    live = frozenset(name for name, mode in modes.items() if mode in ("live", "record"))
    spending = None
    if max_requests is not None or max_duration is not None:
        if all(mode == "replay" for mode in modes.values()):
            raise UsageError(
                "--max-requests and --max-duration budget the requests of a live, record or sandbox run; a replay "
                "sends none: drop them, or pass --target live, record or sandbox (or --base-url)."
            )
        spending = budget.Budget(max_requests=max_requests, max_duration=max_duration)
        if shard is not None:
            spending = spending.share(shard.total)
    run_id = ledger.new_run_id()
    # What a live run creates is written down as it is created: `conformance cleanup` sweeps what it leaves.
    created = ledger.Ledger(report_dir / ledger.FILE_NAME, run_id, live) if live else None
    hooks = webhook_options(webhook_listen, webhook_public_url, webhook_timeout, modes.values())
    options = replace(options, ledger=created, run_id=run_id, webhooks=hooks)
    settings = Settings(
        seed=seed,
        max_examples=max_examples,
        request_timeout=request_timeout,
        rate_limit=rate_limit,
        max_retry_after=max_retry_after,
        max_response_bytes=max_response_bytes,
        operations=operation_ids,
    )
    check_selection(operation_ids, providers, options)
    policy = load_policy(severity_levels, strict_inferred=strict_inferred)
    plan = None
    if shard is not None:
        plan = shards.plan(
            shard,
            select_providers(providers),
            options,
            max_examples=max_examples,
            audit=not no_audit,
            workflows=not no_workflows,
            operations=operation_ids,
            settings={
                "max_examples": max_examples,
                "operations": list(operation_ids),
                "audit": not no_audit,
                "workflows": not no_workflows,
                "rate_limit": rate_limit_total or rate_limit,
                "budget": [max_requests, max_duration],
                # Shards graded by different gates do not make one verdict.
                "severity_policy": {"strict_inferred": policy.strict_inferred, "sha256": policy.sha256},
            },
        ).plan
    stages = assemble(
        options,
        settings,
        audit=not no_audit,
        workflows=not no_workflows,
        workers=workers,
        plan=plan,
        max_bytes=max_response_bytes,
        # A recording is one pass of the engine (one cassette per provider): the budget caps it, in its own order.
        budgeted=spending is not None and target != "record",
    )
    accepted = load_baseline(baseline) if baseline else None  # a malformed file stops the run before it starts
    # Find an unwritable directory before a long run, not after it.
    require_writable(report_dir, "--report-dir")
    if target == "record":
        require_writable(options.cassette_dir, "--cassette-dir")
    # Every cassette this run records replaces the committed one only when the whole run has finished.
    if not quiet and output_format == "text":
        for notice in webhook_notices(select_providers(providers), modes, hooks):
            line(console, notice)
    if created is not None and not quiet and output_format == "text":
        line(
            console,
            f"run id {created.run_id}: `conformance cleanup --provider P --run-id {created.run_id}` "
            "removes what this run leaves if it is interrupted",
        )
    if spending is not None:
        spending.started = time.monotonic()  # the duration counts from the first request, not the option parsing

    def whole() -> bool:
        # A recording cut short by its budget is not the recording of the run: the committed cassettes stay.
        return spending is None or not spending.exhausted

    with store.transaction(options.cassette_dir, keep=whole), ledger.recording(created), budget.spending(spending):
        document = run_and_report(
            provider_names=providers,
            target=target,
            stages=stages,
            seed=seed,
            report_dir=report_dir,
            baseline=accepted,
            policy=policy,
            shard=plan,
            operations=operation_ids,
        )
    if target == "record" and not whole() and not quiet and output_format == "text":
        line(console, "the budget ran out before the recording was whole: no cassette was replaced")
    trailer = f"findings: {report_dir / 'findings.json'}; reports: report.html, junit.xml, comparison.md beside it"
    code = conclude(
        document,
        console,
        report_dir=report_dir,
        trailer=trailer,
        output_format=output_format,
        quiet=quiet,
        baseline=accepted,
        thresholds=thresholds,
    )
    sys.exit(code)
