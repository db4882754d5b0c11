"""The stable host name of each provider double in recordings.

A double listens on a new port per run, so a recording that names it by 127.0.0.1:PORT neither replays
(VCR.py matches on port) nor says whose it is. Recordings made through the pytest plugin name it
`<provider>.double.localhost` instead: the same in every run, and known to `conformance judge` as
that provider's. A `.localhost` name never leaves the machine (RFC 6761).
"""

from __future__ import annotations

SUFFIX = ".double.localhost"


def double_host(provider: str) -> str:
    return f"{provider}{SUFFIX}"


def double_origin(provider: str) -> str:
    return f"http://{double_host(provider)}"
