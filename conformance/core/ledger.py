"""The clean-up ledger: every object a live run creates, written down as it is created (one JSON line each,
appended and flushed), so that what an interrupted or crashed run left can be swept later
(`conformance cleanup`). A run's teardown writes down what it removed; what was created and never
removed is still open.

Only an object's provider, the operation that created it, its id and the run's id are kept: no body,
no credential. Recording is on for the providers a live-type run targets (never for a replay: its
objects live in a cassette, not on a server).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_NAME = "ledger.jsonl"


def new_run_id() -> str:
    return f"run-{secrets.token_hex(6)}"


@dataclass(frozen=True)
class Entry:
    run_id: str
    provider: str
    operation: str
    id: str


@dataclass(frozen=True)
class Ledger:
    path: Path
    run_id: str
    providers: frozenset[str]

    def _append(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (json.dumps(record, sort_keys=True) + "\n").encode("utf-8")
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line)  # one write per line: lines of concurrent writers do not interleave
        finally:
            os.close(descriptor)


_active: list[Ledger] = []


@contextmanager
def recording(ledger: Ledger | None) -> Iterator[None]:
    """Within the block, objects the named providers' runs create are written to `ledger` (None: nothing)."""
    if ledger is None:
        yield
        return
    _active.append(ledger)
    try:
        yield
    finally:
        _active.pop()


def created(provider: str, operation: str, body: Any) -> None:
    """A successful create answered `body`: its id goes into the active ledger, if any."""
    if not _active or provider not in _active[-1].providers:
        return
    object_id = body.get("id") if isinstance(body, dict) else None
    if isinstance(object_id, str | int) and str(object_id):
        ledger = _active[-1]
        ledger._append({"run_id": ledger.run_id, "provider": provider, "operation": operation, "id": str(object_id)})


def removed(provider: str, operation: str, object_id: str, *, path: Path | None = None, run_id: str = "") -> None:
    """The teardown removed it (the run's own teardown, or `conformance cleanup` writing to `path`)."""
    if path is None:
        if not _active or provider not in _active[-1].providers:
            return
        ledger = _active[-1]
    else:
        ledger = Ledger(path, run_id, frozenset({provider}))
    record = {"run_id": run_id or ledger.run_id, "provider": provider, "operation": operation, "id": object_id}
    ledger._append({**record, "removed": True})


def still_open(path: Path, provider: str, run_id: str | None = None) -> list[Entry]:
    """What the ledger at `path` says was created and not removed, oldest first (a torn last line is skipped)."""
    if not path.is_file():
        return []
    entries: dict[tuple[str, str, str], Entry] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            record = json.loads(line)
            entry = Entry(str(record["run_id"]), str(record["provider"]), str(record["operation"]), str(record["id"]))
        except (ValueError, KeyError, TypeError):
            continue
        if entry.provider != provider or (run_id is not None and entry.run_id != run_id):
            continue
        key = (entry.provider, entry.operation, entry.id)
        if record.get("removed"):
            entries.pop(key, None)
        else:
            entries.setdefault(key, entry)
    return list(entries.values())
