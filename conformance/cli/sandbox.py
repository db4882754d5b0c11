"""`conformance sandbox`: one provider double on 127.0.0.1, and the fault catalogue."""

from __future__ import annotations

import json
import shlex

import click

from conformance.checks.lifecycle import require_lifecycle
from conformance.cli.common import clear_errors, console
from conformance.core.errors import UsageError
from conformance.providers import get_provider
from conformance.reports.console_output import line, print_table
from conformance.sandbox.faults import CATALOGUE, lifecycle_flips
from conformance.targets.double_server import RunningDouble, serve_forever


@click.command()
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
        # The double's own variants (e.g. WooshPay's docs_only): what they change, and the verdict expected.
        variants = sorted(get_provider(provider).double().variants.items()) if provider else []
        variant_expect = "only inferred deviations: non_breaking by default, breaking under --strict-inferred."
        # A named provider lists only the behaviour faults its double declares operations for.
        double = get_provider(provider).double() if provider else None
        catalogue = double.catalogue() if double else CATALOGUE
        if output_format == "json":
            entries = [
                {
                    "name": f.name,
                    "summary": f.summary,
                    "expect_kind": f.expect_kind.value if f.expect_kind else None,
                    "expect": f.expect,
                    "observed_by": f.observed_by,
                    # With a provider: the operations its double breaks with the fault (where one is declared).
                    **({"operations": list(double.operations_broken_by(f.name))} if double else {}),
                }
                for f in catalogue
            ]
            entries += [{"name": f.name, "summary": f.summary, "expect": f.expect} for f in flips]
            entries += [{"name": name, "summary": summary, "expect": variant_expect} for name, summary in variants]
            line(console, json.dumps(entries, indent=2, ensure_ascii=False))
            return
        rows = [(f.name, f.summary, f.expect) for f in catalogue]
        rows += [(f.name, f.summary, f.expect) for f in flips]
        rows += [(name, summary, variant_expect) for name, summary in variants]
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
