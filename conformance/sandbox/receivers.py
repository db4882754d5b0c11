"""Where a double's webhook POSTs go: a URL over real HTTP, or a WSGI or ASGI app object without a socket.

Each receiver answers one POST with (status, body) or raises DeliveryFailed with one sentence. A URL is
posted to with bounded timeouts and redirects are never followed (a provider does not follow them), so a
receiver that hangs, refuses or redirects costs one attempt, never the double's thread.
"""

from __future__ import annotations

import asyncio
import http.client
import inspect
import io
import ipaddress
import socket
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from conformance.core.errors import UsageError

DEFAULT_TIMEOUT = 5.0  # seconds a receiver may take to answer one attempt (real seconds, never scaled)


class DeliveryFailed(Exception):
    """The POST got no HTTP answer (refused, timed out, the app raised): one sentence why."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


class Receiver(Protocol):
    @property
    def name(self) -> str:
        """What the receiver is, for the record and messages: the URL, or "wsgi:<app>" / "asgi:<app>"."""

    @property
    def path(self) -> str: ...

    def post(self, headers: Mapping[str, str], body: bytes, timeout: float) -> Answer: ...


@dataclass(frozen=True)
class UrlReceiver:
    url: str

    @property
    def name(self) -> str:
        return self.url

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def post(self, headers: Mapping[str, str], body: bytes, timeout: float) -> Answer:
        parts = urlsplit(self.url)
        connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
        try:
            connection.request("POST", self.path, body=body, headers=dict(headers))
            response = connection.getresponse()  # a 3xx is an answer like any other: not followed
            return Answer(response.status, response.read(1 << 20))
        except TimeoutError:
            raise DeliveryFailed(f"{self.url} did not answer within {timeout:g} s.") from None
        except (OSError, http.client.HTTPException) as exc:
            raise DeliveryFailed(f"{self.url} could not be reached ({_reason(exc)}).") from None
        finally:
            connection.close()


@dataclass(frozen=True)
class OffMachineReceiver:
    """A URL beyond this machine, registered through a double's API (an engine run generates such URLs):
    accepted as the provider would, never posted to (a double is local). Each attempt fails saying so."""

    url: str

    @property
    def name(self) -> str:
        return self.url

    @property
    def path(self) -> str:
        return UrlReceiver(self.url).path

    def post(self, headers: Mapping[str, str], body: bytes, timeout: float) -> Answer:
        raise DeliveryFailed(f"{self.url} is not on this machine: a double delivers to loopback only.")


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


@dataclass(frozen=True)
class WsgiReceiver:
    app: Callable[..., Iterable[bytes]]
    path: str = "/"

    @property
    def name(self) -> str:
        return f"wsgi:{_app_name(self.app)}"

    def post(self, headers: Mapping[str, str], body: bytes, timeout: float) -> Answer:
        return _bounded(lambda: self._call(headers, body), timeout, self.name)

    def _call(self, headers: Mapping[str, str], body: bytes) -> Answer:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "SCRIPT_NAME": "",
            "PATH_INFO": self.path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": headers.get("Content-Type", ""),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for key, value in headers.items():
            name = key.upper().replace("-", "_")
            if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[f"HTTP_{name}"] = value
        started: list[str] = []

        def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status]
            return lambda data: None

        try:
            result = self.app(environ, start_response)
            try:
                answer = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except Exception as exc:  # the app's own bug: an attempt without an answer, as a crashed server gives
            raise DeliveryFailed(f"{self.name} raised {type(exc).__name__}: {exc}") from None
        if not started:
            raise DeliveryFailed(f"{self.name} returned without calling start_response.")
        return Answer(int(started[0].split()[0]), answer)


@dataclass(frozen=True)
class AsgiReceiver:
    app: Callable[..., Any]
    path: str = "/"

    @property
    def name(self) -> str:
        return f"asgi:{_app_name(self.app)}"

    def post(self, headers: Mapping[str, str], body: bytes, timeout: float) -> Answer:
        return _bounded(lambda: self._run(headers, body), timeout, self.name)

    def _run(self, headers: Mapping[str, str], body: bytes) -> Answer:
        try:
            return asyncio.run(self._call(headers, body))
        except DeliveryFailed:
            raise
        except Exception as exc:
            raise DeliveryFailed(f"{self.name} raised {type(exc).__name__}: {exc}") from None

    async def _call(self, headers: Mapping[str, str], body: bytes) -> Answer:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": self.path,
            "raw_path": self.path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
            "client": ("127.0.0.1", 0),
            "server": ("127.0.0.1", 80),
        }
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        status: list[int] = []
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await asyncio.sleep(3600)  # no disconnect until the answer is complete
            return {"type": "http.disconnect"}

        async def send(message: Mapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))

        await self.app(scope, receive, send)
        if not status:
            raise DeliveryFailed(f"{self.name} returned without starting a response.")
        return Answer(status[0], b"".join(chunks))


def _bounded(call: Callable[[], Answer], timeout: float, name: str) -> Answer:
    """An app called in a thread of its own: one that hangs past `timeout` is an attempt without an answer
    (it finishes, or not, on its own; a daemon thread never keeps the process alive)."""
    result: list[Answer] = []
    failure: list[DeliveryFailed] = []

    def run() -> None:
        try:
            result.append(call())
        except DeliveryFailed as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"webhook-app-{name}", daemon=True)
    thread.start()
    thread.join(timeout)
    if failure:
        raise failure[0]
    if not result:
        raise DeliveryFailed(f"{name} did not answer within {timeout:g} s.")
    return result[0]


def _app_name(app: object) -> str:
    return getattr(app, "__qualname__", None) or getattr(app, "name", None) or type(app).__name__


def registered_url(url: str) -> Receiver:
    """The receiver of a URL registered through a double's API: loopback URLs are posted to, others kept
    but never posted to; a string that is no http(s) URL is a UsageError."""
    try:
        return receiver_for(url)
    except UsageError:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.hostname and not _loopback(parts.hostname):
            return OffMachineReceiver(url)
        raise


def receiver_for(target: object, *, path: str = "/") -> Receiver:
    """A receiver for a URL (http:// or https://), a WSGI app or an ASGI app (an `async` callable of three
    arguments, or an object whose __call__ is one, as Starlette and FastAPI apps are)."""
    if isinstance(target, str):
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"webhook URL {target!r} is not an http:// or https:// URL with a host.")
        try:
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            raise UsageError(f"webhook URL {target!r} has an invalid port.") from None
        if not _loopback(parts.hostname):
            # A double is a local stand-in: it never posts beyond this machine (a generated URL included).
            raise UsageError(f"webhook URL {target!r} is not on this machine; a double delivers to loopback only.")
        return UrlReceiver(target)
    if not callable(target):
        raise UsageError(f"a webhook receiver is a URL, a WSGI app or an ASGI app, not {type(target).__name__}.")
    if _is_asgi(target):
        return AsgiReceiver(target, path)
    return WsgiReceiver(target, path)


def _loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.") or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_asgi(app: object) -> bool:
    call = app if inspect.iscoroutinefunction(app) else getattr(app, "__call__", None)  # noqa: B004
    return inspect.iscoroutinefunction(call)


def free_loopback_port() -> int:
    """A port nothing listens on, for tests of an unreachable receiver."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
