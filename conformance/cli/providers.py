"""`conformance providers`: every provider's operations and webhook events, and where each is documented."""

from __future__ import annotations

import click

from conformance.cli.common import clear_errors, console, provider_option
from conformance.providers import select_providers
from conformance.reports.console_output import print_table
from conformance.spec.webhooks import webhooks_of


@click.command()
@provider_option
@clear_errors
def providers(providers: tuple[str, ...]) -> None:
    """List providers, their operations and webhook events, and each one's provenance."""
    for provider in select_providers(providers):
        spec = provider.spec
        rows = [
            (op.operation_id, op.method, op.path, op.provenance.status, op.doc_ref) for op in spec.operations.values()
        ]
        # Events a provider posts, named as findings name them; none documented is said, not left out.
        events = webhooks_of(spec)
        rows += [
            (event.operation, "POST", "(webhook)", event.provenance.status, event.provenance.url)
            for event in events.events.values()
        ] or [("webhook events", "-", "-", "not documented", "")]
        print_table(
            console,
            f"{provider.title} ({provider.name}) — {spec.path.name}",
            ("operation", "method", "path", "provenance", "source"),
            rows,
            no_wrap=("operation", "method", "provenance"),
        )
