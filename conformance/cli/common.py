"""What every command shares: the consoles, the error boundary and the common options (kept light)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from conformance.http.boundary import guarded

F = TypeVar("F", bound=Callable[..., Any])

console = Console()
err_console = Console(stderr=True)


def clear_errors(func: F) -> F:
    """Every failure ends as one sentence on stderr and its exit code (conformance.http.boundary)."""
    return guarded(func)


provider_option = click.option(
    "--provider",
    "providers",
    multiple=True,
    metavar="NAME",
    help="Limit to this provider (repeatable). Default: every provider.",
)
report_dir_option = click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Where the reports are written.",
)


def gate_options(func: F) -> F:
    """--strict-inferred and --severity-levels: how a finding's basis and a policy grade it (severity_policy)."""
    func = click.option(
        "--severity-levels",
        "severity_levels",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="A severity policy file (YAML, version 1): re-grade findings by kind, check, provider or basis, "
        "or ignore them. Its path and sha256 are recorded in findings.json.",
    )(func)
    return click.option(
        "--strict-inferred",
        is_flag=True,
        help="Deviations from expectations the spec infers (basis inferred: Stripe convention, a reading no "
        "page prints) are breaking, as deviations from documented ones are. Default: non_breaking.",
    )(func)
