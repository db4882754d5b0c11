"""Cassette files: layout, VCR configuration, scrubbed atomic writes and clear errors for bad files.

Layout: `<cassette dir>/<provider>/<suite>/<name>.yaml`, plain VCR.py YAML with a `metadata` block
saying what was recorded against. A recording goes to a staging file next to its target and replaces
the target only when the whole recording succeeded (`commit`), so a failed or interrupted recording
leaves the previous cassette untouched.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vcr
import yaml
from vcr.cassette import Cassette
from vcr.persisters.filesystem import CassetteDecodeError, CassetteNotFoundError
from vcr.serialize import deserialize
from vcr.serializers.compat import convert_to_unicode

from conformance import __version__
from conformance.cassettes.scrub import SENSITIVE_HEADERS, scrub_interaction
from conformance.errors import UsageError
from conformance.fsutil import atomic_write_text

ENGINE_SUITE = "engine"
# Each interaction of an engine recording says what its request was meant to be (conformance.engine.intent),
# under this key next to `request` and `response`; plain vcrpy ignores it.
INTENT_KEY = "conformance"
# Hosts and ports differ between recordings (doubles listen on free ports): match on method, path,
# query, body, and whether the request carried credentials (their values read REDACTED, but an auth
# probe resending a request without them must not be answered with the authenticated reply). Bodies
# compare as sent, byte for byte: generation is deterministic, so a replay sends exactly the recorded
# bytes. The key is computed once per request and cached on it, because VCR compares every request
# with every recorded one (thousands per cassette).
MATCH_ON = ("request_key",)
_KEY_ATTRIBUTE = "_conformance_match_key"


def _key(request: Any) -> tuple[Any, ...]:
    key = getattr(request, _KEY_ATTRIBUTE, None)
    if key is None:
        credentialed = any(name.lower() in SENSITIVE_HEADERS for name in request.headers)
        key = (request.method, request.path, tuple(sorted(request.query)), request.body, credentialed)
        setattr(request, _KEY_ATTRIBUTE, key)
    return key


def _request_key(r1: Any, r2: Any) -> None:
    if _key(r1) != _key(r2):
        raise AssertionError("method, path, query, body or credentials differ")


def cassette_path(cassette_dir: Path, provider: str, suite: str, name: str = "cassette") -> Path:
    return Path(cassette_dir) / provider / suite / f"{name}.yaml"


def display_path(path: Path, root: Path) -> str:
    """`path` relative to `root` when it lies below it (how evidence names a cassette), else as given."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def recording_metadata(
    provider: Any, base_url: str, env: Mapping[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    """What a cassette says about itself: provider, what it was recorded against, tool and spec versions.

    `CONFORMANCE_RECORDED_AGAINST` is set by scripts/record_cassettes.py, which records from the doubles.
    """
    return {
        "provider": provider.name,
        "recorded_against": (os.environ if env is None else env).get("CONFORMANCE_RECORDED_AGAINST", base_url),
        "base_url": base_url,
        "recorded_by": f"invoice-conformance {__version__}",
        "spec_version": str(provider.spec.document.get("info", {}).get("version", "")),
        "generated_by": generator_versions(),
        **extra,
    }


def generator_versions() -> dict[str, str]:
    """The libraries whose release decides which requests a seed generates."""
    return {name: importlib.metadata.version(name) for name in ("schemathesis", "hypothesis")}


def check_generator(cassette: LoadedCassette, provider: str) -> None:
    """An exact replay under other generator releases would send other requests: stop and say why."""
    recorded = cassette.metadata.get("generated_by")
    installed = generator_versions()
    if recorded and recorded != installed:
        was = ", ".join(f"{k} {v}" for k, v in sorted(recorded.items()))
        now = ", ".join(f"{k} {v}" for k, v in sorted(installed.items()))
        raise UsageError(
            f"exact replay of {cassette.path} needs {was} but {now} is installed; install those versions, "
            f"re-record with `{record_command(provider)}`, or drop --replay exact (the default replay "
            "re-judges the recordings under any version)."
        )


def record_command(provider: str, suite: str = ENGINE_SUITE) -> str:
    if suite == ENGINE_SUITE:
        return f"conformance run --target record --provider {provider}"
    return f"pytest tests/workflows --record-mode=rewrite -k {provider}"


class ScrubbingPersister:
    """VCR persister: scrubs every interaction before it is serialized, writes atomically, loads strictly."""

    def __init__(
        self,
        secrets: Iterable[str] = (),
        metadata: dict[str, Any] | None = None,
        intents: Mapping[int, dict[str, Any]] | None = None,
    ) -> None:
        self.secrets = list(secrets)
        self.metadata = metadata or {}
        # Filled while the recording runs: interaction position -> what its request was meant to be.
        self.intents = intents

    def load_cassette(self, cassette_path: str | Path, serializer: Any) -> Any:
        path = Path(cassette_path)
        if not path.is_file():
            raise CassetteNotFoundError()
        try:
            data = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CassetteDecodeError(str(exc)) from exc
        try:
            return deserialize(data, serializer)
        except (yaml.YAMLError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CassetteDecodeError(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc

    def save_cassette(self, cassette_path: str | Path, cassette_dict: dict[str, Any], serializer: Any) -> None:
        # As vcr.serialize does, with every interaction scrubbed between recording and writing.
        interactions = []
        for position, (request, response) in enumerate(
            zip(cassette_dict["requests"], cassette_dict["responses"], strict=True)
        ):
            clean = scrub_interaction({"request": request._to_dict(), "response": response}, self.secrets)
            interaction = {part: convert_to_unicode(value) for part, value in clean.items()}
            if self.intents is not None:
                interaction[INTENT_KEY] = self.intents.get(position, {"role": "setup"})
            interactions.append(interaction)
        data: dict[str, Any] = {"version": 1, "interactions": interactions}
        metadata = {**(cassette_dict.get("metadata") or {}), **self.metadata}
        if metadata:
            data["metadata"] = metadata
        atomic_write_text(Path(cassette_path), serializer.serialize(data))


def make_vcr(
    *,
    record: bool,
    secrets: Iterable[str] = (),
    metadata: dict[str, Any] | None = None,
    intents: Mapping[int, dict[str, Any]] | None = None,
) -> vcr.VCR:
    """A VCR that records everything (record) or replays only, never touching the network (replay)."""
    recorder = vcr.VCR(
        record_mode="all" if record else "none",
        match_on=MATCH_ON,
        decode_compressed_response=True,
    )
    recorder.register_matcher("request_key", _request_key)
    recorder.register_persister(ScrubbingPersister(secrets, metadata, intents))
    return recorder


def staging_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.recording")


@contextmanager
def recording(
    path: Path,
    *,
    secrets: Iterable[str],
    metadata: dict[str, Any],
    intents: Mapping[int, dict[str, Any]] | None = None,
) -> Iterator[Cassette]:
    """Record into a staging file that replaces `path` only if the block finishes without an exception.

    `intents` (position -> note), filled by the caller while recording, is written into each interaction.
    """
    staged = staging_path(path)
    with contextlib.suppress(FileNotFoundError):
        staged.unlink()
    try:
        with make_vcr(record=True, secrets=secrets, metadata=metadata, intents=intents).use_cassette(
            str(staged)
        ) as cassette:
            yield cassette
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()
        raise
    if staged.exists():
        os.replace(staged, path)


@dataclass(frozen=True)
class LoadedCassette:
    path: Path
    interactions: list[dict[str, Any]]
    metadata: dict[str, Any]


# libyaml's parser: about 6x faster than the pure-Python one on cassettes, same data.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PARSED: dict[tuple[str, int, int], LoadedCassette] = {}


def read_cassette(path: Path, provider: str, suite: str = ENGINE_SUITE) -> LoadedCassette:
    """The cassette as plain data, or a UsageError that says what is wrong and how to fix it.

    Parsed once per process and file version (path, mtime, size); callers must not mutate the result.
    """
    fix = f"restore it from git or re-record it with `{record_command(provider, suite)}`"
    if not path.is_file():
        raise UsageError(f"no cassette at {path}; record one with `{record_command(provider, suite)}`.")
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError as exc:
        raise UsageError(f"cassette {path} cannot be read ({type(exc).__name__}); {fix}.") from None
    cached = _PARSED.get(key)
    if cached is not None:
        return cached
    loaded = _parse_cassette(path, fix)
    _PARSED[key] = loaded
    return loaded


def _parse_cassette(path: Path, fix: str) -> LoadedCassette:
    try:
        data = yaml.load(path.read_bytes(), Loader=_YAML_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(f"cassette {path} is corrupt ({type(exc).__name__}); {fix}.") from None
    interactions = data.get("interactions") if isinstance(data, dict) else None
    if not isinstance(interactions, list) or not all(
        isinstance(i, dict) and isinstance(i.get("request"), dict) and isinstance(i.get("response"), dict)
        for i in interactions
    ):
        raise UsageError(f"cassette {path} is corrupt (no VCR interactions list); {fix}.")
    return LoadedCassette(path=path, interactions=interactions, metadata=dict(data.get("metadata") or {}))


def use_replay(path: Path, provider: str, suite: str = ENGINE_SUITE, *, checked: bool = False) -> Any:
    """A VCR context replaying `path` with the network blocked; the file is checked first unless the
    caller already read it with `read_cassette`."""
    if not checked:
        read_cassette(path, provider, suite)
    return make_vcr(record=False).use_cassette(str(path))
