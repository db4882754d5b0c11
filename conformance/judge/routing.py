"""Which provider and operation a recorded exchange belongs to, by host and path.

A provider's documented hosts are its spec's `servers`; `--base-url PROVIDER=URL` adds another
(a proxy, a double, a regional host). A mapping URL without a port matches every port of its host,
because doubles and local proxies listen on a fresh port per test run. A mapping URL's path is a
prefix: what lies under it is the provider's, judged by the path after it, or by the whole path when
the spec's own paths begin with it (a Stripe-style `.../v1` base URL for paths `/v1/...`). Hosts that
belong to no provider are not judged: the app talks to other services too. A double's stable host
name in recordings made through the pytest plugin (`wooshpay.double.localhost`) is its provider's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from conformance.providers.base import Provider
from conformance.sandbox.hosts import double_origin
from conformance.spec.specs import Operation


@dataclass(frozen=True)
class Origin:
    provider: Provider
    scheme: str
    host: str
    port: int | None  # None: any port
    prefix: str  # path the API lives under on that host ("" for the root)

    def covers(self, scheme: str, host: str, port: int | None, path: str) -> bool:
        return (
            scheme == self.scheme
            and host == self.host
            and (self.port is None or port == self.port)
            and (not self.prefix or path == self.prefix or path.startswith(self.prefix + "/"))
        )


@dataclass(frozen=True)
class Route:
    """Where an exchange goes: a provider operation, a provider's token endpoint, unmatched, or no provider."""

    provider: Provider | None
    operation: Operation | None
    path: str  # relative to the origin's prefix; no query (it can carry keys)
    prefix: str = ""
    token_request: bool = False


def origins(providers: list[Provider], base_urls: Mapping[str, str]) -> list[Origin]:
    """Mapped origins first (they may narrow a documented host to a path), then the documented ones."""
    found: list[Origin] = []
    by_name = {p.name: p for p in providers}
    for name, url in base_urls.items():
        if name in by_name:
            found.append(_origin(by_name[name], url, explicit_port=True))
    for provider in providers:
        found.extend(_origin(provider, server.url, explicit_port=False) for server in provider.spec.servers)
        # Recordings made through the pytest plugin name its double so (conformance.sandbox.hosts).
        found.append(_origin(provider, double_origin(provider.name), explicit_port=True))
    return found


def _origin(provider: Provider, url: str, *, explicit_port: bool) -> Origin:
    parts = urlsplit(url)
    port = parts.port
    if port is None and not explicit_port:
        port = 443 if parts.scheme == "https" else 80
    return Origin(provider, parts.scheme, (parts.hostname or "").lower(), port, parts.path.rstrip("/"))


def route(uri: str, method: str, known: list[Origin]) -> Route:
    parts = urlsplit(uri)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        return Route(None, None, parts.path)
    for origin in known:
        if origin.covers(scheme, host, port, parts.path):
            prefix, path = origin.prefix, parts.path[len(origin.prefix) :] or "/"
            operation = origin.provider.spec.operation_at(method, path)
            if operation is None and prefix and origin.provider.spec.operation_at(method, parts.path) is not None:
                prefix, path = "", parts.path
                operation = origin.provider.spec.operation_at(method, path)
            token = operation is None and path.rstrip("/") in _token_paths(origin.provider)
            return Route(origin.provider, operation, path, prefix, token_request=token)
    for provider in {o.provider.name: o.provider for o in known}.values():
        if uri.split("?")[0].rstrip("/") in _token_urls(provider):
            return Route(provider, None, parts.path, token_request=True)
    return Route(None, None, parts.path)


def _token_urls(provider: Provider) -> set[str]:
    schemes = (provider.spec.document.get("components") or {}).get("securitySchemes") or {}
    urls = set()
    for scheme in schemes.values():
        for flow in ((scheme or {}).get("flows") or {}).values():
            if isinstance(flow, dict) and flow.get("tokenUrl"):
                urls.add(str(flow["tokenUrl"]).rstrip("/"))
    return urls


def _token_paths(provider: Provider) -> set[str]:
    # A server standing in for the provider issues tokens at the documented token path (doubles do).
    return {urlsplit(url).path.rstrip("/") for url in _token_urls(provider)}
