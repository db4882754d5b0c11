"""One provider's webhook receiving for a run: the receiver, what the provider was told, how to wait.

sandbox — a receiver on 127.0.0.1 (a free port, or --webhook-listen); the double is told its URL and
          runs its delivery clock fast (`SANDBOX_TIME_SCALE`); waiting ends when its outbox is idle.
live    — only when asked (--webhook-listen and --webhook-public-url): the receiver listens there, an
          endpoint is registered through the provider's API where the spec declares one and removed
          when the workflows end; waiting ends when the expected events arrived, or after the timeout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from conformance.core.deliveries import Delivery
from conformance.providers.base import Provider
from conformance.targets import webhook_endpoint
from conformance.targets.webhook_options import WebhookOptions
from conformance.targets.webhook_receiver import RefuseFirst, WebhookReceiver

SANDBOX_TIME_SCALE = 0.002  # a double's minute of retry schedule lasts 0.12 s
QUIET = 0.5  # seconds without a delivery after the expected ones, so a late duplicate is seen
SANDBOX_QUIET = 0.05


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
    # Told to the user when the run could not register the URL itself (no endpoint API in the spec).
    notice: str | None = None

    def mark(self) -> tuple[int, float]:
        """Where a scenario starts: the deliveries so far, and the receiver's clock."""
        return self.receiver.count(), self.receiver.now()

    def settle(self, mark: int, done: Callable[[list[Delivery]], bool], extra: float = 0.0) -> None:
        """Wait for a scenario's deliveries: until `done(its deliveries)` holds (up to the timeout, plus `extra`
        seconds for a retry probe), then until nothing more arrives for a moment (a late duplicate)."""
        if self.drain is not None:
            self.drain(self.timeout + extra)
            self.receiver.wait_quiet(SANDBOX_QUIET, self.timeout)
            return
        self.receiver.wait_for(lambda deliveries: done(deliveries[mark:]), self.timeout + extra)
        self.receiver.wait_quiet(QUIET, self.timeout)


def declares_webhooks(provider: Provider) -> bool:
    webhooks = provider.spec.document.get("webhooks")
    return isinstance(webhooks, Mapping) and bool(webhooks)


@contextmanager
def live_session(
    provider: Provider,
    base_url: str,
    auth: Any,
    options: WebhookOptions,
    *,
    refuse_first: RefuseFirst | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[WebhookSession | None]:
    """Receiving for a live run, when asked and when the provider declares webhooks (else None)."""
    if not options.asked or not declares_webhooks(provider) or options.listen is None or options.public_url is None:
        yield None
        return
    host, port = options.listen
    with WebhookReceiver(host, port, refuse_first=refuse_first) as receiver:
        session = WebhookSession(provider, receiver, options.timeout, keys=public_keys(provider, env))
        if webhook_endpoint.registration_operation(provider) is None:
            session.notice = (
                f"{provider.title} has no API to register a webhook endpoint: register {options.public_url} in its "
                "dashboard for this run; what arrives there is judged."
            )
            yield session
            return
        session.endpoint = webhook_endpoint.register(provider, base_url, auth, options.public_url)
        if session.endpoint.secret:
            session.keys["secret"] = session.endpoint.secret
        try:
            yield session
        finally:
            webhook_endpoint.remove(provider, base_url, auth, session.endpoint)


def public_keys(provider: Provider, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A provider's webhook public key from the environment (<PROVIDER>_WEBHOOK_PUBLIC_KEY, not a secret)."""
    import os

    variable = f"{provider.name.upper()}_WEBHOOK_PUBLIC_KEY"
    value = (os.environ if env is None else env).get(variable)
    return {"public_key": value} if value else {}
