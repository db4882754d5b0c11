"""Tiny hostile HTTP servers on 127.0.0.1, each misbehaving in one way a real server can.

Raw sockets, so that they can do what a well-behaved framework would not: never answer, trickle,
send endless headers, reset mid-body, lie about gzip, redirect elsewhere, or echo credentials.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

Behaviour = Callable[[socket.socket, bytes], None]


@dataclass
class Hostile:
    port: int
    received: list[bytes] = field(default_factory=list)  # every request head and body, as sent to us

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    conn.settimeout(5)
    try:
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
                while len(body) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    body += chunk
        return head + b"\r\n\r\n" + body
    except OSError:
        return data


@contextmanager
def serving(behaviour: Behaviour) -> Iterator[Hostile]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.1)
    server = Hostile(port=listener.getsockname()[1])
    stop = threading.Event()

    def handle(conn: socket.socket) -> None:
        try:
            request = _read_request(conn)
            server.received.append(request)
            behaviour(conn, request)
        except OSError:
            pass
        finally:
            conn.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


def _sleep_until_closed(conn: socket.socket, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.05)


def never_answers(conn: socket.socket, request: bytes) -> None:
    _sleep_until_closed(conn, 120)


def trickles(conn: socket.socket, request: bytes) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
    for _ in range(120):
        conn.sendall(b" ")
        time.sleep(1)


def trickles_json(interval: float = 0.1, size: int = 400) -> Behaviour:
    """A complete, valid JSON answer that closes the connection, its body sent one byte per `interval`:
    every read arrives well inside a timeout, the whole answer does not. (Connection: close hands the
    socket from the connection to the response: a deadline must still reach it.)"""

    def behaviour(conn: socket.socket, request: bytes) -> None:
        body = b'{"data": "' + b"x" * (size - 12) + b'"}'
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n" % len(body)
        )
        for byte in body:
            conn.sendall(bytes([byte]))
            time.sleep(interval)

    return behaviour


def huge_headers(conn: socket.socket, request: bytes) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for n in range(100000):
        conn.sendall(b"X-Padding-%d: %s\r\n" % (n, b"a" * 8000))
        time.sleep(0.05)


def resets_mid_body(conn: socket.socket, request: bytes) -> None:
    conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"id": "in_')
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST


def invalid_gzip(conn: socket.socket, request: bytes) -> None:
    body = b"this is not gzip at all" * 10
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    )


def redirects_to(location: str) -> Behaviour:
    def behaviour(conn: socket.socket, request: bytes) -> None:
        path = request.split(b" ", 2)[1].decode() if request.count(b" ") >= 2 else "/"
        conn.sendall(
            b"HTTP/1.1 307 Temporary Redirect\r\nLocation: %s%s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            % (location.encode(), path.encode())
        )

    return behaviour


def answers_ok(conn: socket.socket, request: bytes) -> None:
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
    )
