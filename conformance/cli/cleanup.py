"""`conformance cleanup --provider P [--run-id ID]`: remove what an interrupted or crashed live run created
and never removed, as its ledger (conformance.core.ledger, beside the run's reports) wrote it down."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from conformance.cli.common import clear_errors, console
from conformance.core import ledger
from conformance.core.errors import UsageError
from conformance.http import transport
from conformance.providers import all_providers, get_provider
from conformance.reports.console_output import line
from conformance.targets import default_base_url, parse_base_urls, probe
from conformance.targets.cleanup import clean_up


@click.command("cleanup")
@click.option("--provider", "provider_name", required=True, metavar="NAME", help="The provider to clean up.")
@click.option("--run-id", default=None, metavar="ID", help="Only this run's objects (default: every run's).")
@click.option(
    "--base-url",
    "base_urls",
    multiple=True,
    metavar="PROVIDER=URL",
    help="The server the run used, if not the provider's sandbox from the spec.",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="The report directory of the run(s) to clean up after: its ledger.jsonl lists what they created.",
)
@clear_errors
def cleanup(provider_name: str, run_id: str | None, base_urls: tuple[str, ...], report_dir: Path) -> None:
    """Remove what a crashed or interrupted live run created, where the provider's API allows it."""
    provider = get_provider(provider_name)
    path = report_dir / ledger.FILE_NAME
    if not path.is_file():
        raise UsageError(f"{path} does not exist; pass the --report-dir of the live run to clean up after.")
    entries = ledger.still_open(path, provider.name, run_id)
    base_url = parse_base_urls(base_urls, all_providers()).get(provider.name) or default_base_url(provider)
    credentials = provider.credentials_from_env()
    provider.secrets(credentials)  # registered: nothing written or printed may show them
    removable = [e for e in entries if provider.cleanup_steps(e.operation, {"id": e.id})]
    kept = [e for e in entries if e not in removable]
    left = 0
    with transport.guarded(10.0, transport.DEFAULT_MAX_RESPONSE_BYTES, 2):
        if removable:
            probe(base_url, provider)
        for entry in removable:
            # The ledger notes each removal itself, under the run that created the object.
            with ledger.recording(ledger.Ledger(path, entry.run_id, frozenset({provider.name}))):
                _, failed = clean_up(
                    provider, base_url, provider.auth(credentials, base_url), [(entry.operation, {"id": entry.id})]
                )
            if failed:
                left += 1
                line(
                    console,
                    f"could not remove {entry.operation} {entry.id} ({entry.run_id}): the server refused "
                    "every documented way (it may already be closed)",
                )
    for entry in kept:
        line(
            console,
            f"left {entry.operation} {entry.id} ({entry.run_id}): {provider.title} documents no way to remove it",
        )
    line(console, f"{provider.title}: removed {len(removable) - left} of {len(entries)} open object(s) in the ledger")
    sys.exit(0)
