"""`conformance judge PATH...`: recordings the user already has, judged with the replay's checks.

The findings document is built by the pipeline and written like any run's (target `judge`), so the
reports, the baseline and the exit codes are those of `conformance run`. What is not judged is said:
hosts of no provider (ignored, with a note), provider exchanges that match no documented operation
(listed: an undocumented endpoint the app depends on is worth knowing) and token requests. The same
notes go to `judge.json` beside findings.json.
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
from conformance.core.errors import UsageError
from conformance.core.fsutil import atomic_write_text, require_writable
from conformance.document.baseline import load_baseline
from conformance.findings.severity_policy import load_policy
from conformance.judge.judging import JudgeOutcome, judge_recordings
from conformance.judge.nothing import require_judged
from conformance.judge.recordings import read_all
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
    report_dir: Path,
    baseline: Path | None,
    output_format: str,
    quiet: bool,
    strict_inferred: bool,
    severity_levels: Path | None,
) -> None:
    """Judge VCR.py cassettes (YAML or JSON, pytest-recording's layout included) and HAR files.

    Each exchange goes to its provider and operation by host and path, and gets the replay's
    response-side judgement. Exit code 1 when a finding is breaking.
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
    recorded, skipped = read_all(paths)  # every file read before anything is written
    outcome = judge_recordings(recorded, origins(selected, mapping), root=Path.cwd())
    require_judged(outcome, len(recorded), paths, mapping)  # zero judged exchanges is no verdict (exit 3)

    def stage(_: list[Provider]) -> StageResult:
        return StageResult(
            findings=outcome.findings,
            requests=outcome.requests,
            operations=outcome.operations,
            base_urls={name: url for name, url in mapping.items() if name in outcome.providers_seen},
        )

    document = run_and_report(
        provider_names=tuple(sorted(outcome.providers_seen)),
        target=TARGET,
        stages=[stage],
        seed=0,
        report_dir=report_dir,
        baseline=accepted,
        policy=policy,
    )
    atomic_write_text(report_dir / "judge.json", json.dumps(_notes(outcome), indent=2) + "\n")

    if output_format == "text" and not quiet:
        for path in skipped:
            line(console, f"note: skipped {path}: not a VCR.py cassette or HAR file.")
        _print_notes(outcome, console)
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


def _notes(outcome: JudgeOutcome) -> dict[str, Any]:
    return {
        "judged": outcome.requests,
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
