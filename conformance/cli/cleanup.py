"""`conformance cleanup --provider P [--run-id ID]`: remove what an interrupted or crashed live run created
and never removed, as its ledger (conformance.core.ledger, beside the run's reports) wrote it down and as the
provider lists it with the run's id in its metadata (conformance.targets.run_tag)."""

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
from conformance.targets.cleanup import clean_up, find_tagged


@click.command("cleanup")
@click.option("--provider", "provider_name", required=True, metavar="NAME", help="The provider to clean up.")
@click.option(
    "--run-id",
    default=None,
    metavar="ID",
    help="Only this run's objects, in the ledger and tagged in the provider's metadata (default: every run's).",
)
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
    help="The report directory of the run(s) to clean up after: its ledger.jsonl lists what they created "
    "(without one, what the provider lists with a run's tag is still found, where its API has metadata).",
)
@clear_errors
def cleanup(provider_name: str, run_id: str | None, base_urls: tuple[str, ...], report_dir: Path) -> None:
    """Remove what a crashed or interrupted live run created, where the provider's API allows it: what the
    run's ledger lists as open, and what the provider lists with the run's tag in its metadata."""
    provider = get_provider(provider_name)
    path = report_dir / ledger.FILE_NAME
    listings = provider.tagged_listings()
    if not path.is_file() and not listings:
        raise UsageError(
            f"{path} does not exist and {provider.title} has no metadata to find a run's objects by; pass the "
            "--report-dir of the live run to clean up after."
        )
    entries = ledger.still_open(path, provider.name, run_id)
    base_url = parse_base_urls(base_urls, all_providers()).get(provider.name) or default_base_url(provider)
    credentials = provider.credentials_from_env()
    provider.secrets(credentials)  # registered: nothing written or printed may show them
    auth = provider.auth(credentials, base_url)
    problems: list[str] = []
    with transport.guarded(10.0, transport.DEFAULT_MAX_RESPONSE_BYTES, 2):
        if entries or listings:
            probe(base_url, provider)
        if listings:
            # Found by listing too: what the ledger never heard of (an answer the run did not live to write down).
            tagged, problems = find_tagged(provider, base_url, auth, run_id)
            known = {(e.operation, e.id) for e in entries}
            entries += [
                ledger.Entry(t.run_id, provider.name, t.operation, t.id)
                for t in tagged
                if (t.operation, t.id) not in known
            ]
        removable = [e for e in entries if provider.cleanup_steps(e.operation, {"id": e.id})]
        kept = [e for e in entries if e not in removable]
        left = 0
        for entry in removable:
            # The ledger notes each removal itself, under the run that created the object.
            writing = ledger.Ledger(path, entry.run_id, frozenset({provider.name})) if path.is_file() else None
            with ledger.recording(writing):
                _, failed = clean_up(provider, base_url, auth, [(entry.operation, {"id": entry.id})])
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
    for problem in problems:
        line(console, f"could not look through {problem}")
    line(
        console,
        f"{provider.title}: removed {len(removable) - left} of {len(entries)} open object(s) in the ledger"
        + (" and tagged with a run's id in the provider's lists" if listings else ""),
    )
    sys.exit(0)
