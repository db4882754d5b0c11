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
from conformance.core.errors import install_signal_handlers
from conformance.spec.resources import SPEC_DIR_VARIABLE, specs_from


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


# The documentation site (mkdocs.yml) is not hosted: help names its pages by their path in a checkout.
DOCS = "docs/"
# The page that explains each command; tests/test_cli_help_docs.py checks that each exists.
DOC_PAGES = {
    "run": "targets.md",
    "audit": "specs.md",
    "sandbox": "doubles.md",
    "providers": "specs.md",
    "report": "reports.md",
    "baseline": "baselines.md",
    "drift": "drift.md",
    "judge": "judge.md",
    "merge": "sharding.md",
    "cleanup": "sharding.md",
}


def _see(page: str) -> str:
    return f"Documentation: {DOCS}{page} (exit codes: {DOCS}exit-codes.md)."


def _point_to_docs(command: click.Command, page: str) -> None:
    command.epilog = _see(page)
    for sub in getattr(command, "commands", {}).values():
        _point_to_docs(sub, page)


main.epilog = (
    f"Documentation: {DOCS}index.md, every command in {DOCS}commands.md, exit codes in {DOCS}exit-codes.md "
    "(in a checkout; `mkdocs serve` shows them as a searchable site)."
)
for command in (audit, run, sandbox, providers, report_command, baseline_group, drift, judge, merge_command, cleanup):
    main.add_command(command)
    _point_to_docs(command, DOC_PAGES[command.name or ""])

if __name__ == "__main__":  # pragma: no cover
    main()
