"""How a request is signed: the requests auth every provider implements (conformance.providers)."""

from __future__ import annotations

from collections.abc import Mapping

import requests


class ProviderAuth(requests.auth.AuthBase):
    """requests auth that also learns from responses (an OAuth token is refreshed after a 401)."""

    def observe(self, request_headers: Mapping[str, str], status: int) -> None:
        """Called with every response the suite receives; the default learns nothing."""

    def headers(self) -> dict[str, str]:
        """The headers this auth adds to a request."""
        prepared = requests.Request("GET", "http://auth.invalid/").prepare()
        self(prepared)
        return {k: v for k, v in prepared.headers.items() if k.lower() not in ("content-length",)}
