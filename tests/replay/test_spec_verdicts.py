"""A spec's OpenAPI validation is skipped only for bytes that already passed it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance.core.errors import UsageError
from conformance.spec.resources import specs_dir
from conformance.spec.spec_verdicts import CACHE_VARIABLE, validate_once
from conformance.spec.specs import parse_spec


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_pass_is_remembered_for_the_same_bytes_only(cache: Path) -> None:
    calls: list[Any] = []
    validate_once("openapi: 3.1.0", {"a": 1}, calls.append)
    validate_once("openapi: 3.1.0", {"a": 1}, calls.append)
    assert len(calls) == 1
    validate_once("openapi: 3.1.0 ", {"a": 1}, calls.append)
    assert len(calls) == 2


def test_a_failure_is_never_remembered(cache: Path) -> None:
    def reject(document: Any) -> None:
        raise ValueError("invalid")

    for _ in range(2):
        with pytest.raises(ValueError, match="invalid"):
            validate_once("openapi: broken", {}, reject)
    assert not list(cache.rglob("*")) or all(p.is_dir() for p in cache.rglob("*"))


def test_an_invalid_spec_fails_the_same_way_with_a_warm_cache(cache: Path, tmp_path: Path) -> None:
    text = (specs_dir() / "lynkwell.yaml").read_text()
    good = tmp_path / "lynkwell.yaml"
    good.write_text(text)
    parse_spec(good)
    assert any(p.is_file() for p in cache.rglob("*"))
    bad = tmp_path / "bad" / "lynkwell.yaml"
    bad.parent.mkdir()
    bad.write_text(text.replace("openapi: 3.1.0", "openapi: 3.1.0\nwebhooks: 5", 1))
    messages = []
    for _ in range(2):
        with pytest.raises(UsageError) as error:
            parse_spec(bad)
        messages.append(str(error.value))
    assert messages[0] == messages[1]
    assert "not valid OpenAPI 3.1" in messages[0]


def test_the_cache_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    calls: list[Any] = []
    for _ in range(2):
        validate_once("x", {}, calls.append)
    assert len(calls) == 2
