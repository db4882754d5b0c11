"""Cassette files: layout, VCR configuration, scrubbed atomic writes and clear errors for bad files.

Layout: `<cassette dir>/<provider>/<suite>/<name>.yaml`, plain VCR.py YAML with a `metadata` block
saying what was recorded against. A recording goes to a staging file next to its target and replaces
the target only when the whole recording succeeded (`commit`), so a failed or interrupted recording
leaves the previous cassette untouched.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import marshal
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vcr
import yaml
from vcr.cassette import Cassette
from vcr.persisters.filesystem import CassetteDecodeError, CassetteNotFoundError
from vcr.serialize import deserialize
from vcr.serializers import yamlserializer
from vcr.serializers.compat import convert_to_unicode

from conformance import __version__
from conformance.cassettes.scrub import scrub_interaction
from conformance.core import disk_cache, safe_yaml, secrets
from conformance.core.errors import UsageError
from conformance.core.fsutil import atomic_write_bytes, atomic_write_text

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
        credentialed = any(name.lower() in secrets.credential_headers() for name in request.headers)
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
        # vcrpy leaves its patches in place when saving raises (a full disk): the error waits here
        # until the cassette context has exited, and `recording` raises it then.
        self.failed: BaseException | None = None

    def load_cassette(self, cassette_path: str | Path, serializer: Any) -> Any:
        path = Path(cassette_path)
        if not path.is_file():
            raise CassetteNotFoundError()
        try:
            # Parsed once per process (and cached across runs), by our bounded loader: no alias bomb
            # reaches vcrpy, whose own loader would parse the file again.
            loaded = _read(path, "re-record it")
        except UsageError as exc:
            raise CassetteDecodeError(str(exc)) from exc
        # A private copy (marshal: a fast deep copy of plain data): vcrpy turns bodies into bytes in place.
        data = marshal.loads(marshal.dumps({"interactions": loaded.interactions, "metadata": loaded.metadata}))
        try:
            return deserialize("", _Parsed(data))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CassetteDecodeError(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from exc

    def save_cassette(self, cassette_path: str | Path, cassette_dict: dict[str, Any], serializer: Any) -> None:
        try:
            self._save(cassette_path, cassette_dict)
        except BaseException as exc:
            self.failed = exc

    def _save(self, cassette_path: str | Path, cassette_dict: dict[str, Any]) -> None:
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
        atomic_write_text(Path(cassette_path), yaml.dump(data, Dumper=_NoAliasCassetteDumper))


class _Parsed:
    """A vcrpy serializer handing over data already parsed."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def deserialize(self, _text: str) -> dict[str, Any]:
        return self.data


class _NoAliasCassetteDumper(yamlserializer._CassetteDumper):  # type: ignore[misc]  # vcrpy is untyped: its dumper is Any
    """vcrpy's dumper, never writing an alias (which our loader refuses)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


# Origins (host, port) whose requests are none of a cassette's business: a webhook receiver of this run, which
# an in-process double posts to while a scenario is recorded or replayed. They go to the network, unrecorded.
_passing_through: set[tuple[str, int]] = set()
# A request carrying this header is the run's own, beside the scenario (a read made when an event arrives).
PASS_THROUGH_HEADER = "X-Conformance-Beside"


@contextmanager
def passing_through(host: str, port: int) -> Iterator[None]:
    """Within the block, requests to host:port are neither recorded nor answered from a cassette."""
    origin = (host, port)
    _passing_through.add(origin)
    try:
        yield
    finally:
        _passing_through.discard(origin)


def _not_passing_through(request: Any) -> Any:
    if (request.host, request.port) in _passing_through or PASS_THROUGH_HEADER in request.headers:
        return None
    return request


def make_vcr(
    *,
    record: bool,
    secrets: Iterable[str] = (),
    metadata: dict[str, Any] | None = None,
    intents: Mapping[int, dict[str, Any]] | None = None,
    persister: ScrubbingPersister | None = None,
) -> vcr.VCR:
    """A VCR that records everything (record) or replays only, never touching the network (replay)."""
    recorder = vcr.VCR(
        record_mode="all" if record else "none",
        match_on=MATCH_ON,
        decode_compressed_response=True,
        before_record_request=_not_passing_through,
    )
    recorder.register_matcher("request_key", _request_key)
    recorder.register_persister(persister or ScrubbingPersister(secrets, metadata, intents))
    return recorder


def staging_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.recording")


# Recordings finished but not yet committed: (staging file, target). Inside `transaction()` they wait
# for the whole run; outside one, each replaces its target as soon as its recording finishes.
_pending: list[tuple[Path, Path]] = []
_deferring: list[bool] = []


@contextmanager
def recording(
    path: Path,
    *,
    secrets: Iterable[str],
    metadata: dict[str, Any],
    intents: Mapping[int, dict[str, Any]] | None = None,
) -> Iterator[Cassette]:
    """Record into a staging file that replaces `path` only if the block finishes without an exception
    (and, inside `transaction()`, only when the whole run does).

    `intents` (position -> note), filled by the caller while recording, is written into each interaction.
    """
    staged = staging_path(path)
    with contextlib.suppress(FileNotFoundError):
        staged.unlink()
    persister = ScrubbingPersister(secrets, metadata, intents)
    try:
        # An interrupted or failed recording is not saved at all (vcrpy would save what it has).
        with make_vcr(record=True, persister=persister).use_cassette(
            str(staged), record_on_exception=False
        ) as cassette:
            yield cassette
        if persister.failed is not None:
            raise persister.failed
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()
        raise
    if staged.exists():
        if _deferring:
            _pending.append((staged, path))
        else:
            os.replace(staged, path)


def write_beside(path: Path, data: bytes) -> None:
    """A file recorded with a cassette (a scenario's webhook deliveries): staged and committed as a cassette is,
    with the run's transaction when there is one."""
    staged = staging_path(path)
    atomic_write_bytes(staged, data)
    if _deferring:
        _pending.append((staged, path))
    else:
        os.replace(staged, path)


def readable(path: Path) -> Path:
    """Where a cassette recorded in this run can be read before it is committed."""
    staged = staging_path(path)
    return staged if (staged, path) in _pending else path


@contextmanager
def deferred() -> Iterator[list[tuple[str, str]]]:
    """Recordings in this block are staged, not committed; the list names them (for a parent process
    to `adopt`). On an exception they are removed."""
    _deferring.append(True)
    start = len(_pending)
    names: list[tuple[str, str]] = []
    try:
        yield names
    except BaseException:
        _discard(_pending[start:])
        del _pending[start:]
        raise
    finally:
        _deferring.pop()
    names.extend((str(s), str(t)) for s, t in _pending[start:])
    if not _deferring:  # no transaction around: this process only stages (a worker), the parent adopts
        del _pending[start:]


def adopt(staged: Iterable[tuple[str, str]]) -> None:
    """Recordings staged by a worker process join this process's transaction (or are committed now)."""
    pairs = [(Path(s), Path(t)) for s, t in staged]
    if _deferring:
        _pending.extend(p for p in pairs if p not in _pending)
    else:
        _commit(pairs)


@contextmanager
def transaction(cassette_dir: Path, keep: Callable[[], bool] = lambda: True) -> Iterator[None]:
    """Every cassette recorded in the block replaces its target when the block ends normally, all
    together; on any exception or interruption none does, and no staging file is left behind.
    `keep()` False when the block ends (a recording its budget cut short): none does either."""
    _deferring.append(True)
    start = len(_pending)
    try:
        yield
    except BaseException:
        _discard(_pending[start:])
        del _pending[start:]
        # Staged by a worker that never reported back.
        _discard([(p, p) for p in Path(cassette_dir).glob("*/*/.*.recording")])
        raise
    finally:
        _deferring.pop()
    pairs = _pending[start:]
    del _pending[start:]
    if keep():
        _commit(pairs)
    else:
        _discard(pairs)


def _commit(pairs: Iterable[tuple[Path, Path]]) -> None:
    for staged, target in pairs:
        os.replace(staged, target)


def _discard(pairs: Iterable[tuple[Path, Path]]) -> None:
    for staged, _ in pairs:
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()


@dataclass(frozen=True)
class LoadedCassette:
    path: Path
    interactions: list[dict[str, Any]]
    metadata: dict[str, Any]
    content_key: str = ""  # what the parse depends on (the file's bytes): a key for anything derived from it


_PARSED: dict[tuple[str, int, int], LoadedCassette] = {}


def read_cassette(path: Path, provider: str, suite: str = ENGINE_SUITE) -> LoadedCassette:
    """The cassette as plain data, or a UsageError that says what is wrong and how to fix it.

    Parsed once per process and file version (path, mtime, size); callers must not mutate the result.
    """
    if not path.is_file():
        raise UsageError(f"no cassette at {path}; record one with `{record_command(provider, suite)}`.")
    return _read(path, f"restore it from git or re-record it with `{record_command(provider, suite)}`")


def _read(path: Path, fix: str) -> LoadedCassette:
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


# The disk cache's area for parsed cassettes (conformance.core.disk_cache), keyed by each file's content hash.
PARSED_AREA = disk_cache.REPLAY_AREA


def content_key(raw: bytes) -> str:
    """What a cassette's parse depends on: its bytes and the YAML library reading them."""
    return disk_cache.digest("parsed cassette", yaml.__version__, hashlib.sha256(raw).digest())


def _parse_cassette(path: Path, fix: str) -> LoadedCassette:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cassette {path} is corrupt ({type(exc).__name__}); {fix}.") from None
    key = content_key(raw)
    cached = disk_cache.read(PARSED_AREA, key)
    if cached is not None:
        loaded = _checked(path, cached, fix, key, trusted=False)
        if loaded is not None:
            return loaded
    try:
        # As text mode reads it (universal newlines), so the parse is the one read_text gave.
        data = safe_yaml.load(raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n"))
    except safe_yaml.AliasRefused as exc:
        raise UsageError(f"cassette {path} is refused: its YAML aliases ({exc.problem}); {fix}.") from None
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(f"cassette {path} is corrupt ({type(exc).__name__}); {fix}.") from None
    loaded = _checked(path, data, fix, key, trusted=True)
    assert loaded is not None  # a parse that is not a cassette raised
    disk_cache.write(PARSED_AREA, key, {"interactions": loaded.interactions, "metadata": loaded.metadata})
    return loaded


def _checked(path: Path, data: Any, fix: str, key: str, *, trusted: bool) -> LoadedCassette | None:
    """The parsed file as a cassette; what it lacks is a UsageError when it came from the file itself
    (`trusted`), and None when it came from the cache (then the file is parsed)."""
    interactions = data.get("interactions") if isinstance(data, dict) else None
    if not trusted and not isinstance(interactions, list):
        return None
    if not isinstance(interactions, list):
        raise UsageError(f"cassette {path} is corrupt (no VCR interactions list); {fix}.")
    for number, interaction in enumerate(interactions):
        problem = _interaction_problem(interaction)
        if problem and not trusted:
            return None
        if problem:
            raise UsageError(f"cassette {path} is corrupt (interaction {number} {problem}); {fix}.")
    metadata = data.get("metadata")
    return LoadedCassette(
        path=path,
        interactions=interactions,
        metadata=dict(metadata) if isinstance(metadata, dict) else {},
        content_key=key,
    )


def _interaction_problem(interaction: Any) -> str | None:
    """What a VCR interaction lacks for vcrpy to replay it, or None."""
    if not isinstance(interaction, dict):
        return "is not a mapping"
    request, response = interaction.get("request"), interaction.get("response")
    if not isinstance(request, dict) or not isinstance(response, dict):
        return "lacks a request or a response"
    for key in ("method", "uri"):
        if not isinstance(request.get(key), str):
            return f"has no request {key}"
    if not isinstance(request.get("headers", {}), dict):
        return "has request headers that are not a mapping"
    status = response.get("status")
    if not isinstance(status, dict) or not isinstance(status.get("code"), int):
        return "has no response status code"
    if not isinstance(response.get("headers", {}), dict):
        return "has response headers that are not a mapping"
    body = response.get("body")
    if not isinstance(body, dict) or "string" not in body:
        return "has no response body"
    return None


def use_replay(path: Path, provider: str, suite: str = ENGINE_SUITE, *, checked: bool = False) -> Any:
    """A VCR context replaying `path` with the network blocked; the file is checked first unless the
    caller already read it with `read_cassette`."""
    if not checked:
        read_cassette(path, provider, suite)
    return make_vcr(record=False).use_cassette(str(path))
