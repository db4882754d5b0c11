"""A small webhook receiver on 127.0.0.1 for tests: records every POST that arrives, answers as told."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Arrival:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    answered: int


@dataclass
class Recorder:
    url: str
    arrivals: list[Arrival] = field(default_factory=list)
    #: status to answer the n-th arrival (from 0) with; 200 by default.
    answer: Callable[[int], int] = lambda n: 200
    #: seconds to wait before answering (a hanging receiver).
    delay: float = 0.0
    #: called with (body, headers) before answering, e.g. to read the API back as a handler would.
    on_arrival: Callable[[bytes, dict[str, str]], None] = lambda body, headers: None

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Arrival]:
        deadline = time.monotonic() + timeout
        while len(self.arrivals) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.arrivals)


@contextmanager
def receiving(path: str = "/hooks") -> Iterator[Recorder]:
    lock = threading.Lock()
    recorder = Recorder(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if recorder.delay:
                time.sleep(recorder.delay)
            recorder.on_arrival(body, {k.lower(): v for k, v in self.headers.items()})
            with lock:
                status = recorder.answer(len(recorder.arrivals))
                headers = {k.lower(): v for k, v in self.headers.items()}
                recorder.arrivals.append(Arrival(self.path, headers, body, status))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    recorder.url = f"http://127.0.0.1:{server.server_port}{path}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
