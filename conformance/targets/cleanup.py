"""Undo what a live run created in a provider's sandbox, where the provider's API allows it: the engine's
objects and the workflows' alike (each provider's `cleanup_steps` says how its lifecycle allows it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import requests

from conformance.core import ledger
from conformance.http import budget
from conformance.http.auth import ProviderAuth
from conformance.http.transport import OriginBoundSession
from conformance.providers.base import Provider


def clean_up(
    provider: Provider, base_url: str, auth: ProviderAuth, created: Iterable[tuple[str, Any]], timeout: float = 10
) -> tuple[int, int]:
    """(cleaned, left behind) for the objects `created` ((operationId, response body) pairs)."""
    cleaned = left = 0
    # Teardown is never refused by a budget: it spends the reserve kept for it (conformance.http.budget).
    with OriginBoundSession() as session, budget.teardown():
        session.auth = auth
        for operation_id, body in created:
            steps = provider.cleanup_steps(operation_id, body)
            if not steps:
                continue
            for method, path in steps:
                try:
                    response = session.request(method, base_url.rstrip("/") + path, timeout=timeout)
                except requests.RequestException:
                    continue
                if response.ok:
                    cleaned += 1
                    ledger.removed(provider.name, operation_id, str(body.get("id")))
                    break
            else:
                left += 1
    return cleaned, left


def created_by(exchanges: Iterable[Any]) -> list[tuple[str, Any]]:
    """(operationId, response body) of every successful POST among `exchanges` (conformance.coverage.exchanges)."""
    return [
        (exchange.operation, exchange.body)
        for exchange in exchanges
        if exchange.operation and exchange.method == "POST" and 200 <= exchange.status < 300
    ]
