"""Undo what a live run created in a provider's sandbox, where the provider's API allows it: the engine's
objects and the workflows' alike (each provider's `cleanup_steps` says how its lifecycle allows it); and find
what a run left by listing (`find_tagged`: the run's tag in the objects' metadata, conformance.targets.run_tag)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests

from conformance.checks.json_values import value_at
from conformance.core import ledger
from conformance.http import budget
from conformance.http.auth import ProviderAuth
from conformance.http.transport import OriginBoundSession
from conformance.providers.base import Provider, TaggedListing
from conformance.targets import run_tag


def clean_up(
    provider: Provider, base_url: str, auth: ProviderAuth, created: Iterable[tuple[str, Any]], timeout: float = 10
) -> tuple[int, int]:
    """(cleaned, left behind) for the objects `created` ((operationId, response body) pairs) and what each
    create made alongside (Provider.removals)."""
    cleaned = left = 0
    # Teardown is never refused by a budget: it spends the reserve kept for it (conformance.http.budget).
    with OriginBoundSession() as session, budget.teardown():
        session.auth = auth
        for operation_id, body in (made for pair in created for made in provider.removals(*pair)):
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


@dataclass(frozen=True)
class Tagged:
    """An open object a provider lists with a run's tag in its metadata."""

    operation: str  # the create that made it (its cleanup_steps remove it)
    id: str
    run_id: str


# Enough pages for a sandbox account; a larger one is swept again by the next `conformance cleanup`.
MAX_PAGES = 50


def find_tagged(
    provider: Provider, base_url: str, auth: ProviderAuth, run_id: str | None = None, timeout: float = 10
) -> tuple[list[Tagged], list[str]]:
    """Open objects the provider's lists show with the tag of `run_id` (None: of any run), and a sentence for
    each list that could not be read to its end."""
    found: list[Tagged] = []
    problems: list[str] = []
    with OriginBoundSession() as session, budget.teardown():
        session.auth = auth
        for listing in provider.tagged_listings():
            operation = provider.spec.operations.get(listing.operation)
            if operation is None:
                continue
            url = base_url.rstrip("/") + operation.path
            problem = _walk(session, provider, url, listing, run_id, found, timeout)
            if problem:
                problems.append(f"{listing.operation} {problem}, so objects it lists later were not looked at")
    return found, problems


def _walk(
    session: requests.Session,
    provider: Provider,
    url: str,
    listing: TaggedListing,
    run_id: str | None,
    found: list[Tagged],
    timeout: float,
) -> str:
    params: dict[str, Any] = {listing.limit: listing.page_size}
    for number in range(MAX_PAGES):
        if listing.page:
            params[listing.page] = number
        try:
            response = session.get(url, params=params, timeout=timeout)
        except requests.RequestException as exc:
            return f"failed at transport level ({type(exc).__name__})"
        if not response.ok:
            return f"answered HTTP {response.status_code}"
        try:
            body = response.json()
        except ValueError:
            return "answered no JSON"
        items = value_at(body, listing.items)
        listed = [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
        for item in listed:
            tag = run_tag.tag_of(item)
            if tag and (run_id is None or tag == run_id) and item.get("status") in listing.open:
                # What it made alongside carries no tag of its own (a subscription's invoice): found through it.
                found += [
                    Tagged(made_by, str(made.get("id")), tag)
                    for made_by, made in provider.removals(listing.created_by, item)
                ]
        if not listed or value_at(body, listing.has_more) is not True:
            return ""
        if listing.after:
            params[listing.after] = listed[-1].get("id")
    return f"has more than {MAX_PAGES} pages"
