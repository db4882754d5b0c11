"""What the suite needs to know about one provider, beyond its spec: credentials, auth and its double."""

from __future__ import annotations

import base64
import importlib
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, quote_plus

import requests

from conformance import secrets
from conformance.errors import UsageError
from conformance.resources import specs_dir
from conformance.specs import Spec, load_spec

if TYPE_CHECKING:
    from conformance.sandbox.double import ProviderDouble


@dataclass(frozen=True)
class CredentialVar:
    """An environment variable the provider's credentials are read from."""

    name: str
    # The fixed value `conformance sandbox` accepts when the variable is not set (interfaces.md).
    test_value: str
    required: bool = True


Credentials = Mapping[str, str]


class Provider(ABC):
    """One payment provider. A subclass lives in its own module under conformance.providers."""

    name: str
    title: str
    credential_vars: tuple[CredentialVar, ...]
    # "module:Class" of the provider's double under conformance.sandboxes, imported on demand.
    double_class: str
    # Statuses the provider answers a well-formed request with when it breaks a rule a schema cannot
    # express (unknown referenced id, illegal state): not "valid data rejected".
    semantic_rejection_statuses: tuple[int, ...] = (404, 409)

    @property
    def spec_path(self) -> Path:
        return specs_dir() / f"{self.name}.yaml"

    @property
    def spec(self) -> Spec:
        return load_spec(self.spec_path)

    def credentials_from_env(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        env = os.environ if env is None else env
        missing = [v.name for v in self.credential_vars if v.required and not env.get(v.name)]
        if missing:
            raise UsageError(
                f"{self.title} credentials are missing: set {', '.join(missing)} in the environment "
                "(credentials are never taken from arguments)."
            )
        return {v.name: env[v.name] for v in self.credential_vars if env.get(v.name)}

    def test_credentials(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """What a double accepts: the environment's credentials where set, else the fixed test ones."""
        env = os.environ if env is None else env
        return {v.name: env.get(v.name) or v.test_value for v in self.credential_vars}

    @abstractmethod
    def auth(self, credentials: Credentials, base_url: str) -> ProviderAuth:
        """The requests auth that signs every call to this provider."""

    def cleanup_steps(self, operation_id: str, body: Any) -> list[tuple[str, str]]:
        """Requests that undo what a successful `operation_id` created in a live sandbox, tried in order
        until one succeeds; empty where the API offers no way to delete or cancel it."""
        return []

    def secrets(self, credentials: Credentials) -> list[str]:
        """Every value that must never reach disk, as sent and as it might be encoded; registered for the run."""
        secrets.register(credentials.values())
        return secret_variants(credentials.values())

    def double(self) -> type[ProviderDouble]:
        module, _, cls = self.double_class.partition(":")
        return cast("type[ProviderDouble]", getattr(importlib.import_module(module), cls))


class ProviderAuth(requests.auth.AuthBase):
    """requests auth that also learns from responses (an OAuth token is refreshed after a 401)."""

    def observe(self, request_headers: Mapping[str, str], status: int) -> None:
        """Called with every response the suite receives; the default learns nothing."""

    def headers(self) -> dict[str, str]:
        """The headers this auth adds to a request."""
        prepared = requests.Request("GET", "http://auth.invalid/").prepare()
        self(prepared)
        return {k: v for k, v in prepared.headers.items() if k.lower() not in ("content-length",)}


def secret_variants(values: Iterable[object]) -> list[str]:
    found: set[str] = set()
    for value in values:
        if not value:
            continue
        text = str(value)
        found.update({text, quote(text, safe=""), quote_plus(text)})
        for encoded in (text + ":", text):
            found.add(base64.b64encode(encoded.encode()).decode())
    # Longest first, so a secret that contains another is replaced whole.
    return sorted((s for s in found if len(s) >= 4), key=len, reverse=True)
