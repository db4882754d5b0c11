"""The `conformance` command: the group and its commands, one module each (interfaces.md)."""

from __future__ import annotations

from pathlib import Path

import click

from conformance import __version__
from conformance.cli.audit import audit
from conformance.cli.baseline import baseline_group
from conformance.cli.cleanup import cleanup
from conformance.cli.drift import drift
from conformance.cli.judge import judge
from conformance.cli.merge import merge_command
from conformance.cli.providers import providers
from conformance.cli.report import report_command
from conformance.cli.run import run
from conformance.cli.sandbox import sandbox
from conformance.errors import install_signal_handlers
from conformance.resources import SPEC_DIR_VARIABLE, specs_from


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="invoice-conformance")
@click.option(
    "--spec-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=SPEC_DIR_VARIABLE,
    help="Read the specs from this directory instead of the embedded ones.",
)
@click.pass_context
def main(ctx: click.Context, spec_dir: Path | None) -> None:
    """Contract and conformance tests for payment providers' invoice APIs."""
    install_signal_handlers()
    # For this invocation only (the environment variable is read once, by click): nothing is left behind.
    ctx.with_resource(specs_from(spec_dir))


for command in (audit, run, sandbox, providers, report_command, baseline_group, drift, judge, merge_command, cleanup):
    main.add_command(command)

if __name__ == "__main__":  # pragma: no cover
    main()
