"""The provider doubles as pytest fixtures, for the billing code of the teams this suite is for.

Installed as a `pytest11` entry point, so every pytest run in an environment with the package loads this
module; it therefore imports nothing heavy at module level and does nothing until a test asks for a
fixture. Per pytest process (one per pytest-xdist worker) one server per provider is started the first
time a test asks for it, and each test resets its state instead of starting another (milliseconds, see
benchmarks/plugin_overhead.py).

    def test_bill(wooshpay_double):
        wooshpay_double.session.post(wooshpay_double.url("/v1/customers"), json={"name": "Ada"})

    @pytest.mark.provider_fault("wooshpay", "has_more_lies")
    def test_survives_lying_pagination(wooshpay_double): ...

A double delivers its events to the code under test (docs/webhook-delivery.md): a URL, or a WSGI or ASGI app
object without a socket, signed as the provider declares, retried on its schedule (time-compressed):

    def test_paid_once(wooshpay_double):
        wooshpay_double.webhooks.deliver_to(app)   # a Flask/Django/Starlette app, a WSGI callable or a URL
        ...                                         # drive the double through wooshpay_double.session
        wooshpay_double.webhooks.flush()            # wait until every due delivery is done
        assert [a.status for a in wooshpay_double.webhooks.sent] == [200, 200, 200]

Fixtures: `wooshpay_double`, `useepay_double`, `lynkwell_double` (fresh state per test), the factory
`provider_double(name)` for any registered provider, and the session-scoped `*_double_session` /
`provider_double_session(name)` whose state lives as long as the worker.

Recordings made with pytest-recording name each double by a stable host name
(`wooshpay.double.localhost`, conformance.sandbox.hosts) instead of 127.0.0.1 and this run's port, so
they replay in the next run with no configuration, and `conformance judge` knows whose they are. A
`before_record_request` of the user's own `vcr_config` replaces this one; call
`stable_double_hosts(request)` from it to keep it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import requests
    from vcr import VCR
    from vcr.request import Request

    from conformance.sandbox.double import ProviderDouble
    from conformance.sandbox.webhooks import Attempt, Endpoint, Event, Outbox
    from conformance.targets.double_server import RunningDouble

MARKER = "provider_fault"
# The plugin's doubles run the retry schedules this much faster than real time: WooshPay's 32 hours of
# retries take about 1 s, UseePay's 5 days about 4 s (double.webhooks.time_scale changes it for one test).
TIME_SCALE = 0.00001
FLUSH_TIMEOUT = 10.0

_SESSION_FIXTURES = frozenset(
    {"provider_double_session", "wooshpay_double_session", "useepay_double_session", "lynkwell_double_session"}
)
# "127.0.0.1:PORT" of every double this process serves -> its provider: what recordings rename.
_serving: dict[str, str] = {}


@pytest.hookimpl(optionalhook=True)  # pytest-recording's hook, called with each test's VCR
def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:
    own = vcr.before_record_request
    if own is None:
        vcr.before_record_request = stable_double_hosts
        return
    vcr.before_record_request = lambda request: own(stable_double_hosts(request))


def stable_double_hosts(request: Request) -> Request:
    """A request to one of this process's doubles, renamed to the double's stable host (no port).

    VCR.py applies it to what it records and to what it matches, so a recording replays whatever
    port the double has in the next run.
    """
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(request.uri)
    provider = _serving.get(parts.netloc)
    if provider is not None:
        from conformance.sandbox.hosts import double_host

        request.uri = urlunsplit(("http", double_host(provider), parts.path, parts.query, parts.fragment))
    return request


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A fault marker on a test whose only double of that provider is a session one does nothing (the
    session double outlives the test): say so, naming the fixture that takes it, instead of passing."""
    names = set(getattr(item, "fixturenames", ()))
    if not names & _SESSION_FIXTURES:
        return
    for mark in item.iter_markers(MARKER):
        provider = mark.args[0] if mark.args and isinstance(mark.args[0], str) else None
        if provider is None or {f"{provider}_double", "provider_double"} & names:
            continue
        session = f"{provider}_double_session" if f"{provider}_double_session" in names else "provider_double_session"
        if session not in names:
            continue
        pytest.fail(
            f"@pytest.mark.{MARKER}({provider!r}, ...) does not reach {session}, whose state outlives the test; "
            f"use the {provider}_double fixture (or provider_double({provider!r})) for a faulted test, or call "
            f"{session}.inject(...) and .reset() yourself.",
            pytrace=False,
        )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(provider, *faults): switch on faults of the catalogue (`conformance sandbox --list-faults`) "
        "in that provider's double for this test.",
    )


@dataclass
class Webhooks:
    """`double.webhooks`: where the double's events go and what became of them."""

    _state: ProviderDouble
    _endpoint: Endpoint | None = None

    def deliver_to(self, target: object, *, path: str = "/", events: Iterable[str] = ("*",)) -> None:
        """Deliver every event from now on (or only `events`) to a URL (loopback), a WSGI app or an ASGI app;
        `path` is the request path an app sees."""
        from conformance.core.errors import ConformanceError

        try:
            self._endpoint = self._state.deliver_to(target, path=path, events=tuple(events))
        except ConformanceError as exc:
            pytest.fail(str(exc), pytrace=False)

    @property
    def sent(self) -> list[Attempt]:
        """Every attempt so far, in order: .status (None: no answer), .attempt, .event_id, .event_name,
        .delivery (the wire: headers and raw body), .acknowledged, .error."""
        return self._outbox().sent

    @property
    def events(self) -> list[Event]:
        """Every event emitted since the test started (sent or not), with its envelope."""
        return self._outbox().events

    def redeliver(self, event_id: str) -> None:
        """Send an event again, same id and body, as a provider's "resend" does."""
        try:
            self._outbox().redeliver(event_id)
        except KeyError as exc:
            pytest.fail(str(exc.args[0]), pytrace=False)

    def flush(self, timeout: float = FLUSH_TIMEOUT) -> None:
        """Wait until every due delivery is done, retries included (time-compressed); fail after `timeout`."""
        if not self._outbox().flush(timeout):
            pytest.fail(
                f"deliveries still pending after {timeout:g} s: the receiver hangs, or its retries outlast the "
                f"time scale ({self.time_scale:g}); raise double.webhooks.time_scale or flush(timeout=...).",
                pytrace=False,
            )

    def assert_idempotent(self, read_state: Callable[[], object], *, seed: int = 0) -> None:
        """The verdict on the handler (docs/webhook-handlers.md): after the pending deliveries, every event it
        acknowledged is delivered again, in the order it arrived, reversed, and shuffled (by `seed`), and
        `read_state()` (the app's observable state: any comparable value, copied) is read after each replay.
        The first replay that changes the state, or that the handler does not acknowledge, raises an
        AssertionError naming the event, the replay and what changed; a handler that acknowledged no event fails
        the test (no verdict). Replays are signed as a provider signs a retry (signature faults off) and are not
        added to `sent`."""
        __tracebackhide__ = True
        from conformance.sandbox.replays import NOTHING_HANDLED, StateNotCopyable, handled_events, replay_handled

        self.flush()
        if not handled_events(self._outbox()):  # a verdict on nothing would pass whatever the handler does
            pytest.fail(f"{NOTHING_HANDLED} (deliver_to the app before driving the double).", pytrace=False)
        try:
            found = replay_handled(self._outbox(), self._state.faults.names, read_state, seed=seed)
        except StateNotCopyable as exc:
            pytest.fail(str(exc), pytrace=False)
        if found is not None:
            raise AssertionError(str(found))

    @property
    def secret(self) -> str | None:
        """The signing secret of the last deliver_to (WooshPay's whsec_...); None where the scheme has none."""
        return None if self._endpoint is None else self._endpoint.secret

    @property
    def public_key(self) -> str | None:
        """The PEM public key signatures verify with (UseePay's); None where the scheme uses a shared secret."""
        return self._outbox().scheme.verification_key

    @property
    def time_scale(self) -> float:
        return self._outbox().time_scale

    @time_scale.setter
    def time_scale(self, value: float) -> None:
        self._outbox().time_scale = value

    def _outbox(self) -> Outbox:
        outbox = self._state.webhooks
        if outbox is None:
            pytest.fail(f"the {self._state.provider} double sends no events (none are documented).", pytrace=False)
        return outbox


@dataclass
class Double:
    """One provider double as a test sees it."""

    provider: str
    base_url: str
    #: The credentials the double accepts, under the environment variable names the suite reads
    #: (plus what `Provider.double_environment` adds, e.g. LYNKWELL_TOKEN_URL), for code that reads its
    #: credentials from the environment.
    env: dict[str, str]
    #: A requests session that authenticates like the provider wants (Basic, headers, OAuth2 bearer).
    session: requests.Session
    #: The double itself: its stores (`state.invoices`, `state.customers`...) for seeding and inspection.
    state: ProviderDouble
    _new_auth: Callable[[], requests.auth.AuthBase] = field(repr=False)
    #: The double's events: deliver_to(url or app), sent, redeliver(id), flush(), secret, public_key.
    webhooks: Webhooks = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.webhooks = Webhooks(self.state)

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def faults(self) -> frozenset[str]:
        return self.state.faults.names

    def inject(self, *faults: str) -> None:
        """Switch faults on from the next request on (for the rest of this test, or of the session)."""
        from conformance.core.errors import ConformanceError

        try:
            self.state.inject(*faults)
        except ConformanceError as exc:  # an unknown fault name: one line, not a traceback
            problem = str(exc)
        else:
            return
        pytest.fail(problem, pytrace=False)

    def reset(self, *faults: str) -> None:
        """Empty state and exactly `faults` on, as at the start of a test."""
        _restart(self.state, faults)
        self.webhooks = Webhooks(self.state)
        # Tokens issued before the reset are gone with the state: sign the next requests afresh.
        self.session.auth = self._new_auth()


def _test_credentials(provider_name: str) -> dict[str, str]:
    # Always the fixed test credentials, never the environment's: a real key must not reach a double.
    from conformance.providers import get_provider

    return {var.name: var.test_value for var in get_provider(provider_name).credential_vars}


@dataclass
class _Servers:
    """One running double per provider, started on first use and stopped at the end of the session."""

    _stack: ExitStack = field(default_factory=ExitStack)
    _running: dict[str, RunningDouble] = field(default_factory=dict)

    def get(self, provider_name: str) -> RunningDouble:
        running = self._running.get(provider_name)
        if running is None:
            from conformance.targets.double_server import running_double

            context = running_double(
                provider_name,
                credentials=_test_credentials(provider_name),
                seed=0,
                options={"webhook_time_scale": TIME_SCALE},
            )
            running = self._running[provider_name] = self._stack.enter_context(context)
            _serving[running.base_url.removeprefix("http://")] = provider_name
        return running

    def close(self) -> None:
        for running in self._running.values():
            _serving.pop(running.base_url.removeprefix("http://"), None)
        self._stack.close()


def _attach(running: RunningDouble) -> Double:
    import requests

    provider = running.provider
    env = {**running.credentials, **provider.double_environment(running.base_url)}

    def new_auth() -> requests.auth.AuthBase:
        return provider.auth(running.credentials, running.base_url)

    session = requests.Session()
    session.auth = new_auth()
    return Double(
        provider=provider.name,
        base_url=running.base_url,
        env=env,
        session=session,
        state=running.double,
        _new_auth=new_auth,
    )


def _restart(double: ProviderDouble, faults: Iterable[str]) -> None:
    from conformance.core.errors import ConformanceError

    try:
        double.restart(faults)
    except ConformanceError as exc:  # an unknown fault name: one line, not a traceback
        problem = str(exc)
    else:
        return
    pytest.fail(problem, pytrace=False)


def _marker_faults(node: pytest.Item, provider_name: str) -> list[str]:
    faults: list[str] = []
    for mark in node.iter_markers(MARKER):
        if not mark.args or not all(isinstance(arg, str) for arg in mark.args):
            pytest.fail(
                f'@pytest.mark.{MARKER} takes a provider name then fault names, e.g. ("wooshpay", "has_more_lies").',
                pytrace=False,
            )
        # A misspelt provider would otherwise leave the test running without its fault, and passing.
        _known_provider(mark.args[0])
        if mark.args[0] == provider_name:
            faults.extend(mark.args[1:])
    return faults


def _known_provider(name: str) -> None:
    from conformance.providers import all_providers

    if name not in all_providers():
        pytest.fail(f"no provider double named {name!r}; choose one of: {', '.join(all_providers())}.", pytrace=False)


@pytest.fixture(scope="session")
def _conformance_servers() -> Iterator[_Servers]:
    servers = _Servers()
    yield servers
    servers.close()


@pytest.fixture(scope="session")
def _conformance_session_servers() -> Iterator[_Servers]:
    # Apart from the per-test servers: their resets must not wipe state a session fixture relies on.
    servers = _Servers()
    yield servers
    servers.close()


@pytest.fixture
def provider_double(
    request: pytest.FixtureRequest, _conformance_servers: _Servers
) -> Iterator[Callable[[str], Double]]:
    """provider_double(name): that provider's double, reset for this test, with the test's fault markers on."""
    attached: dict[str, Double] = {}

    def get(name: str) -> Double:
        if name not in attached:
            _known_provider(name)
            running = _conformance_servers.get(name)
            _restart(running.double, _marker_faults(request.node, name))
            attached[name] = _attach(running)
        return attached[name]

    yield get
    for double in attached.values():
        double.session.close()


@pytest.fixture(scope="session")
def provider_double_session(_conformance_session_servers: _Servers) -> Iterator[Callable[[str], Double]]:
    """provider_double_session(name): one double per worker whose state lasts the whole session.

    Fault markers do not reach it (it outlives the test); `inject` and `reset` do.
    """
    attached: dict[str, Double] = {}

    def get(name: str) -> Double:
        if name not in attached:
            _known_provider(name)
            attached[name] = _attach(_conformance_session_servers.get(name))
        return attached[name]

    yield get
    for double in attached.values():
        double.session.close()


@pytest.fixture
def wooshpay_double(provider_double: Callable[[str], Double]) -> Double:
    return provider_double("wooshpay")


@pytest.fixture
def useepay_double(provider_double: Callable[[str], Double]) -> Double:
    return provider_double("useepay")


@pytest.fixture
def lynkwell_double(provider_double: Callable[[str], Double]) -> Double:
    return provider_double("lynkwell")


@pytest.fixture(scope="session")
def wooshpay_double_session(provider_double_session: Callable[[str], Double]) -> Double:
    return provider_double_session("wooshpay")


@pytest.fixture(scope="session")
def useepay_double_session(provider_double_session: Callable[[str], Double]) -> Double:
    return provider_double_session("useepay")


@pytest.fixture(scope="session")
def lynkwell_double_session(provider_double_session: Callable[[str], Double]) -> Double:
    return provider_double_session("lynkwell")
