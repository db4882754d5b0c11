"""The provider registry, the only one: every folder in this package whose `__init__` defines PROVIDER."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from conformance.core.errors import UsageError
from conformance.providers.base import Provider


@cache
def all_providers() -> dict[str, Provider]:
    found: dict[str, Provider] = {}
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not module_info.ispkg:
            continue  # base.py and other helpers; a provider is a folder
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        provider = getattr(module, "PROVIDER", None)
        if isinstance(provider, Provider):
            found[provider.name] = provider
    return found


def get_provider(name: str) -> Provider:
    providers = all_providers()
    try:
        return providers[name]
    except KeyError:
        raise UsageError(f"unknown provider {name!r}; choose one of: {', '.join(providers)}.") from None


def select_providers(names: tuple[str, ...] | list[str] | None) -> list[Provider]:
    """The named providers in the order given, or all of them."""
    if not names:
        return list(all_providers().values())
    return [get_provider(n) for n in dict.fromkeys(names)]
