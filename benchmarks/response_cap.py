"""Peak memory of reading a 50 MB answer: plain requests vs the suite's capped transport.

    python benchmarks/response_cap.py

Each measurement runs in a fresh process (ru_maxrss is a high-water mark) against a loopback
server that streams 50 MB of JSON in chunks, without Content-Length.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

SIZE = 50 * 1024 * 1024

CLIENT = """
import resource, sys, requests
from conformance.http import transport
url, guarded = sys.argv[1], sys.argv[2] == "capped"
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    if guarded:
        with transport.guarded(60):
            requests.get(url)
    else:
        requests.get(url, timeout=60).content
    outcome = "read whole"
except transport.ResponseTooLarge:
    outcome = "refused at the cap"
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{outcome} {(after - before) / 1024:.1f}")
"""


def serve(listener: socket.socket) -> None:
    chunk = b" " * 65536
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            try:
                sent = 0
                while sent < SIZE:
                    conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
                conn.sendall(b"0\r\n\r\n")
            except OSError:
                pass


def measure(url: str, mode: str) -> tuple[str, float]:
    out = subprocess.run([sys.executable, "-c", CLIENT, url, mode], capture_output=True, text=True, check=True)
    outcome, mib = out.stdout.strip().rsplit(" ", 1)
    return outcome, float(mib)


def main() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    threading.Thread(target=serve, args=(listener,), daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    plain = measure(url, "plain")
    capped = measure(url, "capped")
    print(f"answer: {SIZE / 2**20:.0f} MiB streamed; cap: 10 MiB (--max-response-bytes default)")
    print(f"plain requests      : {plain[0]:<20} peak memory growth {plain[1]:8.1f} MiB")
    print(f"conformance.http.transport: {capped[0]:<20} peak memory growth {capped[1]:8.1f} MiB")
    print(f"ratio capped/plain  : {capped[1] / plain[1]:.2f}" if plain[1] else "")


if __name__ == "__main__":
    main()
