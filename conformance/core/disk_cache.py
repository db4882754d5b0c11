"""What a run may remember across runs: entries in a cache directory, each trusted only if it proves itself.

The directory is $CONFORMANCE_CACHE_DIR, else $XDG_CACHE_HOME (or ~/.cache)/invoice-conformance, one
folder per area (`valid-specs`, `replay`); CONFORMANCE_CACHE_DIR=off disables every area, and
CONFORMANCE_REPLAY_CACHE (off, or a directory) decides for the replay's area alone. An entry is
one file named by the hash of its key, holding a magic word, the hash of its full key and the hash of
its payload (a `marshal` dump: plain data only, loaded many times faster than YAML). Reading checks
all three and returns None on any doubt (missing, truncated, corrupted, written for another key, by
another Python); writing is atomic and silently gives up on a read-only, full or missing directory.
A cache can only make a run faster, never change or stop it.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib.metadata
import marshal
import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

CACHE_VARIABLE = "CONFORMANCE_CACHE_DIR"

# Bumped when the entry layout changes; marshal's format follows the Python minor release.
_MAGIC = b"ICCACHE1"
_PYTHON = f"{sys.implementation.cache_tag} marshal {marshal.version}"
_DIGEST = 32
# The libraries a remembered verdict depends on besides this package (parsing, schema validation).
_JUDGED_WITH = ("jsonschema", "jsonschema-rs", "referencing", "pyyaml", "vcrpy", "requests")


def cache_root() -> Path | None:
    """The cache directory, or None when CONFORMANCE_CACHE_DIR=off."""
    value = os.environ.get(CACHE_VARIABLE, "")
    if value.lower() == "off":
        return None
    if value:
        return Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "invoice-conformance"


# The replay's area: parsed cassettes and specs, verdicts, compiled report templates (docs/replay-cache.md).
REPLAY_AREA = "replay"
# Areas with a variable of their own ("off", or a directory), which wins over CONFORMANCE_CACHE_DIR.
AREA_VARIABLES = {REPLAY_AREA: "CONFORMANCE_REPLAY_CACHE"}


def area(name: str) -> Path | None:
    """Where the entries of one area are kept, or None when the area (or every area) is off."""
    variable = AREA_VARIABLES.get(name)
    value = os.environ.get(variable, "") if variable else ""
    if value.lower() == "off":
        return None
    if value:
        return Path(value)
    root = cache_root()
    return root / name if root is not None else None


def digest(*parts: str | bytes) -> str:
    """One hex digest of several parts (each length-prefixed, so ("ab", "c") differs from ("a", "bc"))."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "big"))
        hasher.update(data)
    return hasher.hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Every source file of the package and the versions of the libraries that judge: any edit re-judges."""
    package = Path(__file__).resolve().parent.parent  # all of conformance/, not core/ alone
    hasher = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        hasher.update(str(path.relative_to(package)).encode() + b"\0")
        hasher.update(hashlib.sha256(path.read_bytes()).digest())
    for name in _JUDGED_WITH:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "absent"
        hasher.update(f"{name} {version}\0".encode())
    return hasher.hexdigest()


def _entry(directory: Path, key: str) -> tuple[Path, bytes]:
    full = hashlib.sha256(f"{_PYTHON}\0{key}".encode()).digest()
    return directory / full.hex(), full


def read(area_name: str, key: str) -> Any | None:
    """The value written under `key`, or None (no entry, or one that does not prove itself)."""
    directory = area(area_name)
    if directory is None:
        return None
    path, full = _entry(directory, key)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header = len(_MAGIC) + 2 * _DIGEST
    if len(data) < header or not data.startswith(_MAGIC):
        return None
    stored_key = data[len(_MAGIC) : len(_MAGIC) + _DIGEST]
    stored_payload = data[len(_MAGIC) + _DIGEST : header]
    payload = memoryview(data)[header:]
    if stored_key != full or hashlib.sha256(payload).digest() != stored_payload:
        return None
    enabled = gc.isenabled()
    gc.disable()  # as for a parse (conformance.core.safe_yaml): plain data holds no cycle to collect
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    finally:
        if enabled:
            gc.enable()


def write(area_name: str, key: str, value: Any) -> None:
    """Remember `value` (plain data: dict, list, str, bytes, int, float, bool, None) under `key`, if possible."""
    directory = area(area_name)
    if directory is None:
        return
    path, full = _entry(directory, key)
    try:
        payload = marshal.dumps(value)
    except ValueError:
        return  # not plain data: nothing to remember
    with contextlib.suppress(OSError):
        directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".entry-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(_MAGIC + full + hashlib.sha256(payload).digest())
                out.write(payload)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
