"""Serving a provider double over real HTTP on 127.0.0.1, in a background thread or the foreground."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from conformance.core.errors import UsageError
from conformance.providers import get_provider
from conformance.providers.base import Provider
from conformance.sandbox.double import ProviderDouble

HOST = "127.0.0.1"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:
        pass


@dataclass
class RunningDouble:
    provider: Provider
    double: ProviderDouble
    server: BaseWSGIServer

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.server.server_port}"

    @property
    def credentials(self) -> dict[str, str]:
        return self.double.credentials


def build_double(
    provider_name: str,
    *,
    faults: tuple[str, ...] | list[str] = (),
    credentials: Mapping[str, str] | None = None,
    seed: int | None = None,
    demo_data: bool = False,
    options: Mapping[str, object] | None = None,
) -> tuple[Provider, ProviderDouble]:
    provider = get_provider(provider_name)
    double_class = provider.double()
    double = double_class(
        provider.spec,
        credentials if credentials is not None else provider.test_credentials(),
        double_class.fault_set(faults),
        seed=seed,
        options=options,
    )
    if demo_data:
        with double.quiet():  # what the account held before: no events
            double.seed_demo_data()
    return provider, double


def _check_port(port: int) -> None:
    """A taken port is a usage error, said once (werkzeug would print its own message and exit 1)."""
    if not port:
        return
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((HOST, port))
    except OSError as exc:
        raise UsageError(f"cannot listen on {HOST}:{port} ({exc.strerror}); choose another --port.") from None
    finally:
        probe.close()


def _make_server(double: ProviderDouble, port: int, quiet: bool) -> BaseWSGIServer:
    _check_port(port)
    try:
        return make_server(
            HOST, port, double, threaded=True, request_handler=_QuietHandler if quiet else WSGIRequestHandler
        )
    except OSError as exc:
        raise UsageError(f"cannot listen on {HOST}:{port} ({exc.strerror}); choose another --port.") from None
    except SystemExit:
        # werkzeug prints its own message and exits 1 when the port is taken; 1 means "breaking" here.
        raise UsageError(f"cannot listen on {HOST}:{port} (the port is in use); choose another --port.") from None


@contextmanager
def running_double(
    provider_name: str,
    *,
    faults: tuple[str, ...] | list[str] = (),
    credentials: Mapping[str, str] | None = None,
    port: int = 0,
    seed: int | None = None,
    demo_data: bool = False,
    options: Mapping[str, object] | None = None,
) -> Iterator[RunningDouble]:
    """A double on a free loopback port (or `port`) in a background thread, stopped cleanly on exit."""
    provider, double = build_double(
        provider_name, faults=faults, credentials=credentials, seed=seed, demo_data=demo_data, options=options
    )
    server = _make_server(double, port, quiet=True)
    # A short poll interval: shutdown() waits for it, and tests start and stop many doubles.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, name=f"double-{provider_name}", daemon=True
    )
    thread.start()
    try:
        yield RunningDouble(provider=provider, double=double, server=server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        double.close()


def serve_forever(
    provider_name: str,
    *,
    faults: tuple[str, ...],
    port: int,
    announce: Callable[[RunningDouble], None],
    options: Mapping[str, object] | None = None,
    then: Callable[[RunningDouble], None] | None = None,
) -> None:
    """Serve one double in the foreground until interrupted (`conformance sandbox`); then `then(running)`, while
    the double still answers (an app judged after the session may read the API back as it handles an event)."""
    provider, double = build_double(provider_name, faults=faults, demo_data=True, options=options)
    server = _make_server(double, port, quiet=False)
    running = RunningDouble(provider=provider, double=double, server=server)
    announce(running)
    try:
        with suppress(KeyboardInterrupt):
            server.serve_forever()
        if then is not None:
            _serving_while(double, server.server_port, lambda: then(running))
    finally:
        server.server_close()
        double.close()


def _serving_while(double: ProviderDouble, port: int, work: Callable[[], None]) -> None:
    """Serve the double again on its port (werkzeug closes the socket when interrupted) while `work` runs."""
    again = _make_server(double, port, quiet=False)
    thread = threading.Thread(target=again.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        work()
    finally:
        again.shutdown()
        thread.join(timeout=5)
        again.server_close()
