"""`conformance sandbox`: one provider double on 127.0.0.1, and the fault catalogue."""

from __future__ import annotations

import json
import shlex
import socket
import sys
from functools import partial
from urllib.parse import urlsplit

import click
import requests

from conformance.checks.lifecycle import require_lifecycle
from conformance.cli.common import clear_errors, console
from conformance.core.errors import EXIT_BREAKING, TargetUnreachable, UsageError
from conformance.providers import get_provider
from conformance.reports.console_output import line, print_table
from conformance.sandbox.faults import CATALOGUE, lifecycle_flips
from conformance.sandbox.receivers import DEFAULT_TIMEOUT, receiver_for
from conformance.sandbox.replays import NOTHING_HANDLED, handled_events, replay_handled
from conformance.sandbox.webhooks import Attempt
from conformance.targets.double_server import RunningDouble, build_double, serve_forever

REACH_TIMEOUT = 3.0  # seconds to connect to --webhook-url at start


@click.command()
@click.argument("provider", required=False)
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port on 127.0.0.1 (default: a free one).")
@click.option("--fault", "faults", multiple=True, metavar="NAME", help="Inject a fault (repeatable).")
@click.option(
    "--webhook-url",
    metavar="URL",
    help="Deliver the double's events to this local URL (loopback only), with any delivery fault; prints the "
    "signing secret (WooshPay) or public key (UseePay). Unreachable at start: exit 3.",
)
@click.option(
    "--webhook-time-scale",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Retry schedule seconds per real second (0.001: a 60 s retry after 60 ms).",
)
@click.option(
    "--webhook-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds the app may take to answer one delivery before it counts as unanswered (and is retried).",
)
@click.option(
    "--webhook-api-version",
    metavar="VERSION",
    help="UseePay: the API version events are posted for (2026-04: JSON, the default; older, e.g. 2025-01: a form).",
)
@click.option(
    "--state-url",
    metavar="URL",
    help="With --webhook-url: when the session ends (Ctrl-C), judge the app's handler: every event it acknowledged "
    "is delivered again (as delivered, reversed, shuffled) and this local URL's JSON read (GET) after each; exit 1 "
    "when one changes it or is not acknowledged (docs/webhook-handlers.md). No JSON answer: exit 3.",
)
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
def sandbox(
    provider: str | None,
    port: int,
    faults: tuple[str, ...],
    webhook_url: str | None,
    webhook_time_scale: float,
    webhook_timeout: float,
    webhook_api_version: str | None,
    state_url: str | None,
    list_faults: bool,
    output_format: str,
) -> None:
    """Serve one provider double on 127.0.0.1 until interrupted (and deliver its events to --webhook-url)."""
    if list_faults:
        flips = lifecycle_flips(require_lifecycle(get_provider(provider).spec)) if provider else ()
        # The double's own variants (e.g. WooshPay's docs_only): what they change, and the verdict expected.
        variants = sorted(get_provider(provider).double().variants.items()) if provider else []
        variant_expect = "only inferred deviations: non_breaking by default, breaking under --strict-inferred."
        # A named provider lists only the behaviour faults its double declares operations for.
        catalogue = get_provider(provider).double().catalogue() if provider else CATALOGUE
        if output_format == "json":
            entries = [
                {
                    "name": f.name,
                    "summary": f.summary,
                    "expect_kind": f.expect_kind.value if f.expect_kind else None,
                    "expect": f.expect,
                    "observed_by": f.observed_by,
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
    options: dict[str, object] = {"webhook_time_scale": webhook_time_scale, "webhook_timeout": webhook_timeout}
    if webhook_api_version is not None:
        options["webhook_api_version"] = webhook_api_version
    if webhook_url is not None:
        # Bad arguments first (exit 2), then whether the app listens (exit 3).
        build_double(provider, faults=faults, options={**options, "webhook_url": webhook_url})[1].close()
        require_reachable(webhook_url)
    if state_url is not None:
        if webhook_url is None:
            raise UsageError("--state-url judges the app that --webhook-url delivers to; give both.")
        receiver_for(state_url)  # an http(s) URL on this machine, or one sentence (exit 2)
        read_state(state_url, webhook_timeout)  # the app answers with its state now, or no verdict (exit 3)

    def announce(running: RunningDouble) -> None:
        console.print(f"{running.provider.title} double listening on {running.base_url}", highlight=False)
        if faults:
            console.print(f"faults: {', '.join(faults)}")
        console.print("accepted credentials (export these to run against it):")
        for name, value in running.credentials.items():
            console.print(f"  export {name}={shlex.quote(value)}", highlight=False)
        console.print(f"then: conformance run --base-url {running.provider.name}={running.base_url}", highlight=False)
        if webhook_url is not None:
            announce_deliveries(running, webhook_url)
        console.print("Ctrl-C stops it.")

    judge = None if state_url is None else partial(judge_handler, state_url=state_url, timeout=webhook_timeout)
    serve_forever(provider, faults=faults, port=port, announce=announce, options=options, then=judge)


def require_reachable(url: str) -> None:
    """The app must listen before the double starts: an unreachable URL is said once, exit 3."""
    parts = urlsplit(receiver_for(url).name)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname or "", port), timeout=REACH_TIMEOUT).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise TargetUnreachable(
            f"the webhook URL {url} could not be reached ({reason}); start the app first, or fix --webhook-url."
        ) from None


def announce_deliveries(running: RunningDouble, url: str) -> None:
    """Register the URL, say how to verify what arrives, and log every attempt as it is answered."""
    endpoint = running.double.deliver_to(url)
    line(console, f"delivering events to {url}")
    if endpoint.secret is not None:
        line(console, f"signing secret (verify the signature header with it): {endpoint.secret}")
    outbox = running.double.webhooks
    if outbox is not None:
        key = outbox.scheme.verification_key
        if key is not None:
            line(console, "public key (verify the `sign` header with it):")
            line(console, key.strip())
        outbox.on_attempt = lambda attempt: line(console, describe(attempt))


def read_state(url: str, timeout: float) -> object:
    """The app's state, as its URL answers a GET with JSON; anything else is no verdict (exit 3)."""
    try:
        answer = requests.get(url, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        raise TargetUnreachable(f"the state URL {url} could not be read ({type(exc).__name__}).") from None
    try:
        if answer.status_code != 200:
            raise ValueError(f"HTTP {answer.status_code}")
        return answer.json()
    except ValueError as exc:
        raise TargetUnreachable(f"the state URL {url} did not answer 200 with JSON ({exc}); no verdict.") from None


def judge_handler(running: RunningDouble, state_url: str, timeout: float) -> None:
    """The idempotency verdict on the app after the session: one line when it holds, the finding and exit 1."""
    outbox = running.double.webhooks
    if outbox is None:
        return
    handled = len(handled_events(outbox))
    if not handled:  # a verdict on nothing would pass whatever the handler does
        raise TargetUnreachable(f"{NOTHING_HANDLED} (the app at the webhook URL answered no delivery with success).")
    found = replay_handled(outbox, running.double.faults.names, lambda: read_state(state_url, timeout))
    if found is None:
        line(
            console,
            f"webhook handler idempotent: {handled} handled event(s) delivered again, as delivered, reversed and "
            f"shuffled; the state at {state_url} did not change.",
        )
        return
    line(console, str(found))
    sys.exit(EXIT_BREAKING)


def describe(attempt: Attempt) -> str:
    answer = f"answered {attempt.status}" if attempt.status is not None else f"no answer: {attempt.error}"
    verdict = "acknowledged" if attempt.acknowledged else "not acknowledged"
    return f"event {attempt.event_name} {attempt.event_id} attempt {attempt.attempt}: {answer} ({verdict})"
