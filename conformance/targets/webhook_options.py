"""How a run receives webhooks: where it listens, the URL a provider is told, how long it waits per event.

The sandbox target listens on a free port of 127.0.0.1 by itself (or on --webhook-listen) and tells its
doubles; a live or record run receives webhooks only when asked, and then needs both the address to
listen on and the public URL the provider can reach (a tunnel to that address).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import dataclass

from conformance.core.errors import UsageError
from conformance.targets import url_problem
from conformance.targets.webhook_receiver import listen_label, parse_listen

DEFAULT_TIMEOUT = 30.0  # seconds to wait for each expected event; a provider's first delivery is usually faster


@dataclass(frozen=True)
class WebhookOptions:
    listen: tuple[str, int] | None = None
    public_url: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @property
    def asked(self) -> bool:
        """The user asked a live run to receive webhooks."""
        return self.listen is not None or self.public_url is not None


def webhook_options(listen: str | None, public_url: str | None, timeout: float, modes: Iterable[str]) -> WebhookOptions:
    """The options checked against the targets the providers run on (`modes`), or a UsageError in one sentence."""
    options = WebhookOptions(parse_listen(listen) if listen else None, _public_url(public_url), timeout)
    modes = set(modes)
    live = bool(modes & {"live", "record"})
    if options.asked and not live and "sandbox" not in modes:
        raise UsageError(
            "--webhook-listen and --webhook-public-url are for live, record and sandbox runs; a replay re-judges "
            "the deliveries recorded beside the cassettes."
        )
    if options.public_url and not live:
        raise UsageError(
            "--webhook-public-url is for live runs; --target sandbox tells its doubles the receiver's own address."
        )
    if live and options.listen and not options.public_url:
        host, port = options.listen
        raise UsageError(
            f"a live run needs the URL the provider can reach: pass --webhook-public-url URL (e.g. a tunnel to "
            f"{listen_label(host, port)})."
        )
    if live and options.public_url and not options.listen:
        raise UsageError(
            "--webhook-public-url needs --webhook-listen HOST:PORT, the address that URL forwards to "
            "(e.g. 127.0.0.1:8765)."
        )
    if options.listen:
        _check_free(*options.listen)
    return options


def _public_url(value: str | None) -> str | None:
    if value is None:
        return None
    problem = url_problem(value) if value.startswith(("http://", "https://")) else "not http(s)"
    if problem:
        raise UsageError(
            f"--webhook-public-url {value!r} is not a usable URL ({problem}); e.g. https://example.ngrok.app/webhooks."
        )
    return value


def _check_free(host: str, port: int) -> None:
    """A taken port is said before the run starts, not after its engine stage."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    except OSError as exc:
        raise UsageError(
            f"cannot listen for webhooks on {listen_label(host, port)} ({exc.strerror or type(exc).__name__}); "
            "choose another --webhook-listen."
        ) from None
    finally:
        probe.close()
