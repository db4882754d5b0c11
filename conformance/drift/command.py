"""`conformance drift OLD NEW`: what changed between two cassette sets, or (`--spec`) two spec files.

The findings document is built and written by the pipeline like any run's (target `drift`), so
every report format shows drift findings. conformance.cli registers the command; its
`clear_errors` and console are looked up when the command runs, so either module can be imported
first.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from conformance import pipeline
from conformance.baseline import Baseline, load_baseline
from conformance.drift.cassette_diff import compare_sets
from conformance.drift.cassette_sets import CassetteSet, load_set
from conformance.drift.report import to_findings
from conformance.drift.spec_diff import compare_specs
from conformance.errors import UsageError
from conformance.findings import FindingsDocument, Source
from conformance.providers import all_providers
from conformance.providers.base import Provider
from conformance.specs import parse_spec

TARGET = "drift"


def _clear_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """conformance.cli.clear_errors, resolved at call time: cli imports this module to register it."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from conformance.cli import clear_errors

        return clear_errors(func)(*args, **kwargs)

    return wrapper


def _console() -> Console:
    from conformance.cli import console

    return console


@click.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--spec", "specs", is_flag=True, help="OLD and NEW are spec files, not cassette directories.")
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
@_clear_errors
def drift(
    old: Path, new: Path, specs: bool, providers: tuple[str, ...], report_dir: Path, baseline: Path | None
) -> None:
    """Compare two cassette sets (or, with --spec, two spec files) and report what changed.

    Exit code 1 when a change would break a client written against the old version.
    """
    accepted = load_baseline(baseline) if baseline else None
    if specs:
        document = _spec_drift(old, new, report_dir, accepted)
    else:
        document = _cassette_drift(old, new, providers, report_dir, accepted)
    _print(document)
    _console().print(f"findings: {report_dir / 'findings.json'}")
    sys.exit(pipeline.exit_code(document, accepted))


def _cassette_drift(
    old_dir: Path, new_dir: Path, providers: tuple[str, ...], report_dir: Path, accepted: Baseline | None
) -> FindingsDocument:
    old, new = _only(load_set(old_dir), providers), _only(load_set(new_dir), providers)
    comparison = compare_sets(old, new)
    findings = to_findings(comparison.changes, source=Source.REPLAY, requests=new.requests)
    for provider, operation in comparison.only_old:
        _console().print(f"not compared: {provider} {operation} is recorded in {old_dir} only", highlight=False)
    for provider, operation in comparison.only_new:
        _console().print(f"not compared: {provider} {operation} is recorded in {new_dir} only", highlight=False)

    def stage(_: list[Provider]) -> pipeline.StageResult:
        return pipeline.StageResult(
            findings=findings, requests=old.interactions + new.interactions, operations=set(comparison.compared)
        )

    names = tuple(dict.fromkeys([*old.providers, *new.providers])) or providers  # () would mean all
    return pipeline.execute(
        provider_names=names, target=TARGET, stages=[stage], seed=0, report_dir=report_dir, baseline=accepted
    )


def _only(found: CassetteSet, providers: tuple[str, ...]) -> CassetteSet:
    if not providers:
        return found
    unknown = sorted(set(providers) - set(all_providers()))
    if unknown:
        raise UsageError(f"unknown provider {unknown[0]!r}; choose one of: {', '.join(all_providers())}.")
    found.providers = [p for p in found.providers if p in providers]
    found.observations = [o for o in found.observations if o.provider in providers]
    return found


def _spec_drift(old_path: Path, new_path: Path, report_dir: Path, accepted: Baseline | None) -> FindingsDocument:
    old, new = parse_spec(old_path), parse_spec(new_path)
    if new.provider not in all_providers():
        raise UsageError(
            f"spec file {new_path} is for provider {new.provider!r}, which the suite does not know; "
            f"set info.x-provider to one of: {', '.join(all_providers())}."
        )
    findings = to_findings(compare_specs(old, new), source=Source.DOCUMENTATION)

    def stage(_: list[Provider]) -> pipeline.StageResult:
        operations = {(new.provider, op) for op in new.operations}
        return pipeline.StageResult(findings=findings, operations=operations)

    return pipeline.execute(
        provider_names=(new.provider,), target=TARGET, stages=[stage], seed=0, report_dir=report_dir, baseline=accepted
    )


def _print(document: FindingsDocument) -> None:
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
