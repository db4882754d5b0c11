"""The `conformance` command line (interfaces.md)."""

from __future__ import annotations

import json
import re
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from conformance import __version__, pipeline, transport
from conformance.baseline import load_baseline
from conformance.boundary import guarded
from conformance.cassettes import store
from conformance.coverage.gate import parse_thresholds
from conformance.engine.selection import check_selection
from conformance.engine.settings import Settings
from conformance.engine.stage import engine_stage
from conformance.errors import UsageError, install_signal_handlers
from conformance.fsutil import require_writable
from conformance.lifecycle import require_lifecycle
from conformance.providers import all_providers, get_provider, select_providers
from conformance.reports.console_output import line, print_table
from conformance.resources import SPEC_DIR_VARIABLE, cassettes_dir, use_specs_dir
from conformance.run_summary import conclude, format_option, quiet_option
from conformance.sandbox.faults import CATALOGUE, lifecycle_flips
from conformance.sandbox.server import RunningDouble, serve_forever
from conformance.targets import REPLAY_MODES, TARGETS, TargetOptions, parse_base_urls
from conformance.workflows.stage import workflow_stage

F = TypeVar("F", bound=Callable[..., Any])

console = Console()
err_console = Console(stderr=True)


def clear_errors(func: F) -> F:
    """Every failure ends as one sentence on stderr and its exit code (conformance.boundary)."""
    return guarded(func)


def _rate_limit(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[1-9][0-9]*/[smhd]", value):
        raise click.BadParameter(f"{value!r} is not N/UNIT; write e.g. 10/s, 100/m or 1000/h.")
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="invoice-conformance")
@click.option(
    "--spec-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=SPEC_DIR_VARIABLE,
    help="Read the specs from this directory instead of the embedded ones.",
)
def main(spec_dir: Path | None) -> None:
    """Contract and conformance tests for payment providers' invoice APIs."""
    install_signal_handlers()
    use_specs_dir(spec_dir)


_provider_option = click.option(
    "--provider",
    "providers",
    multiple=True,
    metavar="NAME",
    help="Limit to this provider (repeatable). Default: every provider.",
)
_report_dir_option = click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Where the reports are written.",
)


@main.command()
@_provider_option
@_report_dir_option
@format_option
@quiet_option
@clear_errors
def audit(providers: tuple[str, ...], report_dir: Path, output_format: str, quiet: bool) -> None:
    """The documentation audit alone: specs vs their documented examples and recorded doc defects."""
    document = pipeline.execute(
        provider_names=providers,
        target="documentation",
        stages=[pipeline.audit_stage],
        seed=0,
        report_dir=report_dir,
    )
    trailer = f"findings: {report_dir / 'findings.json'}"
    sys.exit(
        conclude(document, console, report_dir=report_dir, trailer=trailer, output_format=output_format, quiet=quiet)
    )


@main.command()
@_provider_option
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
    "--replay",
    "replay_mode",
    type=click.Choice(REPLAY_MODES),
    default="judge",
    show_default=True,
    help="judge: re-judge the recorded exchanges against the current specs; exact: regenerate the recorded "
    "requests (same schemathesis/Hypothesis versions as the recording) and match them byte for byte.",
)
@_report_dir_option
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
    "operations, success, statuses, fields, enums, parameters, transitions.",
)
@format_option
@quiet_option
@clear_errors
def run(
    providers: tuple[str, ...],
    target: str,
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
    request_timeout: float,
    max_response_bytes: int,
    max_retry_after: float,
    no_audit: bool,
    no_workflows: bool,
    operation_ids: tuple[str, ...],
    min_coverage: tuple[str, ...],
    output_format: str,
    quiet: bool,
) -> None:
    """The main job: every provider against the committed cassettes, plus the documentation audit."""
    thresholds = parse_thresholds(min_coverage)
    options = TargetOptions(
        target=target,
        base_urls=parse_base_urls(base_urls, all_providers()),
        cassette_dir=cassette_dir or cassettes_dir(),
        allow_production=allow_production,
        replay=replay_mode,
    )
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
    stages = [] if no_audit else [pipeline.audit_stage]
    stages.append(engine_stage(options, settings, workers=workers))
    if not no_workflows:
        stages.append(
            workflow_stage(
                options, timeout=request_timeout, max_retry_after=max_retry_after, max_bytes=max_response_bytes
            )
        )
    accepted = load_baseline(baseline) if baseline else None  # a malformed file stops the run before it starts
    # Find an unwritable directory before a long run, not after it.
    require_writable(report_dir, "--report-dir")
    if target == "record":
        require_writable(options.cassette_dir, "--cassette-dir")
    # Every cassette this run records replaces the committed one only when the whole run has finished.
    with store.transaction(options.cassette_dir):
        document = pipeline.execute(
            provider_names=providers,
            target=target,
            stages=stages,
            seed=seed,
            report_dir=report_dir,
            baseline=accepted,
        )
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


@main.command()
@click.argument("provider", required=False)
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port on 127.0.0.1 (default: a free one).")
@click.option("--fault", "faults", multiple=True, metavar="NAME", help="Inject a fault (repeatable).")
@click.option("--list-faults", is_flag=True, help="List the fault catalogue and exit.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="With --list-faults: a table (text) or a JSON array.",
)
@clear_errors
def sandbox(provider: str | None, port: int, faults: tuple[str, ...], list_faults: bool, output_format: str) -> None:
    """Serve one provider double on 127.0.0.1 until interrupted."""
    if list_faults:
        flips = lifecycle_flips(require_lifecycle(get_provider(provider).spec)) if provider else ()
        if output_format == "json":
            entries = [
                {
                    "name": f.name,
                    "summary": f.summary,
                    "expect_kind": f.expect_kind.value if f.expect_kind else None,
                    "expect": f.expect,
                    "observed_by": f.observed_by,
                }
                for f in CATALOGUE
            ]
            entries += [{"name": f.name, "summary": f.summary, "expect": f.expect} for f in flips]
            line(console, json.dumps(entries, indent=2, ensure_ascii=False))
            return
        rows = [(f.name, f.summary, f.expect) for f in CATALOGUE]
        rows += [(f.name, f.summary, f.expect) for f in flips]
        columns = ("fault", "what the double does", "what the suite should report")
        print_table(console, "Fault catalogue", columns, rows, no_wrap=("fault",))
        if not provider:
            line(
                console, "Name a provider to list its lifecycle rule flips (accept:ACTION@STATE, refuse:ACTION@STATE)."
            )
        return
    if provider is None:
        raise UsageError("name the provider to serve, e.g. `conformance sandbox wooshpay`.")

    def announce(running: RunningDouble) -> None:
        console.print(f"{running.provider.title} double listening on {running.base_url}", highlight=False)
        if faults:
            console.print(f"faults: {', '.join(faults)}")
        console.print("accepted credentials (export these to run against it):")
        for name, value in running.credentials.items():
            console.print(f"  export {name}={shlex.quote(value)}", highlight=False)
        console.print(f"then: conformance run --base-url {running.provider.name}={running.base_url}", highlight=False)
        console.print("Ctrl-C stops it.")

    serve_forever(provider, faults=faults, port=port, announce=announce)


@main.command()
@_provider_option
@clear_errors
def providers(providers: tuple[str, ...]) -> None:
    """List providers, their operations and each operation's provenance."""
    for provider in select_providers(providers):
        spec = provider.spec
        rows = [
            (op.operation_id, op.method, op.path, op.provenance.status, op.doc_ref) for op in spec.operations.values()
        ]
        print_table(
            console,
            f"{provider.title} ({provider.name}) — {spec.path.name}",
            ("operation", "method", "path", "provenance", "source"),
            rows,
            no_wrap=("operation", "method", "provenance"),
        )


# Commands implemented in their own modules; imported last because they use clear_errors above.
from conformance.baseline_command import baseline_group  # noqa: E402
from conformance.drift.command import drift  # noqa: E402
from conformance.judge.command import judge  # noqa: E402
from conformance.reports.commands import report_command  # noqa: E402

main.add_command(report_command)
main.add_command(baseline_group)
main.add_command(drift)
main.add_command(judge)

if __name__ == "__main__":  # pragma: no cover
    main()
