"""Spec.operation_at, the suite's one operation matcher (engine, replay, coverage, drift, the doubles)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.providers import all_providers
from conformance.spec.specs import load_spec

SEGMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=12)


def _concrete(template: str, values: list[str]) -> str:
    it = iter(values)
    return re.sub(r"\{[^}]+\}", lambda _: next(it), template)


@pytest.mark.parametrize("provider", sorted(all_providers()))
@settings(max_examples=20, derandomize=True, deadline=None)
@given(values=st.lists(SEGMENT, min_size=4, max_size=4), slash=st.booleans(), absolute=st.booleans())
def test_every_operation_is_found_from_a_concrete_path_or_url(
    provider: str, values: list[str], slash: bool, absolute: bool
) -> None:
    spec = all_providers()[provider].spec
    literal = {op.path for op in spec.operations.values() if "{" not in op.path}
    for op in spec.operations.values():
        path = _concrete(op.path, values)
        if path in literal and path != op.path:
            continue  # a literal path is its own operation (/invoices/create is not /invoices/{id})
        target = ("https://host.example" if absolute else "") + path + ("/" if slash else "") + "?limit=3"
        found = spec.match(op.method, target)
        assert found is not None, target
        assert found[0] == op
        names = re.findall(r"\{([^}]+)\}", op.path)
        assert found[1] == dict(zip(names, values, strict=False)) or path == op.path


@pytest.mark.parametrize("provider", sorted(all_providers()))
def test_an_unknown_path_or_method_matches_nothing(provider: str) -> None:
    spec = all_providers()[provider].spec
    assert spec.operation_at("GET", "/no/such/path") is None
    for op in spec.operations.values():
        assert spec.operation_at("TRACE", op.path) is None
        assert spec.operation_at(op.method, op.path + "/extra/segments") is None


def test_a_literal_path_wins_over_a_template_and_a_server_base_path_is_ignored(tmp_path: Path) -> None:
    ok = {"200": {"description": "ok"}}
    provenance = {"status": "inferred", "sources": [{"url": "https://docs.example/items"}], "reason": "a test"}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example/base/v2"}],
        "paths": {
            "/items/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "post": {"operationId": "update", "responses": ok, "x-provenance": provenance},
            },
            "/items/create": {"post": {"operationId": "create", "responses": ok, "x-provenance": provenance}},
        },
    }
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(document))
    spec = load_spec(path)
    assert spec.match("POST", "/items/create") == (spec.operations["create"], {})
    assert spec.match("post", "/items/it_1") == (spec.operations["update"], {"id": "it_1"})
    assert spec.match("POST", "https://api.example/base/v2/items/it_1/") == (spec.operations["update"], {"id": "it_1"})
    assert spec.operation_at("POST", "/base/v2/other/it_1") is None
    assert spec.operation_at("GET", "/items/it_1") is None
