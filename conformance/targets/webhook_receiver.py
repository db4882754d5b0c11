"""The run's webhook receiver: an HTTP server that records every POST as a `Delivery` and acknowledges it.

It answers 200 to every complete POST, except the first attempt of an event a `RefuseFirst` probe
picks, which gets 500 so that the provider's retry can be observed. Before it answers, `on_arrival`
may look at the delivery (the run reads the object the event is about, as a handler would). What a hostile sender can do is
bounded: a body larger than `max_body` is refused (413) unread, a sender that stalls is cut off after
`read_timeout`, at most `max_connections` posts are handled at once, and closing the receiver cuts
every connection still open, so no thread outlives it. Nothing a sender does raises into the run.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from conformance.core.deliveries import Delivery
from conformance.core.errors import UsageError

DEFAULT_MAX_BODY = 1024 * 1024  # a webhook carries one object; a megabyte is far beyond any documented one
DEFAULT_READ_TIMEOUT = 10.0
DEFAULT_MAX_CONNECTIONS = 32
CLOSE_GRACE = 0.5  # seconds a post in flight may take to finish when the receiver closes
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class RefuseFirst:
    """Answer 500 to the first attempt of every event `event_id` names (None: not one the probe is about),
    2xx to its later attempts: a provider that retries as it declares delivers it again."""

    event_id: Callable[[Delivery], str | None]


class _Incomplete(Exception):
    """The sender stopped (or was cut off) before its body was complete."""


class _TooLarge(Exception):
    """The declared body is larger than the receiver reads."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # close() cuts and joins the handlers itself, with a bound

    def __init__(self, address: tuple[str, int], receiver: WebhookReceiver, family: socket.AddressFamily) -> None:
        self.address_family = family
        self.receiver = receiver
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.receiver._admit(request):
            self.shutdown_request(request)  # too many at once: the sender sees a closed connection and retries
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.receiver._release(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.receiver.errors += 1  # a broken connection is the sender's problem, never a traceback in the run


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one post per connection: no idle keep-alive thread to wait for
    server_version = "conformance-webhook-receiver"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.receiver.read_timeout)  # every read and write, not only the first

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._answer(200)  # some providers check that an endpoint answers before they save it

    def do_HEAD(self) -> None:
        self._answer(200, body=False)

    def do_POST(self) -> None:
        receiver = self.server.receiver
        headers = tuple((name.lower(), value) for name, value in self.headers.items())
        status: int | None
        try:
            body = self._body(receiver.max_body)
        except _Incomplete as incomplete:
            receiver._record(self.path, headers, incomplete.args[0] if incomplete.args else b"", None)
            self.close_connection = True
            return
        except _TooLarge:
            receiver._record(self.path, headers, b"", 413)
            self._answer(413)
            self.close_connection = True
            return
        except ValueError:
            receiver._record(self.path, headers, b"", 400)
            self._answer(400)
            return
        status = receiver._status_for(self.path, headers, body)
        delivery = receiver._record(self.path, headers, body, status)
        receiver._arrived(delivery)
        with suppress(OSError):
            self._answer(status)

    def _answer(self, status: int, *, body: bool = True) -> None:
        payload = b"ok\n" if 200 <= status < 300 else b"refused\n"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def _body(self, limit: int) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._chunked(limit)
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        length = int(raw.strip())  # ValueError: a 400
        if length < 0:
            raise ValueError(raw)
        if length > limit:
            raise _TooLarge()
        return self._read(length)

    def _read(self, length: int) -> bytes:
        data = bytearray()
        try:
            while len(data) < length:
                chunk = self.rfile.read1(min(_CHUNK, length - len(data)))  # what arrived, kept on a timeout
                if not chunk:
                    raise _Incomplete(bytes(data))
                data += chunk
        except OSError:
            raise _Incomplete(bytes(data)) from None
        return bytes(data)

    def _chunked(self, limit: int) -> bytes:
        data = bytearray()
        try:
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise _Incomplete(bytes(data))
                size = int(line.split(b";")[0].strip() or b"x", 16)  # ValueError: a 400
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return bytes(data)
                if len(data) + size > limit:
                    raise _TooLarge()
                data += self._read(size)
                self.rfile.readline(1024)
        except OSError:
            raise _Incomplete(bytes(data)) from None


class WebhookReceiver:
    """Serves on `host:port` (0: a free port) in a background thread between `start()` and `close()`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        path: str = "/webhooks",
        refuse_first: RefuseFirst | None = None,
        on_arrival: Callable[[Delivery], None] | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        self.host, self.port, self.path = host, port, path
        self.refuse_first = refuse_first
        # Called with each complete delivery before it is answered (the run reads the object it is about).
        self.on_arrival = on_arrival
        self.max_body, self.read_timeout, self.max_connections = max_body, read_timeout, max_connections
        self.errors = 0
        self.started = time.monotonic()
        self._deliveries: list[Delivery] = []
        self._refused: set[str] = set()
        self._open: set[Any] = set()
        self._changed = threading.Condition()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life ----------------------------------------------------------------------------------

    def start(self) -> WebhookReceiver:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        try:
            self._server = _Server((self.host, self.port), self, family)
        except OSError as exc:
            raise UsageError(
                f"cannot listen for webhooks on {listen_label(self.host, self.port)} "
                f"({exc.strerror or type(exc).__name__}); choose another --webhook-listen."
            ) from None
        self.port = self._server.server_address[1]
        self.started = time.monotonic()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="webhook-receiver", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        # A post being answered gets a moment to finish; a sender that stalls is cut off, not waited for.
        self._settle(CLOSE_GRACE)
        with self._changed:
            still_open = list(self._open)
        for connection in still_open:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._settle(5)

    def _settle(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        with self._changed:
            while self._open and time.monotonic() < deadline:
                self._changed.wait(0.02)

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        """Where a sender on this machine reaches the receiver."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else "[::1]" if self.host == "::" else self.host
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"http://{host}:{self.port}{self.path}"

    # -- what arrived ----------------------------------------------------------------------------

    def now(self) -> float:
        """The receiver's clock: seconds since it started (what `Delivery.received_at` counts)."""
        return time.monotonic() - self.started

    def clock_of(self, monotonic: float) -> float:
        """A `time.monotonic()` reading on the receiver's clock."""
        return monotonic - self.started

    @property
    def deliveries(self) -> list[Delivery]:
        with self._changed:
            return list(self._deliveries)

    def count(self) -> int:
        with self._changed:
            return len(self._deliveries)

    def since(self, mark: int) -> list[Delivery]:
        """The deliveries after the first `mark` (a `count()` taken earlier)."""
        with self._changed:
            return self._deliveries[mark:]

    def wait_for(self, done: Callable[[list[Delivery]], bool], timeout: float) -> bool:
        """Block until `done(deliveries)` holds (True) or `timeout` seconds passed (False)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done(list(self._deliveries)):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.25))
        return True

    def wait_quiet(self, quiet: float, timeout: float) -> None:
        """Block until nothing arrived for `quiet` seconds, or `timeout` passed: late duplicates are caught."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                last = self._deliveries[-1].received_at + self.started if self._deliveries else self.started
                now = time.monotonic()
                if now - last >= quiet or now >= deadline:
                    return
                self._changed.wait(min(quiet - (now - last), deadline - now))

    # -- the handlers' side ----------------------------------------------------------------------

    def _admit(self, connection: Any) -> bool:
        with self._changed:
            if len(self._open) >= self.max_connections:
                return False
            self._open.add(connection)
            return True

    def _release(self, connection: Any) -> None:
        with self._changed:
            self._open.discard(connection)
            self._changed.notify_all()

    def _status_for(self, path: str, headers: tuple[tuple[str, str], ...], body: bytes) -> int:
        probe = self.refuse_first
        if probe is None:
            return 200
        draft = Delivery(len(self._deliveries), self.now(), "POST", path, headers, body, None)
        try:
            event = probe.event_id(draft)
        except Exception:  # a body the probe cannot read is not an event it refuses
            event = None
        with self._changed:
            if event is None or event in self._refused:
                return 200
            self._refused.add(event)
        return 500

    def _record(self, path: str, headers: tuple[tuple[str, str], ...], body: bytes, status: int | None) -> Delivery:
        with self._changed:
            delivery = Delivery(len(self._deliveries), round(self.now(), 6), "POST", path, headers, body, status)
            self._deliveries.append(delivery)
            self._changed.notify_all()
        return delivery

    def _arrived(self, delivery: Delivery) -> None:
        hook = self.on_arrival
        if hook is None:
            return
        try:
            hook(delivery)
        except Exception:  # what the hook does is the run's business, never the sender's
            self.errors += 1


@contextmanager
def receiving(host: str = "127.0.0.1", port: int = 0, **options: Any) -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(host, port, **options).start()
    try:
        yield receiver
    finally:
        receiver.close()


def listen_label(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def parse_listen(value: str) -> tuple[str, int]:
    """HOST:PORT (an IPv6 host in brackets) for --webhook-listen, or a UsageError saying what is wrong."""
    example = "e.g. 127.0.0.1:8765 or [::1]:8765"
    try:
        parts = urlsplit(f"http://{value}")
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise UsageError(f"--webhook-listen {value!r} is not HOST:PORT ({str(exc).rstrip('.')}); {example}.") from None
    if not host or port is None or parts.path or parts.query or parts.username is not None:
        raise UsageError(f"--webhook-listen {value!r} is not HOST:PORT; {example}.")
    if port == 0:
        raise UsageError(f"--webhook-listen {value!r} needs a port a provider can be sent to, not 0; {example}.")
    return host, port
