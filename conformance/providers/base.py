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

from conformance.checks.json_values import value_at
from conformance.checks.lifecycle import lifecycle_of
from conformance.core import secrets
from conformance.core.errors import UsageError
from conformance.http.auth import ProviderAuth
from conformance.spec.resources import specs_dir
from conformance.spec.specs import Spec, load_spec

if TYPE_CHECKING:
    from conformance.document.field_map import ProviderMap
    from conformance.sandbox.double import ProviderDouble
    from conformance.scenarios.scenario import ProviderWorkflows


@dataclass(frozen=True)
class CredentialVar:
    """An environment variable the provider's credentials are read from."""

    name: str
    # The fixed value `conformance sandbox` accepts when the variable is not set (interfaces.md).
    test_value: str
    required: bool = True


Credentials = Mapping[str, str]


@dataclass(frozen=True)
class TaggedListing:
    """Where the objects one create makes are listed, for `conformance cleanup` to find a run's by the tag it
    wrote in their metadata (conformance.targets.run_tag), and which of them are still open."""

    created_by: str  # the create operation, whose cleanup_steps remove one
    operation: str  # the list operation
    items: str  # JSON pointer to the page's objects
    has_more: str  # JSON pointer to the page's "more after this one" flag
    limit: str  # page-size parameter
    page_size: int
    after: str | None = None  # cursor parameter: the next page starts after this id
    page: str | None = None  # 0-based page number, for lists without cursors
    open: frozenset[str] = frozenset()  # statuses (at /status) that still need removing


@dataclass(frozen=True)
class MadeAlongside:
    """An object a create makes on the server besides the one it answers (a subscription's first invoice),
    which a teardown must remove too: the create's answer names it, nothing the run sent does."""

    by: str  # the create operation
    at: str  # JSON pointer in its answer to the object's id (or to the object, when expanded)
    removed_as: str  # the create operation whose cleanup_steps remove such an object


class Provider(ABC):
    """One payment provider: a folder `conformance/providers/<name>/` whose `__init__` defines PROVIDER.

    The folder also holds what else names the provider, imported on demand: its double (`double`, a module or a
    package with a module per resource, DOUBLE), its workflows (`workflows.py`, WORKFLOWS, optional) and its place in the cross-provider
    comparison (`field_map.py`, FIELD_MAP, optional). The spec and the cassettes stay at
    the top level (specs/<name>.yaml, cassettes/<name>/).
    """

    name: str
    title: str
    credential_vars: tuple[CredentialVar, ...]

    @property
    def spec_path(self) -> Path:
        return specs_dir() / f"{self.name}.yaml"

    @property
    def spec(self) -> Spec:
        spec = load_spec(self.spec_path)
        lifecycle_of(spec)  # a broken x-lifecycle is a usage error when the spec is loaded (parsed once per Spec)
        # Its credential headers are redacted from here on, in this process (cassettes, reports, redirects).
        secrets.register_headers(spec.credential_headers)
        return spec

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

    def double_environment(self, base_url: str) -> dict[str, str]:
        """What a client of this provider's double at `base_url` reads from its environment beside the
        credentials (the pytest fixtures' `env`); nothing by default."""
        return {}

    def cleanup_steps(self, operation_id: str, body: Any) -> list[tuple[str, str]]:
        """Requests that undo what a successful `operation_id` created in a live sandbox, tried in order
        until one succeeds; empty where the API offers no way to delete or cancel it."""
        return []

    # JSON pointer to the object a create answers in its body ("": the body itself; "/data" in an envelope).
    created_object = ""

    def made_alongside(self) -> tuple[MadeAlongside, ...]:
        """Objects creates make besides the one they answer, which a teardown removes too (none by default)."""
        return ()

    def removals(self, operation_id: str, body: Any) -> list[tuple[str, Any]]:
        """What a successful `operation_id` answering `body` made, as (the create whose cleanup_steps remove it,
        the object, out of its envelope) pairs, in the order a teardown removes them: the answered object first (a subscription is
        cancelled before its invoice is voided), then what it made alongside."""
        answered = value_at(body, self.created_object) if self.created_object else body
        made: list[tuple[str, Any]] = [(operation_id, answered if isinstance(answered, dict) else body)]
        for alongside in self.made_alongside():
            if alongside.by != operation_id:
                continue
            found = value_at(made[0][1], alongside.at)
            object_id = found.get("id") if isinstance(found, dict) else found
            if isinstance(object_id, str) and object_id:
                made.append((alongside.removed_as, {"id": object_id}))
        return made

    def most_teardown_requests(self, operation_id: str) -> int:
        """The most requests removing what one successful `operation_id` made takes (before its answer is known)."""
        placeholder = {"id": "_"}
        steps = len(self.cleanup_steps(operation_id, placeholder))
        return steps + sum(
            len(self.cleanup_steps(alongside.removed_as, placeholder))
            for alongside in self.made_alongside()
            if alongside.by == operation_id
        )

    def tagged_listings(self) -> tuple[TaggedListing, ...]:
        """Lists where the objects a run created carry its tag (none where the API has no metadata)."""
        return ()

    def secrets(self, credentials: Credentials) -> list[str]:
        """Every value that must never reach disk, as sent and as it might be encoded; registered for the run."""
        secrets.register(credentials.values())
        return secret_variants(credentials.values())

    def double(self) -> type[ProviderDouble]:
        """The provider's double class (DOUBLE in its folder's `double` module)."""
        found = self._part("double", "DOUBLE")
        if found is None:
            raise UsageError(f"{self.title} has no double: define DOUBLE in {self._folder}.double.")
        return cast("type[ProviderDouble]", found)

    def workflows(self) -> ProviderWorkflows | None:
        """The provider's workflow scenarios (WORKFLOWS in its folder's `workflows` module), if it has any."""
        return self._part("workflows", "WORKFLOWS")  # type: ignore[no-any-return]

    def field_map(self) -> ProviderMap | None:
        """Where the comparison's concepts are in this provider's invoice (FIELD_MAP in its folder's
        `field_map` module), if it is in the cross-provider comparison."""
        return self._part("field_map", "FIELD_MAP")  # type: ignore[no-any-return]

    @property
    def _folder(self) -> str:
        return type(self).__module__  # the subclass is defined in the folder's __init__

    def _part(self, module: str, attribute: str) -> Any:
        name = f"{self._folder}.{module}"
        try:
            found = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                return None
            raise
        return getattr(found, attribute, None)


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
