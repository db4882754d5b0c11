"""jsonschema-rs answers "conforms" exactly when the classifying validator finds nothing.

Proved over every JSON body in the shipped cassettes (engine and workflows) and over single mutations
of them (a field removed, retyped, nulled, or added), so the fast path never hides a violation.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.cassettes import store
from conformance.checks.expectations import NEGATIVE_EXPECTED, NOT_A_SERVER_ERROR_EXPECTED, POSITIVE_DEFAULT
from conformance.checks.fast_schema import schema_violations
from conformance.checks.response_schema import response_violations
from conformance.providers import get_provider
from conformance.spec.resources import cassettes_dir
from conformance.spec.specs import Operation, Spec
from tests.conftest import PROVIDERS


def _bodies(provider: str) -> Iterator[tuple[Spec, Operation, int, Any]]:
    spec = get_provider(provider).spec
    for path in sorted((cassettes_dir() / provider).rglob("*.yaml")):
        cassette = store.read_cassette(path, provider)
        prefix = urlsplit(str(cassette.metadata.get("base_url") or "")).path.rstrip("/")
        for interaction in cassette.interactions:
            request, response = interaction["request"], interaction["response"]
            target = urlsplit(request["uri"]).path
            operation = spec.operation_at(request["method"], target[len(prefix) :] if prefix else target)
            text = (response.get("body") or {}).get("string")
            if operation is None or not text:
                continue
            try:
                body = json.loads(text)
            except ValueError:
                continue
            yield spec, operation, int(response["status"]["code"]), body


_SAMPLES = {provider: list(_bodies(provider)) for provider in PROVIDERS}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_same_verdict_on_every_shipped_body(provider: str) -> None:
    checked = 0
    for spec, operation, status, body in _SAMPLES[provider]:
        assert schema_violations(spec, operation, status, body) == response_violations(spec, operation, status, body)
        checked += 1
    assert checked > 10


def _mutations(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), "drop"
            yield (*path, key), "retype"
            yield (*path, key), "null"
            yield from _mutations(item, (*path, key))
        yield (*path, "undocumentedExtra"), "add"
    elif isinstance(value, list) and value:
        yield from _mutations(value[0], (*path, 0))


def _apply(body: Any, where: tuple[Any, ...], how: str) -> Any:
    body = copy.deepcopy(body)
    parent = body
    for step in where[:-1]:
        parent = parent[step]
    last = where[-1]
    if how == "drop":
        del parent[last]
    elif how == "retype":
        parent[last] = [] if isinstance(parent[last], str) else "text"
    elif how in ("null", "add"):
        parent[last] = None if how == "null" else 1
    return body


@st.composite
def _mutated(draw: st.DrawFn) -> tuple[Spec, Operation, int, Any]:
    provider = draw(st.sampled_from(PROVIDERS))
    spec, operation, status, body = draw(st.sampled_from(_SAMPLES[provider]))
    options = list(_mutations(body))
    if not options:
        return spec, operation, status, body
    where, how = draw(st.sampled_from(options))
    return spec, operation, status, _apply(body, where, how)


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(_mutated())
def test_same_verdict_on_single_mutations(sample: tuple[Spec, Operation, int, Any]) -> None:
    spec, operation, status, body = sample
    assert schema_violations(spec, operation, status, body) == response_violations(spec, operation, status, body)


def test_status_lists_are_schemathesis_defaults() -> None:
    """The replay's status lists are the ones the recording's checks used."""
    from schemathesis.config import _checks

    assert list(NEGATIVE_EXPECTED) == _checks.NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES
    assert list(POSITIVE_DEFAULT) == _checks.POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES
    assert list(NOT_A_SERVER_ERROR_EXPECTED) == _checks.NOT_A_SERVER_ERROR_EXPECTED_STATUSES
