"""Targets: where a provider's requests go (cassettes, a live sandbox, a bundled double) and with what.

replay  — the committed cassettes, network blocked; no credentials needed.
live    — real HTTP to the provider's sandbox or --base-url, credentials from the environment.
record  — live, and the cassette is rewritten (scrubbed, atomically) when the run succeeds.
sandbox — the bundled doubles on 127.0.0.1, then live against them.

This is the one place that decides, for the engine (`connect`: one cassette per provider) and for
suites with one cassette per scenario, the workflows (`connect_scenarios`), alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from conformance.cassettes import store
from conformance.core import ledger
from conformance.core.errors import TargetUnreachable, UsageError
from conformance.core.ledger import Ledger
from conformance.findings.model import Source
from conformance.http import budget, transport
from conformance.http.auth import ProviderAuth
from conformance.providers.base import Provider
from conformance.targets import run_tag
from conformance.targets.double_server import running_double

if TYPE_CHECKING:
    from conformance.targets.webhook_options import WebhookOptions
    from conformance.targets.webhook_session import WebhookSession

TARGETS = ("replay", "live", "record", "sandbox")
# judge: re-judge the recorded exchanges (default); exact: regenerate with the recorded settings.
REPLAY_MODES = ("judge", "exact")
REPLAY_CREDENTIAL = "REDACTED"  # what the cassettes hold in place of every credential


@dataclass(frozen=True)
class TargetOptions:
    target: str = "replay"
    base_urls: Mapping[str, str] | None = None
    cassette_dir: Path = Path("cassettes")
    allow_production: bool = False
    env: Mapping[str, str] | None = None
    replay: str = "judge"
    # Where a live run writes down what it creates (conformance.core.ledger), for worker processes too.
    ledger: Ledger | None = None
    # How webhooks are received (None: the sandbox target's own receiver, nothing for a live run).
    webhooks: WebhookOptions | None = None
    # The run's id, tagged into the metadata of what a live or sandbox run creates (conformance.targets.run_tag).
    run_id: str = ""
    # sandbox: the faults every double shows (conformance.sandbox.faults), as `conformance sandbox --fault`.
    faults: tuple[str, ...] = ()


@dataclass
class Connection:
    """Everything the engine needs to talk to one provider."""

    provider: Provider
    mode: str
    base_url: str
    auth: ProviderAuth
    source: Source
    secrets: list[str]
    cassette: Path | None
    safe_methods_only: bool = False
    # Generation settings a cassette was recorded with: a replay must generate the same requests.
    recorded_generation: Mapping[str, Any] | None = None
    # The cassette a replay reads, already parsed (its interactions index the findings' evidence).
    replayed: store.LoadedCassette | None = None
    # Recording: the VCR cassette being written, and the notes saying what each request was meant to be.
    recording: Any = None
    intents: dict[int, dict[str, Any]] | None = None
    # Operations of the spec the bundled double has no handler for yet (a spec ahead of its double): the
    # engine does not generate for them, rather than judge the double's crash as the provider's 500.
    unserved: tuple[str, ...] = ()


def mode_for(provider: Provider, options: TargetOptions) -> str:
    """--base-url implies a live-type run for that provider (record stays record)."""
    if options.base_urls and provider.name in options.base_urls and options.target in ("replay", "sandbox"):
        return "live"
    return options.target


def guarded_transport(
    provider: Provider, options: TargetOptions, timeout: float, max_bytes: int, retries: int
) -> AbstractContextManager[transport.Guard | None]:
    """Requests to a live-type target are bounded and retried (conformance.http.transport); a replay's never
    leave the process."""
    mode = mode_for(provider, options)
    if mode == "replay":
        return nullcontext()
    # A recording is left as the engine wrote it (an exact replay regenerates it byte for byte): no tag there.
    tag = run_tag.tagger(provider, options.run_id) if options.run_id and mode in ("live", "sandbox") else None
    # What a run creates may be torn down (the workflows tear down theirs on a double too): a budget keeps a reserve.
    return transport.guarded(
        timeout,
        max_bytes,
        retries,
        on_answer=_ledger_of(provider),
        prepare=tag,
        teardown_cost=_teardown_cost(provider),
    )


def _teardown_cost(provider: Provider) -> Callable[[requests.PreparedRequest], int]:
    """The most requests removing what this request may create takes (a budget keeps them in reserve)."""

    def cost(request: requests.PreparedRequest) -> int:
        if request.method != "POST" or request.url is None:
            return 0
        operation = provider.spec.operation_at("POST", request.url)
        return provider.most_teardown_requests(operation.operation_id) if operation is not None else 0

    return cost


def _ledger_of(provider: Provider) -> Callable[[requests.PreparedRequest, requests.Response], None]:
    """What a live run creates goes into the clean-up ledger the moment its answer is read, in the thread
    that sent it: before any event reaches the engine, and before an interruption stops the run."""

    def record(request: requests.PreparedRequest, response: requests.Response) -> None:
        if request.method != "POST" or not 200 <= response.status_code < 300 or request.url is None:
            return
        operation = provider.spec.operation_at("POST", request.url)
        if operation is None:
            return
        try:
            body = response.json()
        except ValueError:
            return
        # What the create made alongside (a subscription's first invoice) is written down too: no later answer
        # of the run may name it, and `conformance cleanup` reads only ids.
        made = provider.removals(operation.operation_id, body)
        for made_by, made_body in made:
            ledger.created(provider.name, made_by, made_body)
        spending = budget.current()
        if spending is not None:
            spending.hold(sum(len(provider.cleanup_steps(made_by, made_body)) for made_by, made_body in made))

    return record


@contextmanager
def connect(
    provider: Provider, options: TargetOptions, generation: Mapping[str, Any] | None = None
) -> Iterator[Connection]:
    mode = mode_for(provider, options)
    if mode == "replay":
        with _replay(provider, options) as connection:
            yield connection
    elif mode == "sandbox":
        with running_double(provider.name, faults=options.faults, demo_data=True) as double:
            credentials = double.credentials
            yield Connection(
                provider=provider,
                mode=mode,
                base_url=double.base_url,
                auth=provider.auth(credentials, double.base_url),
                source=Source.LIVE,
                secrets=provider.secrets(credentials),
                cassette=None,
                unserved=tuple(op for op in provider.spec.operations if not hasattr(double.double, op)),
            )
    else:
        with _live(provider, options, record=mode == "record", generation=generation) as connection:
            yield connection


@contextmanager
def _replay(provider: Provider, options: TargetOptions) -> Iterator[Connection]:
    path = store.cassette_path(options.cassette_dir, provider.name, store.ENGINE_SUITE)
    cassette = store.read_cassette(path, provider.name)
    store.check_generator(cassette, provider.name)
    base_url = str(cassette.metadata.get("base_url") or default_base_url(provider))
    credentials = {var.name: REPLAY_CREDENTIAL for var in provider.credential_vars}
    with store.use_replay(path, provider.name, checked=True):
        yield Connection(
            provider=provider,
            mode="replay",
            base_url=base_url,
            auth=provider.auth(credentials, base_url),
            source=Source.REPLAY,
            secrets=[],
            cassette=path,
            recorded_generation=cassette.metadata.get("generation"),
            replayed=cassette,
        )


@contextmanager
def _live(
    provider: Provider, options: TargetOptions, *, record: bool, generation: Mapping[str, Any] | None
) -> Iterator[Connection]:
    base_url = (options.base_urls or {}).get(provider.name) or default_base_url(provider)
    production = base_url.rstrip("/") in {
        s.url.rstrip("/") for s in provider.spec.servers if s.environment == "production"
    }
    if production and not options.allow_production:
        raise UsageError(
            f"{base_url} is {provider.title}'s production host; pass --allow-production to run safe (GET) "
            "operations against it."
        )
    credentials = provider.credentials_from_env(options.env)
    secrets = provider.secrets(credentials)
    probe(base_url, provider)
    connection = Connection(
        provider=provider,
        mode="record" if record else "live",
        base_url=base_url,
        auth=provider.auth(credentials, base_url),
        source=Source.LIVE,
        secrets=secrets,
        cassette=None,
        safe_methods_only=production,
    )
    if not record:
        yield connection
        return
    path = store.cassette_path(options.cassette_dir, provider.name, store.ENGINE_SUITE)
    metadata = store.recording_metadata(provider, base_url, options.env, generation=dict(generation or {}))
    intents: dict[int, dict[str, Any]] = {}
    with store.recording(path, secrets=secrets, metadata=metadata, intents=intents) as cassette:
        connection.cassette = path
        connection.recording = cassette
        connection.intents = intents
        yield connection


@dataclass
class ScenarioConnection:
    """One scenario's target: where its requests go, with what credentials, and the cassette it replays or
    records (None: live, nothing written)."""

    provider: Provider
    base_url: str
    credentials: Mapping[str, str]
    source: Source
    cassette: Path | None = None
    played: Any = None  # replay: vcrpy's cassette, which knows what was played

    @property
    def secrets(self) -> list[str]:
        return [] if self.source is Source.REPLAY else self.provider.secrets(self.credentials)

    @property
    def unplayed(self) -> int:
        """Replay: recorded interactions the scenario did not send."""
        return len(self.played.data) - self.played.play_count if self.played is not None else 0


@dataclass
class ScenarioTargets:
    """A provider's target for a suite with one cassette per scenario; `scenario(name)` connects one."""

    provider: Provider
    mode: str
    suite: str
    cassette_dir: Path
    base_url: str  # replay: the spec's sandbox server; each scenario's cassette names its own
    credentials: Mapping[str, str]
    safe_methods_only: bool = False
    # Where the provider's webhooks are received while the scenarios run (None: not received).
    webhooks: WebhookSession | None = None

    def cassette(self, scenario: str) -> Path:
        return scenario_cassette(self.cassette_dir, self.provider.name, self.suite, scenario)

    def scenario(self, name: str) -> AbstractContextManager[ScenarioConnection]:
        if self.mode == "replay":
            return replay_scenario(self.provider, self.cassette(name), self.suite)
        if self.mode == "record":
            return record_scenario(
                ScenarioConnection(self.provider, self.base_url, self.credentials, Source.LIVE, self.cassette(name)),
                self.suite,
                name,
            )
        return nullcontext(ScenarioConnection(self.provider, self.base_url, self.credentials, Source.LIVE))


def scenario_cassette(cassette_dir: Path, provider: str, suite: str, scenario: str) -> Path:
    """Where one scenario of a suite is recorded: its own cassette, so that it replays alone."""
    return store.cassette_path(cassette_dir, provider, suite, scenario)


@contextmanager
def connect_scenarios(provider: Provider, options: TargetOptions, suite: str) -> Iterator[ScenarioTargets]:
    # The webhook session builds on this module (TargetOptions, url checks): imported when a run connects.
    from conformance.targets.webhook_options import WebhookOptions
    from conformance.targets.webhook_session import double_with_receiver, live_session

    mode = mode_for(provider, options)
    hooks = options.webhooks or WebhookOptions()

    def targets(base_url: str, credentials: Mapping[str, str], safe_methods_only: bool = False) -> ScenarioTargets:
        return ScenarioTargets(provider, mode, suite, options.cassette_dir, base_url, credentials, safe_methods_only)

    if mode == "replay":
        yield targets("", {})
    elif mode == "sandbox":
        with double_with_receiver(provider.name, faults=options.faults, demo_data=True, options=hooks) as (
            double,
            session,
        ):
            found = targets(double.base_url, double.credentials)
            found.webhooks = session
            yield found
    else:
        # connect() checks the host (production needs --allow-production), the credentials and reachability;
        # record is connected as live so that the engine's cassette is left alone.
        with connect(provider, replace(options, target="live")) as connection:
            credentials = provider.credentials_from_env(options.env)
            found = targets(connection.base_url, credentials, connection.safe_methods_only)
            auth = provider.auth(credentials, connection.base_url)
            with live_session(provider, connection.base_url, auth, hooks, env=options.env) as session:
                found.webhooks = session
                yield found


@contextmanager
def replay_scenario(provider: Provider, path: Path, suite: str) -> Iterator[ScenarioConnection]:
    """One scenario's cassette with the network blocked. Without a cassette every request is stale."""
    context: AbstractContextManager[Any]
    if path.is_file():
        loaded = store.read_cassette(path, provider.name, suite)
        base_url = str(loaded.metadata.get("base_url") or default_base_url(provider))
        context = store.use_replay(path, provider.name, suite, checked=True)
    else:
        base_url = default_base_url(provider)
        context = store.make_vcr(record=False).use_cassette(str(path))
    credentials = {var.name: REPLAY_CREDENTIAL for var in provider.credential_vars}
    with context as played:
        yield ScenarioConnection(provider, base_url, credentials, Source.REPLAY, cassette=path, played=played)


@contextmanager
def record_scenario(
    connection: ScenarioConnection, suite: str, scenario: str, *, recorded_against: str | None = None
) -> Iterator[ScenarioConnection]:
    """Live, recorded into `connection.cassette` (scrubbed, replaced only when the block succeeds)."""
    assert connection.cassette is not None
    metadata = store.recording_metadata(connection.provider, connection.base_url, suite=suite, scenario=scenario)
    if recorded_against:
        metadata["recorded_against"] = recorded_against
    with store.recording(connection.cassette, secrets=connection.secrets, metadata=metadata):
        yield connection


def default_base_url(provider: Provider) -> str:
    server = provider.spec.server("sandbox")
    if server is None:
        raise UsageError(
            f"{provider.spec.path} has no x-environment: sandbox server; pass --base-url {provider.name}=URL."
        )
    return server.url


def probe(base_url: str, provider: Provider, attempts: int = 3) -> None:
    """Exit 3 early, with a clear sentence, when the target does not answer at all."""
    last: Exception | None = None
    guard = transport.current()
    for _ in range(attempts):
        try:
            requests.get(base_url, timeout=guard.timeout if guard else 10, allow_redirects=False)
            return
        except transport.ResponseTooLarge:
            return  # it answers; the run reports its answers
        except transport.TargetGivenUp:
            break  # the attempts inside already failed; `last` says how
        except requests.RequestException as exc:
            last = exc
    raise TargetUnreachable(
        f"{provider.title} at {base_url} could not be reached ({type(last).__name__}); check the URL "
        "(--base-url) and the network."
    )


def parse_base_urls(values: tuple[str, ...], known: Mapping[str, Any]) -> dict[str, str]:
    urls: dict[str, str] = {}
    for value in values:
        name, sep, url = value.partition("=")
        if not sep or not url.startswith(("http://", "https://")):
            raise UsageError(f"--base-url {value!r} is not PROVIDER=URL (e.g. wooshpay=http://127.0.0.1:8080).")
        if name not in known:
            raise UsageError(f"--base-url names unknown provider {name!r}; choose one of: {', '.join(known)}.")
        problem = url_problem(url)
        if problem:
            raise UsageError(
                f"--base-url {value!r} is not a usable URL ({problem}); e.g. {name}=http://127.0.0.1:8080."
            )
        urls[name] = url.rstrip("/")
    return urls


def url_problem(url: str) -> str:
    """What makes an http(s) URL unusable (a bad port, an unclosed IPv6 bracket, no host), or ''."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return str(exc).rstrip(".")  # "Port out of range 0-65535", "Invalid IPv6 URL", ...
    if not parts.hostname:
        return "no host"
    if port == 0:
        return "port 0"
    return ""
