"""`conformance drift OLD NEW`: what changed between two cassette sets, or (`--spec`) two spec files.

The cassette comparison's findings document is built by the pipeline and written like any run's
(target `drift`); the spec comparison (conformance.cli.spec_drift) stays light and loads none
of the engine. conformance.cli.main registers the command; `clear_errors` and the console are looked
up only when needed, so `drift --spec` imports nothing heavy.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from conformance.drift.grading import Grading, grading
from conformance.drift.levels import FAIL_ON_CHOICES

if TYPE_CHECKING:
    from rich.console import Console

    from conformance.document.baseline import Baseline
    from conformance.document.model import FindingsDocument
    from conformance.drift.cassette_sets import CassetteSet

TARGET = "drift"


def _clear_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """conformance.cli.common.clear_errors, imported only when something fails: `drift --spec` stays light."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (SystemExit, click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except BaseException as exc:  # handed to the CLI's one handler, whatever it becomes
            from conformance.cli.common import clear_errors

            error = exc

            def reraise() -> None:
                raise error

            return clear_errors(reraise)()

    return wrapper


def _console() -> Console:
    from conformance.cli.common import console

    return console


def _light_console() -> Console:
    """The CLI's console when the CLI is loaded, else a plain one: no need to load the CLI for it."""
    common = sys.modules.get("conformance.cli.common")
    if common is not None:
        return cast("Console", common.console)
    from rich.console import Console

    return Console()


@click.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--spec", "specs", is_flag=True, help="OLD and NEW are OpenAPI 3.0/3.1 files, not cassette directories.")
@click.option(
    "--provider",
    "providers",
    multiple=True,
    metavar="NAME",
    help="Compare only this provider's cassettes (repeatable). Default: every provider in both sets.",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Where the reports are written.",
)
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), help="Accepted changes.")
@click.option(
    "--severity-levels",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file of 'check-id LEVEL' lines (err, warn, info, none) that changes checks' levels, as oasdiff's does.",
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON_CHOICES, case_sensitive=False),
    default="WARN",
    show_default=True,
    help="The lowest level that is breaking and fails the run (exit 1).",
)
@_clear_errors
def drift(
    old: Path,
    new: Path,
    specs: bool,
    providers: tuple[str, ...],
    report_dir: Path,
    baseline: Path | None,
    severity_levels: Path | None,
    fail_on: str,
) -> None:
    """Compare two cassette sets (or, with --spec, two OpenAPI files) and report what changed.

    Exit code 1 when a change would break a client written against the old version.
    """
    from conformance.core.fsutil import require_writable

    require_writable(report_dir, "--report-dir")
    graded = grading(severity_levels, fail_on)
    accepted = None
    if baseline:
        from conformance.document.baseline import load_baseline

        accepted = load_baseline(baseline)
    if specs:
        from conformance.cli.spec_drift import run_spec_drift

        sys.exit(
            run_spec_drift(old, new, report_dir=report_dir, baseline=accepted, grading=graded, console=_light_console)
        )
    from conformance.run import pipeline

    document = _cassette_drift(old, new, providers, report_dir, accepted, graded)
    _print(document)
    _console().print(f"findings: {report_dir / 'findings.json'}")
    sys.exit(pipeline.exit_code(document, accepted))


def _cassette_drift(
    old_dir: Path,
    new_dir: Path,
    providers: tuple[str, ...],
    report_dir: Path,
    accepted: Baseline | None,
    graded: Grading,
) -> FindingsDocument:
    from conformance.cli.reporting import run_and_report
    from conformance.drift.cassette_diff import compare_sets
    from conformance.drift.cassette_sets import load_set
    from conformance.drift.report import to_findings
    from conformance.findings.model import Source
    from conformance.targets.stage import StageResult

    old, new = _only(load_set(old_dir), providers), _only(load_set(new_dir), providers)
    comparison = compare_sets(old, new)
    findings = to_findings(comparison.changes, source=Source.REPLAY, requests=new.requests, grading=graded)
    for provider, operation in comparison.only_old:
        _console().print(f"not compared: {provider} {operation} is recorded in {old_dir} only", highlight=False)
    for provider, operation in comparison.only_new:
        _console().print(f"not compared: {provider} {operation} is recorded in {new_dir} only", highlight=False)

    def stage(_: list[Any]) -> StageResult:
        return StageResult(
            findings=findings, requests=old.interactions + new.interactions, operations=set(comparison.compared)
        )

    names = tuple(dict.fromkeys([*old.providers, *new.providers])) or providers  # () would mean all
    return run_and_report(
        provider_names=names, target=TARGET, stages=[stage], seed=0, report_dir=report_dir, baseline=accepted
    )


def _only(found: CassetteSet, providers: tuple[str, ...]) -> CassetteSet:
    from conformance.core.errors import UsageError
    from conformance.providers import all_providers

    if not providers:
        return found
    unknown = sorted(set(providers) - set(all_providers()))
    if unknown:
        raise UsageError(f"unknown provider {unknown[0]!r}; choose one of: {', '.join(all_providers())}.")
    found.providers = [p for p in found.providers if p in providers]
    found.observations = [o for o in found.observations if o.provider in providers]
    return found


def _print(document: FindingsDocument) -> None:
    from rich.table import Table

    if document.findings:
        table = Table(title="Drift", title_justify="left", show_lines=False)
        table.add_column("severity", no_wrap=True)
        table.add_column("provider", no_wrap=True)
        table.add_column("what changed", overflow="fold")
        for finding in document.findings:
            style = "bold red" if finding.breaking else "yellow"
            table.add_row(f"[{style}]{finding.severity.value}[/]", finding.provider, finding.message)
        _console().print(table)
    s = document.summary
    verdict = "[bold red]BREAKING DRIFT[/]" if s.breaking else "[bold green]NO BREAKING DRIFT[/]"
    _console().print(
        f"{verdict}  providers: {', '.join(document.run.providers)}  operations compared: {s.operations}  "
        f"breaking: {s.breaking}  non-breaking: {s.non_breaking}  baselined: {s.baselined}"
    )
