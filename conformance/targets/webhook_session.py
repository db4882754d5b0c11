"""One provider's webhook receiving for a run: the receiver, what the provider was told, how to wait.

sandbox — a receiver on 127.0.0.1 (a free port, or --webhook-listen); the double is told its URL and
          runs its delivery clock fast (`sandbox_time_scale`); waiting ends when its outbox is idle.
live    — only when asked (--webhook-listen and --webhook-public-url): the receiver listens there, an
          endpoint is registered through the provider's API where the spec declares one and removed
          when the workflows end; waiting ends when the expected events arrived, or after the timeout.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from conformance.cassettes import store
from conformance.cassettes.deliveries import Read
from conformance.checks.json_values import value_at
from conformance.checks.lifecycle import lifecycle_of
from conformance.checks.webhooks import read_event
from conformance.core.deliveries import Delivery
from conformance.http.transport import OriginBoundSession
from conformance.providers import get_provider
from conformance.providers.base import Provider
from conformance.spec.specs import Operation
from conformance.spec.webhooks import webhooks_of
from conformance.targets import webhook_endpoint
from conformance.targets.double_server import RunningDouble, running_double
from conformance.targets.webhook_options import WebhookOptions
from conformance.targets.webhook_receiver import RefuseFirst, WebhookReceiver

# A double's first retry comes this many real seconds after a refused attempt, whatever its schedule says: long
# enough that a loaded machine's jitter stays well inside the retry check's tolerance (±50 %, +0.25 s).
SANDBOX_FIRST_RETRY = 0.5
QUIET = 0.5  # seconds without a delivery after the expected ones, so a late duplicate is seen
SANDBOX_QUIET = 0.05
READ_TIMEOUT = 2.0  # a read on arrival; a sender waits some seconds for its answer (a double 5)


class ReadsOnArrival:
    """`on_arrival` of a receiver: reads the object of each event through the provider's retrieve operation
    (a GET of the invoice by id), with a short timeout so that the sender's attempt never times out."""

    def __init__(self, provider: Provider, base_url: str, auth: Any, receiver: WebhookReceiver) -> None:
        self.provider, self.base_url, self.receiver = provider, base_url.rstrip("/"), receiver
        self.contract = webhooks_of(provider.spec)
        lifecycle = lifecycle_of(provider.spec)
        self.status = lifecycle.status if lifecycle is not None else ""
        self.operation = retrieve_operation(provider)
        self.session = OriginBoundSession()
        self.session.auth = auth
        self.reads: list[Read] = []
        self._lock = threading.Lock()

    def __call__(self, delivery: Delivery) -> None:
        object_id = value_at(read_event(self.contract, delivery).payload, self.contract.correlate)
        if isinstance(object_id, str) and object_id:
            self.read(object_id, delivery.sequence)

    def read(self, object_id: str, delivery: int) -> None:
        if self.operation is None:
            return
        path = re.sub(r"\{[^}]+\}", quote(object_id, safe=""), self.operation.path)
        with self._lock:
            sent = self.receiver.now()
            state: str | None = None
            try:
                response = self.session.get(
                    self.base_url + path, headers={store.PASS_THROUGH_HEADER: "read-on-arrival"}, timeout=READ_TIMEOUT
                )
                found = value_at(response.json(), self.status) if response.ok else None
                state = found if isinstance(found, str) else None
            except (requests.RequestException, ValueError):
                pass
            self.reads.append(Read(delivery, object_id, state, round(sent, 6), round(self.receiver.now(), 6)))

    def since(self, mark: int) -> list[Read]:
        with self._lock:
            return [r for r in self.reads if r.delivery >= mark]

    def close(self) -> None:
        self.session.close()


def retrieve_operation(provider: Provider) -> Operation | None:
    """The GET that reads one invoice by id (its body is the invoice), from the provider's workflows."""
    workflows = provider.workflows()
    if workflows is None:
        return None
    found = [
        op
        for op_id, pointer in workflows.invoice_at.items()
        if pointer == ""
        and (op := provider.spec.operations.get(op_id)) is not None
        and op.method == "GET"
        and op.path.count("{") == 1
    ]
    return found[0] if len(found) == 1 else None


@dataclass
class WebhookSession:
    provider: Provider
    receiver: WebhookReceiver
    timeout: float
    time_scale: float = 1.0
    # What verifies a signature: the endpoint's signing secret (HMAC) or the provider's public key (PEM).
    keys: dict[str, str] = field(default_factory=dict)
    # sandbox: wait (up to the given seconds) until the double has nothing left to deliver, retries included.
    drain: Callable[[float], object] | None = None
    endpoint: webhook_endpoint.Endpoint | None = None
    reads: ReadsOnArrival | None = None

    def hear(self, base_url: str, auth: Any) -> None:
        """Read the object of each event as it arrives (before it is answered)."""
        self.reads = ReadsOnArrival(self.provider, base_url, auth, self.receiver)
        self.receiver.on_arrival = self.reads

    def close(self) -> None:
        if self.reads is not None:
            self.reads.close()

    def reads_since(self, mark: int) -> list[Read]:
        return self.reads.since(mark) if self.reads is not None else []

    def read_now(self, object_id: str) -> None:
        """Read an object once more after a scenario (filed after its deliveries)."""
        if self.reads is not None:
            self.reads.read(object_id, self.receiver.count())

    def mark(self) -> tuple[int, float]:
        """Where a scenario starts: the deliveries so far, and the receiver's clock."""
        return self.receiver.count(), self.receiver.now()

    def settle(
        self,
        mark: int,
        arrived: Callable[[list[Delivery]], bool],
        retried: Callable[[list[Delivery]], bool],
        extra: float = 0.0,
    ) -> None:
        """Wait for a scenario's deliveries: until `arrived(its deliveries)` (the expected events, up to the
        timeout), then until `retried` (a refused attempt's retry, up to `extra` seconds: only a scenario with a
        refused attempt waits), then until nothing more arrives for a moment (a late duplicate)."""

        def since(done: Callable[[list[Delivery]], bool]) -> Callable[[list[Delivery]], bool]:
            return lambda deliveries: done(deliveries[mark:])

        if self.drain is not None:
            self.drain(self.timeout)  # a double knows when it has nothing left to send
        else:
            self.receiver.wait_for(since(arrived), self.timeout)
        # A provider that ignores a refused attempt is idle at once: its retry is waited for all the same.
        self.receiver.wait_for(since(retried), extra)
        self.receiver.wait_quiet(SANDBOX_QUIET if self.drain is not None else QUIET, self.timeout)


def declares_webhooks(provider: Provider) -> bool:
    contract = webhooks_of(provider.spec)
    return contract.documented and contract.rules is not None


def first_event_refused(provider: Provider) -> RefuseFirst:
    """The retry probe: the first attempt of the first event the receiver hears is refused (HTTP 500), so the
    provider's retry of it is observed and judged against its declared schedule; every other is acknowledged."""
    contract = webhooks_of(provider.spec)
    chosen: list[str] = []

    def event_id(delivery: Delivery) -> str | None:
        found = read_event(contract, delivery).event_id
        if found is not None and not chosen:
            chosen.append(found)
        return found if chosen and found == chosen[0] else None

    return RefuseFirst(event_id)


def sandbox_time_scale(provider: Provider) -> float:
    """The delivery clock of a provider's double in a run: its declared first retry lasts SANDBOX_FIRST_RETRY."""
    rules = webhooks_of(provider.spec).rules
    first = rules.retries.delay_after(0) if rules is not None else None
    return SANDBOX_FIRST_RETRY / first if first else 1.0


@contextmanager
def double_with_receiver(
    provider_name: str,
    *,
    faults: tuple[str, ...] | list[str] = (),
    credentials: Mapping[str, str] | None = None,
    seed: int | None = None,
    demo_data: bool = True,
    options: WebhookOptions | None = None,
) -> Iterator[tuple[RunningDouble, WebhookSession | None]]:
    """A provider's double on 127.0.0.1 that delivers its events to a receiver of the run (when its spec
    declares events): told through the provider's endpoint API where the spec declares one, else the
    double's `webhook_url` option; its delivery clock runs so that its first retry comes SANDBOX_FIRST_RETRY
    seconds after a refused attempt (`sandbox_time_scale`)."""
    provider = get_provider(provider_name)
    options = options or WebhookOptions()
    if not declares_webhooks(provider):
        with running_double(provider_name, faults=faults, credentials=credentials, seed=seed, demo_data=demo_data) as d:
            yield d, None
        return
    host, port = options.listen or ("127.0.0.1", 0)
    registering = webhook_endpoint.registration_operation(provider) is not None
    with WebhookReceiver(host, port, refuse_first=first_event_refused(provider)) as receiver:
        scale = sandbox_time_scale(provider)
        double_options: dict[str, object] = {"webhook_time_scale": scale}
        if not registering:
            double_options["webhook_url"] = receiver.url
        with (
            # The double posts from this process: a scenario recorded meanwhile must not record its posts.
            store.passing_through("127.0.0.1", receiver.port),
            running_double(
                provider_name,
                faults=faults,
                credentials=credentials,
                seed=seed,
                demo_data=demo_data,
                options=double_options,
            ) as running,
        ):
            outbox = running.double.webhooks
            session = WebhookSession(
                provider,
                receiver,
                options.timeout,
                time_scale=scale,
                drain=outbox.flush if outbox is not None else None,
            )
            key = outbox.scheme.verification_key if outbox is not None else None
            if key:
                session.keys["public_key"] = key
            auth = provider.auth(running.credentials, running.base_url)
            session.hear(running.base_url, auth)
            try:
                if registering:
                    session.endpoint = webhook_endpoint.register(provider, running.base_url, auth, receiver.url)
                    if session.endpoint.secret:
                        session.keys["secret"] = session.endpoint.secret
                yield running, session
            finally:
                session.close()


@contextmanager
def live_session(
    provider: Provider,
    base_url: str,
    auth: Any,
    options: WebhookOptions,
    *,
    env: Mapping[str, str] | None = None,
) -> Iterator[WebhookSession | None]:
    """Receiving for a live run, when asked and when the provider declares webhooks (else None)."""
    if not options.asked or not declares_webhooks(provider) or options.listen is None or options.public_url is None:
        yield None
        return
    host, port = options.listen
    with WebhookReceiver(host, port, refuse_first=first_event_refused(provider)) as receiver:
        session = WebhookSession(provider, receiver, options.timeout, keys=public_keys(provider, env))
        session.hear(base_url, auth)
        try:
            if webhook_endpoint.registration_operation(provider) is None:
                yield session  # the user registers the URL (the command says so)
                return
            endpoint = session.endpoint = webhook_endpoint.register(provider, base_url, auth, options.public_url)
            if endpoint.secret:
                session.keys["secret"] = endpoint.secret
            try:
                yield session
            finally:
                webhook_endpoint.remove(provider, base_url, auth, endpoint)
        finally:
            session.close()


def public_keys(provider: Provider, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A provider's webhook public key from the environment (<PROVIDER>_WEBHOOK_PUBLIC_KEY, not a secret)."""
    variable = f"{provider.name.upper()}_WEBHOOK_PUBLIC_KEY"
    value = (os.environ if env is None else env).get(variable)
    return {"public_key": value} if value else {}


def webhook_notices(providers: Iterable[Provider], modes: Mapping[str, str], options: WebhookOptions) -> list[str]:
    """What the user must do for a live run's webhooks that the run cannot: register the URL where the provider
    has no endpoint API in its spec."""
    if not options.public_url:
        return []
    return [
        f"{provider.title} has no API to register a webhook endpoint: register {options.public_url} for its events "
        "yourself (its dashboard) before the workflows run; what arrives is judged"
        for provider in providers
        if modes.get(provider.name) in ("live", "record")
        and declares_webhooks(provider)
        and webhook_endpoint.registration_operation(provider) is None
    ]
