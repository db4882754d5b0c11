"""The `conformance` command line (interfaces.md)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from conformance import __version__, pipeline
from conformance.errors import ConformanceError
from conformance.providers import select_providers
from conformance.reports.terminal import print_summary
from conformance.resources import SPEC_DIR_VARIABLE, use_specs_dir

F = TypeVar("F", bound=Callable[..., Any])

console = Console()
err_console = Console(stderr=True)


def clear_errors(func: F) -> F:
    """Every expected failure ends as one sentence on stderr and its exit code, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConformanceError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            err_console.print("[bold red]error:[/] interrupted; nothing was overwritten.", highlight=False)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


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
@clear_errors
def audit(providers: tuple[str, ...], report_dir: Path) -> None:
    """The documentation audit alone: specs vs their documented examples and recorded doc defects."""
    document = pipeline.execute(
        provider_names=providers,
        target="documentation",
        stages=[pipeline.audit_stage],
        seed=0,
        report_dir=report_dir,
    )
    print_summary(document, console)
    console.print(f"findings: {report_dir / 'findings.json'}")
    sys.exit(pipeline.exit_code(document))


@main.command()
@_provider_option
@click.option(
    "--target",
    type=click.Choice(["replay", "live", "record", "sandbox"]),
    default="replay",
    show_default=True,
    help="replay: committed cassettes, no network; live: real HTTP; record: live and write cassettes; "
    "sandbox: the bundled doubles on 127.0.0.1.",
)
@_report_dir_option
@click.option("--seed", type=int, default=0, show_default=True, help="Generation seed.")
@clear_errors
def run(providers: tuple[str, ...], target: str, report_dir: Path, seed: int) -> None:
    """The main job: every provider against the committed cassettes, plus the documentation audit."""
    document = pipeline.execute(
        provider_names=providers,
        target=target,
        stages=[pipeline.audit_stage],
        seed=seed,
        report_dir=report_dir,
    )
    print_summary(document, console)
    console.print(f"findings: {report_dir / 'findings.json'}")
    sys.exit(pipeline.exit_code(document))


@main.command()
@_provider_option
@clear_errors
def providers(providers: tuple[str, ...]) -> None:
    """List providers, their operations and each operation's provenance."""
    for provider in select_providers(providers):
        spec = provider.spec
        table = Table(title=f"{provider.title} ({provider.name}) — {spec.path.name}", title_justify="left")
        table.add_column("operation", no_wrap=True)
        table.add_column("method", no_wrap=True)
        table.add_column("path", overflow="fold")
        table.add_column("provenance", no_wrap=True)
        table.add_column("source", overflow="fold")
        for op in spec.operations.values():
            table.add_row(op.operation_id, op.method, op.path, op.provenance.status, op.doc_ref)
        console.print(table)


if __name__ == "__main__":  # pragma: no cover
    main()
