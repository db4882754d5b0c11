"""`conformance judge PATH...`: recordings the user already has, judged with the replay's checks.

The findings document is built by the pipeline and written like any run's (target `judge`), so the
reports, the baseline and the exit codes are those of `conformance run`. What is not judged is said:
hosts of no provider (ignored, with a note), provider exchanges that match no documented operation
(listed: an undocumented endpoint the app depends on is worth knowing) and token requests. The same
notes go to `judge.json` beside findings.json.

Captured webhook deliveries are judged too (issue 28): inbound posts in a HAR or cassette (by
`--webhooks-path`, or by a body that reads as a documented event) and JSON files of the suite's
`Delivery` records, against each provider's `webhooks` (conformance.judge.deliveries).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from conformance.cli.common import clear_errors, console, gate_options, report_dir_option
from conformance.cli.reporting import run_and_report
from conformance.cli.run_summary import conclude, format_option, quiet_option
from conformance.core.errors import TargetUnreachable, UsageError
from conformance.core.fsutil import atomic_write_text, require_writable
from conformance.document.baseline import load_baseline
from conformance.findings.severity_policy import load_policy
from conformance.judge.deliveries import (
    KEY_VARIABLES,
    Captured,
    DeliveryOutcome,
    judge_captured,
    read_delivery_file,
    split_recorded,
)
from conformance.judge.judging import JudgeOutcome, judge_recordings
from conformance.judge.nothing import NO_VERDICT, require_judged
from conformance.judge.recordings import read_files, recording_files
from conformance.judge.routing import origins
from conformance.providers import all_providers, select_providers
from conformance.providers.base import Provider
from conformance.reports.console_output import line
from conformance.targets import parse_base_urls
from conformance.targets.stage import StageResult

TARGET = "judge"


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--provider",
    "providers",
    multiple=True,
    metavar="NAME",
    help="Judge only this provider's exchanges (repeatable). Default: every provider.",
)
@click.option(
    "--base-url",
    "base_urls",
    multiple=True,
    metavar="PROVIDER=URL",
    help="Exchanges with this URL are PROVIDER's (repeatable); without a port, every port of the host, "
    "e.g. wooshpay=http://127.0.0.1 for a double.",
)
@click.option(
    "--webhooks-path",
    metavar="PATH",
    help="Recorded POSTs to this path (e.g. /webhooks) are webhook deliveries to judge against the providers' "
    "`webhooks`. Default: a POST whose body reads as a documented event.",
)
@report_dir_option
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), help="Accepted discrepancies.")
@format_option
@quiet_option
@gate_options
@clear_errors
def judge(
    paths: tuple[Path, ...],
    providers: tuple[str, ...],
    base_urls: tuple[str, ...],
    webhooks_path: str | None,
    report_dir: Path,
    baseline: Path | None,
    output_format: str,
    quiet: bool,
    strict_inferred: bool,
    severity_levels: Path | None,
) -> None:
    """Judge VCR.py cassettes (YAML or JSON, pytest-recording's layout included), HAR files and webhook
    deliveries (inbound posts in a HAR, or JSON files of the suite's delivery records).

    Each exchange goes to its provider and operation by host and path, and gets the replay's
    response-side judgement; each delivery is judged against its provider's `webhooks`. Exit code 1
    when a finding is breaking.
    """
    selected = select_providers(providers)
    mapping = parse_base_urls(base_urls, all_providers())
    unselected = sorted(set(mapping) - {p.name for p in selected})
    if unselected:
        raise UsageError(
            f"--base-url names {unselected[0]!r}, which --provider leaves out; add --provider {unselected[0]}."
        )
    accepted = load_baseline(baseline) if baseline else None
    require_writable(report_dir, "--report-dir")
    policy = load_policy(severity_levels, strict_inferred=strict_inferred)
    if webhooks_path is not None and not webhooks_path.startswith("/"):
        raise UsageError(
            f"--webhooks-path {webhooks_path!r} is not a path; give it as the receiver saw it, e.g. /webhooks."
        )
    # Every file read before anything is written: delivery records, then cassettes and HAR files.
    captured: list[Captured] = []
    others: list[tuple[Path, bool]] = []
    for file, named in recording_files(paths):
        found = read_delivery_file(file)
        if found is None:
            others.append((file, named))
        else:
            captured.extend(found)
    recorded, skipped = read_files(others)
    inbound, recorded = split_recorded(recorded, selected, webhooks_path)
    captured.extend(inbound)
    outcome = judge_recordings(recorded, origins(selected, mapping), root=Path.cwd())
    deliveries = judge_captured(captured, selected)
    if deliveries.judged == 0:
        if captured:
            raise TargetUnreachable(
                f"none of the {len(captured)} webhook deliveries reads as an event of a selected provider's "
                f"`webhooks`: {NO_VERDICT}; `conformance providers` lists each provider's documented events."
            )
        require_judged(outcome, len(recorded), paths, mapping)  # zero judged exchanges is no verdict (exit 3)
    seen = outcome.providers_seen | deliveries.providers_seen

    def stage(_: list[Provider]) -> StageResult:
        return StageResult(
            findings=outcome.findings + deliveries.findings,
            requests=outcome.requests,
            operations=outcome.operations,
            base_urls={name: url for name, url in mapping.items() if name in outcome.providers_seen},
            events={name: set(events) for name, events in deliveries.events_seen.items()},
        )

    document = run_and_report(
        provider_names=tuple(sorted(seen)),
        target=TARGET,
        stages=[stage],
        seed=0,
        report_dir=report_dir,
        baseline=accepted,
        policy=policy,
    )
    atomic_write_text(report_dir / "judge.json", json.dumps(_notes(outcome, deliveries), indent=2) + "\n")

    if output_format == "text" and not quiet:
        for path in skipped:
            line(console, f"note: skipped {path}: not a VCR.py cassette or HAR file.")
        _print_notes(outcome, console)
        _print_delivery_notes(deliveries, console)
    trailer = f"findings: {report_dir / 'findings.json'}; not judged: {report_dir / 'judge.json'}"
    sys.exit(
        conclude(
            document,
            console,
            report_dir=report_dir,
            trailer=trailer,
            output_format=output_format,
            quiet=quiet,
            baseline=accepted,
        )
    )


def _notes(outcome: JudgeOutcome, deliveries: DeliveryOutcome) -> dict[str, Any]:
    return {
        "judged": outcome.requests,
        "deliveries": {
            "judged": deliveries.judged,
            "unattributed": deliveries.unattributed,
            "events": {name: sorted(events) for name, events in sorted(deliveries.events_seen.items())},
            "signatures_not_verified": sorted(deliveries.unverified),
        },
        "ignored_hosts": dict(sorted(outcome.ignored_hosts.items())),
        "token_requests": outcome.token_requests,
        "expected_by_fault": sorted(outcome.expected_by_fault),
        "unmatched": [
            {"provider": u.provider, "method": u.method, "path": u.path, "recording": u.file, "interaction": u.position}
            for u in outcome.unmatched
        ],
    }


def _print_notes(outcome: JudgeOutcome, console: Console) -> None:
    expected = sum(1 for f in outcome.findings if f.expected_by_fault)
    if expected:
        faults = ", ".join(sorted(outcome.expected_by_fault))
        line(
            console,
            f"note: {expected} finding(s) are on answers a double marked as altered: expected under the "
            f"double's fault {faults}, outside the verdict and never baselined.",
        )
    for host, count in sorted(outcome.ignored_hosts.items()):
        line(
            console,
            f"note: ignored {count} exchange(s) with {host}, which is no provider's documented host "
            "(map it with --base-url PROVIDER=URL if it is one).",
        )
    if outcome.token_requests:
        line(console, f"note: {outcome.token_requests} token request(s) not judged (not part of the API).")
    for item in outcome.unmatched:
        # People count exchanges from 1; judge.json keeps the 0-based position beside the recording.
        line(
            console,
            f"undocumented: {item.provider} {item.method} {item.path} matches no documented operation "
            f"({item.file}, exchange {item.position + 1}).",
        )


def _print_delivery_notes(deliveries: DeliveryOutcome, console: Console) -> None:
    if deliveries.judged:
        line(console, f"note: judged {deliveries.judged} webhook delivery(ies) against the providers' `webhooks`.")
    if deliveries.unattributed:
        line(
            console,
            f"note: {deliveries.unattributed} webhook delivery(ies) read as no selected provider's event, not judged.",
        )
    for name in sorted(deliveries.unverified):
        line(
            console,
            f"note: {name}'s webhook signatures were not verified; set {KEY_VARIABLES[name]} to verify them.",
        )
