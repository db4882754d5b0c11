"""Shared test helpers: the repository layout, the providers, fake credentials and a CLI runner."""

from __future__ import annotations

import base64
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from click.testing import CliRunner

from conformance.cassettes import store
from conformance.core.disk_cache import AREA_VARIABLES
from conformance.providers import all_providers
from conformance.spec.resources import SPEC_DIR_VARIABLE, cassettes_dir

ROOT = Path(__file__).resolve().parent.parent
REPLAY_CACHE_VARIABLE = AREA_VARIABLES["replay"]
PROVIDERS = sorted(all_providers())


def fake_credentials(tag: str, characters: str) -> dict[str, dict[str, str]]:
    """Credentials for every registered provider, each unmistakable (`tag` and a counter) and spelled with
    `characters` that every encoding changes; the value a double accepts by default keeps its format prefix."""
    found: dict[str, dict[str, str]] = {}
    for index, (name, provider) in enumerate(sorted(all_providers().items())):
        found[name] = {
            var.name: f"{var.test_value}{tag}{index}{position}{characters}"
            for position, var in enumerate(provider.credential_vars)
        }
    return found


# Known fake credentials, distinctive enough that any trace of them on disk is unmistakable.
FAKE_CREDENTIALS = fake_credentials("FAKE4Conformance", "/With+Chars=")


def secret_forms(secret: str) -> set[str]:
    """A secret as it could reach a file: raw, URL-encoded, and base64 (alone or as a Basic user)."""
    encoded = {base64.b64encode(s.encode()).decode() for s in (secret, f"{secret}:")}
    return {secret, quote(secret, safe=""), quote_plus(secret), *encoded}


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """<shared dir>/NAME, made by `make(dir)` once per session and shared by every xdist worker (file lock)."""
    base = tmp_path_factory.getbasetemp()
    # xdist workers each get <session basetemp>/popen-gwN: their parent is shared by the session.
    shared = base.parent if base.name.startswith("popen-gw") else base
    out = shared / "made-once" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    with (out.parent / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker may be making it
        if not (out.parent / f"{name}.done").exists():
            out.mkdir()
            make(out)
            (out.parent / f"{name}.done").touch()
    return out


def invoice_reads(provider: str) -> list[str]:
    """The operations that read invoices (the list and the single invoice), for runs narrowed with
    --include-operation-id to what their assertions are about."""
    spec = all_providers()[provider].spec
    return [
        op.operation_id
        for op in spec.operations.values()
        if op.method == "GET" and op.operation_id.endswith(("Invoice", "Invoices"))
    ]


def pytest_configure(config: pytest.Config) -> None:
    """No test reads or writes the replay cache unless it asks for one of its own (tests/replay/test_replay_cache.py):
    a test must not depend on another test, nor on what an earlier session left in the user's cache.
    CLI subprocesses inherit the setting."""
    os.environ[REPLAY_CACHE_VARIABLE] = "off"


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def shipped_specs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts on the shipped specs, whatever an earlier test's `--spec-dir` (which points the
    whole process elsewhere) left in this worker's environment."""
    monkeypatch.delenv(SPEC_DIR_VARIABLE, raising=False)


@pytest.fixture(autouse=True, scope="session")
def no_exact_replay_of_shipped_cassettes() -> Iterator[None]:
    """An exact replay regenerates with the installed Hypothesis and schemathesis; a shipped cassette was
    recorded by whatever releases its recorder had, so a test that exact-replays one passes only until pip
    installs a newer release. Tests exact-replay the session's own recordings; this makes the rule fail loudly."""
    check = store.check_generator
    shipped = cassettes_dir().resolve()

    def guarded(cassette: store.LoadedCassette, provider: str) -> None:
        if Path(cassette.path).resolve().is_relative_to(shipped):
            pytest.fail(f"a test exact-replays the shipped {cassette.path}: use the session's own recording")
        check(cassette, provider)

    store.check_generator = guarded  # type: ignore[assignment]
    yield
    store.check_generator = check  # type: ignore[assignment]
